"""The writing canvas: mouse and pen strokes become ink; undo, redo and clear."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QVBoxLayout
from pytestqt.qtbot import QtBot

from core.ink import Ink
from desktop.canvas import InkCanvas
from tests.guihelpers import drag, pen_stroke

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
NONE = Qt.KeyboardModifier.NoModifier


def make_canvas(qtbot: QtBot) -> InkCanvas:
    canvas = InkCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(300, 300)
    canvas.show()
    return canvas


def test_mouse_drag_records_a_stroke(qtbot: QtBot) -> None:
    canvas = make_canvas(qtbot)
    with qtbot.waitSignal(canvas.strokeFinished) as blocker:
        drag(canvas, [(50, 50), (100, 80), (150, 200)])
    ink: Ink = blocker.args[0]
    assert len(ink.strokes) == 1
    np.testing.assert_allclose(ink.strokes[0][:, :2], [[50, 50], [100, 80], [150, 200]])
    assert not ink.has_pressure  # a mouse has none
    assert (ink.width, ink.height) == (300, 300)
    assert np.all(np.diff(ink.strokes[0][:, 2]) >= 0)  # time runs forward


def test_undo_redo_clear(qtbot: QtBot) -> None:
    canvas = make_canvas(qtbot)
    drag(canvas, [(10, 10), (50, 50)])
    drag(canvas, [(60, 10), (60, 90)])
    assert len(canvas.ink().strokes) == 2
    canvas.undo()
    assert len(canvas.ink().strokes) == 1 and canvas.can_redo()
    canvas.redo()
    assert len(canvas.ink().strokes) == 2
    canvas.undo()
    drag(canvas, [(5, 5), (6, 60)])  # a new stroke drops the redo history
    assert not canvas.can_redo()
    with qtbot.waitSignal(canvas.inkChanged) as blocker:
        canvas.clear()
    assert blocker.args[0].is_empty and canvas.is_empty()


def test_pen_pressure_is_recorded(qtbot: QtBot) -> None:
    canvas = make_canvas(qtbot)
    pressures = [0.1, 0.4, 0.9, 1.0]
    with qtbot.waitSignal(canvas.strokeFinished) as blocker:
        pen_stroke(canvas, [(20, 20), (40, 40), (60, 60), (80, 80)], pressures)
    ink: Ink = blocker.args[0]
    assert ink.has_pressure
    np.testing.assert_allclose(ink.strokes[0][:, 3], pressures, atol=1e-6)


def test_set_ink_fits_the_canvas(qtbot: QtBot) -> None:
    from core.ink import make_stroke

    canvas = make_canvas(qtbot)
    canvas.set_ink(Ink((make_stroke([(1000, 1000), (3000, 5000)]),), 10000, 10000))
    x0, y0, x1, y1 = canvas.ink().bounds()
    assert 0 <= x0 < x1 <= 300 and 0 <= y0 < y1 <= 300


def _dark_pixels(canvas: InkCanvas) -> int:
    image = canvas.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    data = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * image.height())
    return int((data.reshape(image.height(), -1)[:, :image.width()] < 100).sum())


def test_harder_pen_pressure_draws_a_wider_line(qtbot: QtBot) -> None:
    widths = {}
    for pressure in (0.1, 1.0):
        canvas = make_canvas(qtbot)
        points = [(40 + 20 * i, 150) for i in range(12)]
        pen_stroke(canvas, points, [pressure] * len(points))
        widths[pressure] = _dark_pixels(canvas) / 220  # ink pixels per pixel of stroke length
    assert widths[1.0] > 2 * widths[0.1] > 0


@pytest.mark.parametrize("keys, strokes_after", [
    ([("Z", CTRL)], 1),
    ([("Z", CTRL), ("Z", CTRL | SHIFT)], 2),
    ([("Z", CTRL), ("Y", CTRL)], 2),
    ([("Escape", NONE)], 0),
    ([("Delete", NONE)], 0),
])
def test_editing_keys(qtbot: QtBot, keys: list[tuple[str, Qt.KeyboardModifier]], strokes_after: int) -> None:
    canvas = make_canvas(qtbot)
    canvas.setFocus()
    drag(canvas, [(10, 10), (50, 50)])
    drag(canvas, [(60, 10), (60, 90)])
    for key, modifiers in keys:
        QTest.keyClick(canvas, getattr(Qt.Key, f"Key_{key}"), modifiers)
    assert len(canvas.ink().strokes) == strokes_after


def test_escape_on_an_empty_canvas_is_left_to_the_window(qtbot: QtBot) -> None:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    canvas = InkCanvas(dialog)
    QVBoxLayout(dialog).addWidget(canvas)
    dialog.show()
    canvas.setFocus()
    drag(canvas, [(10, 10), (50, 50)])
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.is_empty() and dialog.isVisible()  # the first Esc clears the writing
    with qtbot.waitSignal(dialog.rejected, timeout=1000):
        QTest.keyClick(canvas, Qt.Key.Key_Escape)  # the second one closes the dialog as usual
