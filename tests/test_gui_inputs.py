"""Pictures reach the window three ways besides File > Open: pasted, dropped as files, dropped as images."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.main_window import MainWindow

pytestmark = pytest.mark.usefixtures("settings_in_tmp")


def open_window(qtbot: QtBot, model: Path) -> MainWindow:
    window = MainWindow(str(model))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.current_bundle() is not None, timeout=15000)
    return window


def seven(size: int = 300) -> np.ndarray:
    """A scanned-looking "7": dark pen ink on white paper."""
    picture = np.full((size, size), 255, np.uint8)
    points = np.array([(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]) * size
    cv2.polylines(picture, [points.astype(np.int32)], False, 0, thickness=size // 25)
    return picture


def to_qimage(grey: np.ndarray) -> QImage:
    height, width = grey.shape
    return QImage(grey.data, width, height, width, QImage.Format.Format_Grayscale8).copy()


def drop(window: MainWindow, mime: QMimeData) -> None:
    """Drags ``mime`` onto the window (which must accept it) and drops it."""
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, left, none)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted(), "the window refused the drag"
    QApplication.sendEvent(window, QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, left, none))


def test_pasted_picture_is_recognized(qtbot: QtBot, tiny_bundle: Path) -> None:
    window = open_window(qtbot, tiny_bundle)
    QGuiApplication.clipboard().setImage(to_qimage(seven()))
    with qtbot.waitSignal(window.pictures.readingShown, timeout=5000):
        window.paste()
    assert window.pictures.source == "picture" and len(window.pictures.candidates.candidates()) == 10


def test_pasted_seven_reads_as_seven(qtbot: QtBot, digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    QGuiApplication.clipboard().setImage(to_qimage(seven()))
    with qtbot.waitSignal(window.pictures.readingShown, timeout=5000):
        window.paste()
    assert window.pictures.labels() == ["7"]


def test_paste_without_a_picture_says_so(qtbot: QtBot, tiny_bundle: Path, shown_errors: list[str]) -> None:
    window = open_window(qtbot, tiny_bundle)
    QGuiApplication.clipboard().setText("just words")
    window.paste()
    assert len(shown_errors) == 1 and "no picture" in shown_errors[0]


def test_dropped_file_is_recognized(qtbot: QtBot, tiny_bundle: Path, tmp_path: Path) -> None:
    path = tmp_path / "seven.png"
    cv2.imwrite(str(path), seven())
    window = open_window(qtbot, tiny_bundle)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    with qtbot.waitSignal(window.pictures.readingShown, timeout=5000):
        drop(window, mime)
    assert window.pictures.source == str(path) and len(window.pictures.candidates.candidates()) == 10


def test_dropped_image_data_is_recognized(qtbot: QtBot, tiny_bundle: Path) -> None:
    window = open_window(qtbot, tiny_bundle)
    mime = QMimeData()
    mime.setImageData(to_qimage(seven()))
    with qtbot.waitSignal(window.pictures.readingShown, timeout=5000):
        drop(window, mime)
    assert len(window.pictures.candidates.candidates()) == 10


def test_dropped_broken_file_shows_a_message(qtbot: QtBot, tiny_bundle: Path, tmp_path: Path,
                                             shown_errors: list[str]) -> None:
    path = tmp_path / "scan.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    window = open_window(qtbot, tiny_bundle)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop(window, mime)
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=5000)
    assert "scan.jpg" in shown_errors[0]


def test_dragging_text_is_refused(qtbot: QtBot, tiny_bundle: Path) -> None:
    window = open_window(qtbot, tiny_bundle)
    mime = QMimeData()
    mime.setText("7")
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    enter.ignore()
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()
