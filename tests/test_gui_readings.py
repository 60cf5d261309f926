"""The readings dock: the candidate chosen or under the pointer shows its readings and meanings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from core import dictionary
from core.errors import InputError
from core.ink import Ink
from core.recognizer import Candidate
from desktop import i18n
from desktop.about import about_text
from desktop.main_window import MainWindow
from desktop.readings_panel import READINGS_SETTING, ReadingsPanel
from tests.conftest import REPO

pytestmark = pytest.mark.usefixtures("settings_in_tmp")

JAPANESE = REPO / "resources" / "models" / "japanese"


@pytest.fixture
def window(qtbot: QtBot, tiny_bundle: Path) -> MainWindow:
    window = MainWindow(str(tiny_bundle))
    qtbot.addWidget(window)
    window.resize(900, 560)
    window.show()
    return window


def _show(window: MainWindow, labels: str) -> None:
    """Candidates on screen, as the window shows them after recognizing."""
    window.candidates.set_candidates([Candidate(c, 0.9 / (i + 1)) for i, c in enumerate(labels)])
    window.candidatesShown.emit(None, 1.0)


def _panel(window: MainWindow) -> ReadingsPanel:
    assert window.readings.panel is not None
    return window.readings.panel


def test_nothing_is_made_or_read_until_the_panel_is_switched_on(window: MainWindow) -> None:
    dictionary.bundled_dictionary.cache_clear()
    _show(window, "日目")
    assert window.readings.dock is None and not window.readings.action.isChecked()
    assert not dictionary.bundled_dictionary().loaded


def test_the_first_candidate_shows_its_readings_meanings_and_words(qtbot: QtBot, window: MainWindow) -> None:
    window.readings.action.trigger()
    assert window.readings.shown()
    _show(window, "日目")
    panel = _panel(window)
    assert panel.glyph.text() == "日"
    assert "4 strokes" in panel.headline.text()
    details = panel.details.text()
    assert "ニチ" in details and "ひ" in details and "day" in details and "Grade 1" in details
    assert "日本" in panel.words.text() and "にほん" in panel.words.text()


def test_hovering_shows_that_candidate_and_leaving_returns_to_the_first(window: MainWindow) -> None:
    window.readings.action.trigger()
    _show(window, "日目あ")
    panel = _panel(window)
    QApplication.sendEvent(window.candidates.buttons[1], QEvent(QEvent.Type.Enter))
    assert panel.glyph.text() == "目" and "eye" in panel.details.text()
    QApplication.sendEvent(window.candidates.buttons[2], QEvent(QEvent.Type.Enter))
    assert panel.glyph.text() == "あ" and "Hiragana" in panel.headline.text()
    assert "Reading: a" in panel.details.text()
    QApplication.sendEvent(window.candidates.buttons[2], QEvent(QEvent.Type.Leave))
    assert panel.glyph.text() == "日"


def test_a_chosen_candidate_stays_on_show_after_the_candidates_go(window: MainWindow) -> None:
    window.readings.action.trigger()
    _show(window, "日水")
    window.candidates.choose(1)
    assert window.text.text() == "水" and window.candidates.candidates() == []
    assert _panel(window).glyph.text() == "水" and "water" in _panel(window).details.text()


def test_a_character_without_an_entry_says_so(window: MainWindow) -> None:
    window.readings.action.trigger()
    _show(window, "7")
    assert "U+0037 DIGIT SEVEN" in _panel(window).headline.text()
    assert "No readings" in _panel(window).details.text()


def test_the_switch_is_remembered_and_closing_the_dock_unchecks_it(qtbot: QtBot, window: MainWindow,
                                                                 tiny_bundle: Path) -> None:
    window.readings.action.trigger()
    again = MainWindow(str(tiny_bundle))
    qtbot.addWidget(again)
    assert again.readings.action.isChecked() and again.readings.dock is not None
    assert window.readings.dock is not None
    window.readings.dock.close()
    assert not window.readings.action.isChecked()
    assert QSettings().value(READINGS_SETTING, type=bool) is False


def test_an_unreadable_dictionary_is_said_in_the_panel(qtbot: QtBot) -> None:
    def broken(char: str) -> None:
        raise InputError("The kanji dictionary x is not gzip-compressed UTF-8 text")

    panel = ReadingsPanel(None, broken)
    qtbot.addWidget(panel)
    panel.show_char("日")
    assert "could not be read" in panel.details.text() and "not gzip" in panel.details.text()


def test_sections_are_added_below_and_follow_the_character(window: MainWindow) -> None:
    seen: list[str] = []

    def section(panel: ReadingsPanel) -> QLabel:
        panel.charShown.connect(seen.append)
        return QLabel("stroke order here")

    window.readings.add_section(section)
    window.readings.action.trigger()
    _show(window, "水")
    assert seen[-1] == "水"
    assert any(label.text() == "stroke order here" for label in _panel(window).findChildren(QLabel))


def test_the_about_box_credits_kanjidic2_and_jmdict() -> None:
    text = about_text(None)
    assert "KANJIDIC2 and JMdict" in text and "CC BY-SA" in text


@pytest.fixture
def japanese(qapp: object) -> Iterator[None]:
    translators = i18n.install_translators("ja")
    assert translators
    yield
    i18n.remove_translators(translators)


def test_the_panel_speaks_japanese(qtbot: QtBot, japanese: None, tiny_bundle: Path) -> None:
    window = MainWindow(str(tiny_bundle))
    qtbot.addWidget(window)
    assert window.readings.action.text() == "読みと意味(&R)"
    window.readings.action.trigger()
    assert window.readings.dock is not None and window.readings.dock.windowTitle() == "読みと意味"
    assert "候補" in _panel(window).details.text()  # the empty panel's hint
    _show(window, "日")
    panel = _panel(window)
    assert "画" in panel.headline.text() and "音読み" in panel.details.text() and "小学1年" in panel.details.text()
    assert "用例" in panel.words.text()
    _show(window, "カ")
    assert "カタカナ" in panel.headline.text() and "読み: ka" in panel.details.text()


def test_real_writing_shows_the_first_candidates_readings(qtbot: QtBot, tomoe_inks: dict[str, Ink]) -> None:
    if not (JAPANESE / "metadata.json").exists():
        pytest.skip("resources/models/japanese is not present")
    window = MainWindow(str(JAPANESE))
    qtbot.addWidget(window)
    window.readings.action.trigger()
    qtbot.waitUntil(lambda: window.current_bundle() is not None, timeout=15000)
    with qtbot.waitSignal(window.candidatesShown, timeout=10000):
        window.canvas.set_ink(tomoe_inks["水"])
    assert window.candidates.candidates()[0].label == "水"
    assert _panel(window).glyph.text() == "水" and "スイ" in _panel(window).details.text()
