"""The writing canvas: mouse and pen strokes become ink; undo, redo and clear."""

from __future__ import annotations

import numpy as np
from pytestqt.qtbot import QtBot

from core.ink import Ink
from desktop.canvas import InkCanvas
from tests.guihelpers import drag, pen_stroke


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
