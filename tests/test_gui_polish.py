"""Defects from issue 14: remembered models, settings place, window size, candidate keys."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from core.recognizer import Candidate
from desktop.main_window import MainWindow
from desktop.model_menu import MODEL_SETTING

pytestmark = pytest.mark.usefixtures("settings_in_tmp")


def _window(qtbot: QtBot, model: Path) -> MainWindow:
    window = MainWindow(str(model))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.current_bundle() is not None, timeout=15000)
    return window


def test_a_broken_bundle_is_never_remembered(qtbot: QtBot, tiny_bundle: Path, tmp_path: Path,
                                             shown_errors: list[str]) -> None:
    window = _window(qtbot, tiny_bundle)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "metadata.json").write_text("{not json")
    with qtbot.waitSignal(window.service.modelFailed, timeout=10000):
        window.choose_model(str(broken))
    assert QSettings().value(MODEL_SETTING) is None
    assert window.current_bundle() is not None
    with qtbot.waitSignal(window.service.modelLoaded, timeout=10000):
        window.choose_model(str(tiny_bundle))
    assert QSettings().value(MODEL_SETTING) == str(tiny_bundle)


def test_settings_live_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.app import place_settings

    monkeypatch.setenv("MOJIYOMI_DATA_DIR", str(tmp_path / "data"))
    place_settings()
    assert Path(QSettings().fileName()).is_relative_to((tmp_path / "data").resolve())
    # QFileDialog keeps its history as organization "QtProject", user scope.
    qt_own = QSettings(QSettings.Scope.UserScope, "QtProject")
    assert Path(qt_own.fileName()).is_relative_to((tmp_path / "data").resolve())
    assert not str(QSettings().fileName()).startswith(os.path.expanduser("~/.config"))


def test_minimum_size_keeps_candidates_legible(qtbot: QtBot, tiny_bundle: Path) -> None:
    window = _window(qtbot, tiny_bundle)
    window.show()
    window.resize(200, 150)
    qtbot.wait(50)
    assert window.width() >= 480 and window.height() >= 320
    assert window.minimumWidth() <= 480 and window.minimumHeight() <= 360  # small screens still fit it
    for button in window.candidates.buttons:  # all ten candidates whole, none clipped by the window's edge
        top_left = button.mapTo(window, button.rect().topLeft())
        assert window.rect().contains(top_left) and window.rect().contains(top_left + button.rect().bottomRight())
        assert button.width() >= 48
    small = window.candidates.buttons[0].height()
    window.resize(1400, 900)
    qtbot.waitUntil(lambda: window.candidates.buttons[0].height() > small + 40, timeout=2000)


def test_candidate_buttons_show_their_key(qtbot: QtBot) -> None:
    from desktop.candidates import CandidatePanel

    panel = CandidatePanel()
    qtbot.addWidget(panel)
    panel.set_candidates([Candidate(str(i), 0.1) for i in range(10)])
    assert [b.key for b in panel.buttons] == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"]


def test_finetune_message_points_to_samples_menu(qtbot: QtBot, tiny_bundle: Path) -> None:
    from core.errors import DatasetError
    from training.adapt import check_samples

    with pytest.raises(DatasetError) as caught:
        check_samples([])
    assert "Samples > Practice" in str(caught.value)
    window = _window(qtbot, tiny_bundle)  # and the menu it names is there
    samples_menu = [a.text() for a in window.samples_menu.actions()]
    assert "&Practice…" in samples_menu and "&Practice…" not in [a.text() for a in window.training_menu.actions()]


def test_esc_clears_and_undo_brings_the_writing_back(qtbot: QtBot) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from desktop.canvas import InkCanvas
    from tests.guihelpers import write_digit

    canvas = InkCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(300, 300)
    write_digit(canvas, "4")
    write_digit(canvas, "1")
    strokes = len(canvas.ink().strokes)
    assert strokes >= 2
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.is_empty() and canvas.can_undo()
    canvas.undo()
    assert len(canvas.ink().strokes) == strokes
    canvas.clear()  # after a choice: a new character, nothing to bring back
    assert not canvas.can_undo()


def test_tabbing_into_the_text_line_keeps_the_text(qtbot: QtBot) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    from desktop.textline import TextLine

    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    first, line = QLineEdit(host), TextLine(host)
    layout.addWidget(first)
    layout.addWidget(line)
    line.edit.setText("日本語")
    host.show()
    host.activateWindow()
    qtbot.waitUntil(host.isActiveWindow, timeout=2000)
    first.setFocus()
    QTest.keyClick(first, Qt.Key.Key_Tab)
    qtbot.waitUntil(line.edit.hasFocus, timeout=2000)
    assert not line.edit.hasSelectedText()
    QTest.keyClicks(line.edit, "x")
    assert line.edit.text() == "日本語x"


def test_a_filter_that_matches_none_of_the_model_says_so(qtbot: QtBot, tiny_bundle: Path) -> None:
    window = _window(qtbot, tiny_bundle)
    window.show()
    window.set_filter("kana")
    assert "View" in window.candidates.hint() and "kana" in window.candidates.hint()
    assert window.status_labels.filter.isVisible()
    window.set_filter("digits")
    assert window.filter_note() is None
    window.set_filter("all")
    assert not window.status_labels.filter.isVisible()


def test_writing_goes_on_after_a_picture(qtbot: QtBot, tiny_bundle: Path, tmp_path: Path) -> None:
    import cv2
    import numpy as np

    from tests.guihelpers import write_digit

    picture = np.full((120, 480), 255, np.uint8)
    for i in range(4):
        cv2.rectangle(picture, (30 + 110 * i, 20), (60 + 110 * i, 100), 0, -1)
    path = tmp_path / "four.png"
    cv2.imwrite(str(path), picture)
    window = _window(qtbot, tiny_bundle)
    window.show()
    with qtbot.waitSignal(window.pictures.readingShown, timeout=5000):
        window.open_files([str(path)])
    assert len(window.pictures.labels()) == 4 and not window.canvas.isVisible()
    window.pictures.back_button.click()
    with qtbot.waitSignal(window.candidatesShown, timeout=5000):
        write_digit(window.canvas, "1")
    assert len(window.candidates.candidates()) == 10


def test_the_app_has_its_icon(qapp: object) -> None:
    from PySide6.QtWidgets import QApplication

    from desktop.app import ICON_PATH, make_application

    make_application()
    icon = QApplication.windowIcon()
    assert ICON_PATH.exists() and not icon.isNull()
    assert not icon.pixmap(64, 64).isNull()  # the SVG renders (Qt's svg plugin is there)


def test_desktop_entry_runs_mojiyomi_with_its_icon() -> None:
    from desktop.app import ICON_PATH

    entry = (ICON_PATH.parent / "mojiyomi.desktop").read_text(encoding="utf-8")
    assert "\nExec=mojiyomi" in entry and "\nIcon=mojiyomi\n" in entry


def test_twins_on_screen_show_their_kind(qtbot: QtBot) -> None:
    from desktop.candidates import CandidatePanel

    panel = CandidatePanel()
    qtbot.addWidget(panel)
    panel.set_candidates([Candidate("へ", 0.5), Candidate("ヘ", 0.3), Candidate("日", 0.1), Candidate("口", 0.05),
                          Candidate("ロ", 0.05)])
    assert [b.badge for b in panel.buttons[:5]] == ["ひ", "カ", "", "漢", "カ"]
    panel.set_candidates([Candidate("日", 0.5), Candidate("目", 0.3)])
    assert [b.badge for b in panel.buttons[:2]] == ["", ""]


def test_the_canvas_shows_keyboard_focus(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    from desktop.canvas import InkCanvas

    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    canvas, other = InkCanvas(host), QLineEdit(host)
    layout.addWidget(canvas)
    layout.addWidget(other)
    host.show()
    host.activateWindow()
    qtbot.waitUntil(host.isActiveWindow, timeout=2000)
    other.setFocus()
    qtbot.waitUntil(lambda: not canvas.hasFocus(), timeout=2000)
    unfocused = canvas.grab().toImage().pixelColor(1, canvas.height() // 2)
    canvas.setFocus()
    qtbot.waitUntil(canvas.hasFocus, timeout=2000)
    focused = canvas.grab().toImage().pixelColor(1, canvas.height() // 2)
    assert focused != unfocused
    assert focused == canvas.palette().color(canvas.palette().ColorRole.Highlight)
