"""The stroke-order view: strokes drawn in order and kept, the timer only while needed, Practise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from core import strokeorder
from desktop.practice import PracticeDialog
from desktop.stroke_order import StrokeAnimation, StrokeOrderView

pytestmark = pytest.mark.usefixtures("settings_in_tmp")


def _view(qtbot: QtBot) -> StrokeOrderView:
    view = StrokeOrderView()
    qtbot.addWidget(view)
    view.resize(240, 320)
    view.show()
    qtbot.waitExposed(view)
    return view


def _colour_at(animation: StrokeAnimation, stroke: int, at: float) -> QColor:
    """The colour drawn at a point ``at`` of the way along stroke ``stroke`` of the character shown."""
    found = animation.strokes()
    assert found is not None
    points = found.strokes[stroke]
    x, y = points[int(at * (len(points) - 1))]
    box = animation.box()
    return animation.grab().toImage().pixelColor(round(box.left() + x * box.width()),
                                                  round(box.top() + y * box.height()))


def _dark(colour: QColor) -> bool:
    return colour.lightness() < 80


def test_the_animation_draws_each_stroke_in_turn_keeps_them_and_finishes(qtbot: QtBot) -> None:
    view = _view(qtbot)
    view.set_character("日")
    animation = view.animation
    assert "4" in view.title.text() and animation.is_running()
    assert animation.progress() == (0, 0.0)
    assert not _dark(_colour_at(animation, 0, 0.5))  # nothing written yet: the first stroke is only faint
    # Halfway through the second stroke: the first is written, the second half done, the last still to come.
    first_and_half = animation.pause_ms * 2 + 1000.0 * (animation._lengths[0] + animation._lengths[1] / 2) / animation.speed
    animation.advance(first_and_half)
    index, fraction = animation.progress()
    assert index == 1 and 0.4 < fraction < 0.6
    assert _dark(_colour_at(animation, 0, 0.5))
    assert _colour_at(animation, 1, 0.1).red() > 180 and _colour_at(animation, 1, 0.1).green() < 120  # the pen's colour
    assert not _dark(_colour_at(animation, 3, 0.5))
    # The timer takes it to the end, then stops (about 3 s at the normal speed).
    with qtbot.waitSignal(animation.finished, timeout=8000):
        pass
    assert animation.progress() == (4, 0.0) and not animation.is_running()
    assert all(_dark(_colour_at(animation, s, 0.5)) for s in range(4))


def test_replay_starts_again_and_the_timer_stops_while_hidden(qtbot: QtBot) -> None:
    view = _view(qtbot)
    view.set_character("あ")
    view.animation.show_all()
    assert view.animation.is_finished() and not view.animation.is_running()
    qtbot.mouseClick(view.replay_button, Qt.MouseButton.LeftButton)
    assert view.animation.progress() == (0, 0.0) and view.animation.is_running()
    view.hide()
    assert not view.animation.is_running()
    view.show()
    assert view.animation.is_running()
    view.set_character("あ")  # the same character again (the pointer came back): the animation goes on
    view.animation.advance(100)
    view.set_character("あ")
    assert view.animation._elapsed >= 100


def test_a_character_without_strokes_says_so_and_offers_nothing(qtbot: QtBot) -> None:
    view = _view(qtbot)
    view.set_character("%")
    assert "%" in view.title.text() and view.character() is None
    assert not view.practise_button.isEnabled() and not view.replay_button.isEnabled()
    assert not view.animation.is_running()
    view.set_character("")
    assert not view.practise_button.isEnabled()


def test_practise_starts_practice_of_that_character_drawn_faintly(qtbot: QtBot, tiny_bundle: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.main_window import MainWindow

    opened: list[PracticeDialog] = []

    def record(dialog: PracticeDialog) -> int:
        opened.append(dialog)  # instead of a modal loop
        return 0

    monkeypatch.setattr(PracticeDialog, "exec", record)
    window = MainWindow(str(tiny_bundle))
    qtbot.addWidget(window)
    window.show()
    window.readings.set_visible(True)
    assert window.readings.panel is not None
    window.readings.select("日")
    view = window.findChild(StrokeOrderView)
    assert view is not None and view.isVisible() and view.character() == "日"
    qtbot.mouseClick(view.practise_button, Qt.MouseButton.LeftButton)
    assert len(opened) == 1
    dialog = opened[0]
    qtbot.addWidget(dialog)
    assert dialog.current == "日" and set(dialog.queue) == {"日"}
    assert dialog.guide_box.isChecked() and len(dialog.canvas.model_strokes()) == 4
    dialog.guide_box.setChecked(False)
    assert dialog.canvas.model_strokes() == ()
    window.training = None  # an installation without the training UI: Practise says so instead of doing nothing
    qtbot.mouseClick(view.practise_button, Qt.MouseButton.LeftButton)
    assert len(opened) == 1 and "Not available" in window.statusBar().currentMessage()


def test_the_practice_canvas_shows_the_model_faintly_under_the_ink(qtbot: QtBot) -> None:
    from desktop.canvas import InkCanvas

    canvas = InkCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(216, 216)
    canvas.show()
    side = 200  # min(width, height) - 16
    strokes = strokeorder.strokes("日")
    assert strokes is not None
    x, y = strokes[2][len(strokes[2]) // 2]
    pixel = (round(8 + x * side), round(8 + y * side))
    blank = canvas.grab().toImage().pixelColor(*pixel)
    canvas.set_model_strokes(strokes)
    faint = canvas.grab().toImage().pixelColor(*pixel)
    assert faint != blank and 150 < faint.lightness() < 250  # visible, yet lighter than any ink
    canvas.set_guide("horizontal")  # several characters on a line: no single box to draw it in
    assert canvas.grab().toImage().pixelColor(*pixel) != faint
    assert np.isfinite(strokes[0]).all()


def test_the_about_box_credits_kanjivg_whatever_the_model(tiny_bundle: Path) -> None:
    from core.bundle import load_bundle
    from desktop.about import about_text

    text = about_text(load_bundle(tiny_bundle))  # a digits model: no KanjiVG in its own attribution
    assert "KanjiVG" in text and "CC BY-SA 3.0" in text and "Ulrich Apel" in text
    assert "Touching characters in pictures: Stroke data: KanjiVG" in text  # the contact network's data


def test_the_view_speaks_japanese(qtbot: QtBot) -> None:
    from desktop import i18n

    translators = i18n.install_translators("ja")
    assert translators
    try:
        view = _view(qtbot)
        view.set_character("日")
        assert view.title.text() == "日 の書き順: 4 画"
        assert view.practise_button.text() == "練習" and view.source.text().startswith("筆順")
    finally:
        i18n.remove_translators(translators)


@pytest.mark.parametrize("dark", [True, False], ids=["dark", "light"])
def test_the_strokes_follow_the_theme(qtbot: QtBot, dark: bool) -> None:
    from PySide6.QtGui import QPalette

    palette = QPalette()
    paper, ink = (QColor(30, 30, 32), QColor(235, 235, 235)) if dark else (QColor(250, 250, 250), QColor(20, 20, 20))
    palette.setColor(QPalette.ColorRole.Base, paper)
    palette.setColor(QPalette.ColorRole.Text, ink)
    view = _view(qtbot)
    view.animation.setPalette(palette)
    view.set_character("日")
    view.animation.show_all()
    box = view.animation.box()
    image = view.animation.grab().toImage()
    assert abs(image.pixelColor(round(box.left() + 4), round(box.top() + 4)).lightness() - paper.lightness()) < 12
    assert abs(_colour_at(view.animation, 0, 0.5).lightness() - ink.lightness()) < 40  # light ink on dark paper
