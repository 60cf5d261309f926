"""The width setting (issue 15): Latin letters, digits and marks output full-width (Ａ１) or half-width (A1)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from core.charsets import WidthForm, class_label
from desktop.main_window import MainWindow
from desktop.text_form import WIDTH_KEY, TextPrefs, resolve_width
from desktop.textline import CharInfo, TextLine
from core.recognizer import Candidate
from tests.guihelpers import write_digit
from tests.test_gui_picture_view import read
from tests.test_picture import digit_line

pytestmark = pytest.mark.usefixtures("settings_in_tmp")
JAPANESE = Path(__file__).resolve().parent.parent / "resources" / "models" / "japanese"


def open_window(qtbot: QtBot, model: str | Path) -> MainWindow:
    window = MainWindow(str(model))
    qtbot.addWidget(window)
    window.resize(1000, 600)
    window.show()
    qtbot.waitUntil(lambda: window.current_bundle() is not None, timeout=15000)
    return window


def write_and_wait(qtbot: QtBot, window: MainWindow, digit: str) -> None:
    with qtbot.waitSignal(window.candidatesShown, timeout=5000):
        write_digit(window.canvas, digit)
    qtbot.waitUntil(lambda: window.service._pending is None and not window.service._busy, timeout=5000)


def choose_width(window: MainWindow, choice: str) -> None:
    """Clicks Edit > Width of letters and digits > ``choice``, as a user would."""
    assert window.text_form.actions is not None
    [action] = [a for a in window.text_form.actions.actions() if a.data() == choice]
    action.trigger()


def test_automatic_width_is_full_width_for_japanese_models_and_half_width_for_ascii_ones() -> None:
    assert resolve_width("auto", ["0", "1", "A"]) == "half"
    assert resolve_width("auto", ["0", "あ", "字"]) == "full"
    assert resolve_width("auto", []) == "half"  # no model yet: nothing to output
    assert resolve_width("full", ["0"]) == "full" and resolve_width("half", ["あ"]) == "half"


def test_the_chosen_width_applies_to_candidates_and_the_text_line_and_is_kept(qtbot: QtBot,
                                                                            tiny_bundle: Path) -> None:
    window = open_window(qtbot, tiny_bundle)
    assert window.text_form.prefs.width == "auto" and window.text_line.width_form == "half"  # digits model: 1234
    write_and_wait(qtbot, window, "7")
    button = window.candidates.buttons[0]
    label = window.candidates.candidates()[0].label
    assert button.label() == label and label in button.toolTip()
    choose_width(window, "full")
    full = chr(ord(label) + 0xFEE0)
    assert button.label() == full and full in button.toolTip() and f"U+{ord(full):04X}" in button.toolTip()
    assert window.candidates.candidates()[0].label == label  # the class label, for samples and readings
    window.candidates.choose(0)
    assert window.text.text() == full
    found = window.text_line.info(0)
    assert found is not None and found[1].label == label and found[1].text == full
    # The setting is kept for the next start, and the menu shows it.
    assert TextPrefs.load().width == "full"
    again = open_window(qtbot, tiny_bundle)
    assert again.text_line.width_form == "full"
    assert [a.data() for a in again.text_form.actions.actions() if a.isChecked()] == ["full"]  # type: ignore[union-attr]
    # Half-width: what is written from now on is ASCII; what was written stays.
    choose_width(again, "half")
    write_and_wait(qtbot, again, "7")
    again.candidates.choose(0)
    assert again.text.text() == label


def test_a_model_of_the_same_width_draws_nothing_again(qtbot: QtBot, tiny_bundle: Path, tmp_path: Path) -> None:
    window = open_window(qtbot, tiny_bundle)
    write_and_wait(qtbot, window, "7")
    other = tmp_path / "other digits"
    shutil.copytree(tiny_bundle, other)
    with qtbot.assertNotEmitted(window.text_form.changed), qtbot.waitSignal(window.modelChanged, timeout=15000):
        window.switch_model(str(other))  # half-width before and after: the candidates are only asked for again
    assert window.text_form.width() == window.text_line.width_form == window.candidates.buttons[0].width_form == "half"
    choose_width(window, "full")  # one setting, read by the text line, the candidates and the picture view
    assert window.text_line.width_form == window.candidates.buttons[0].width_form == "full"
    assert window.pictures.candidates.buttons[0].width_form == "full"


def test_a_correction_in_the_text_line_goes_in_in_the_width_form() -> None:
    form: list[WidthForm] = ["full"]
    line = TextLine(width=lambda: form[0])  # the window's width setting, read when a character goes in
    line.insert_chars([CharInfo("A", (Candidate("A", 0.6), Candidate("4", 0.3))), CharInfo("字", ())])
    assert line.edit.text() == "Ａ字"
    line.replace_char(0, "4")
    assert line.edit.text() == "４字"
    found = line.info(0)
    assert found is not None and (found[1].label, found[1].text, found[1].original) == ("4", "４", "A")
    form[0] = "half"
    line.replace_char(0, "A")  # a character written full-width is still found and replaced
    assert line.edit.text() == "A字" and class_label(line.edit.text()) == "A字"


def test_the_picture_view_shows_inserts_and_copies_in_the_width_form(qtbot: QtBot, digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    choose_width(window, "full")
    view = read(qtbot, window, digit_line("4712"))
    assert view.labels() == list("4712")  # class labels
    assert view.text() == "４７１２" and view.text_label.text() == "４７１２"
    assert view.candidates.buttons[0].label() == "４" and "４" in view.candidates.hint()
    view.insert_button.click()
    assert window.text.text() == "４７１２"
    view.copy_button.click()
    assert QGuiApplication.clipboard().text() == "４７１２"
    choose_width(window, "half")  # the reading on screen follows at once
    assert view.text_label.text() == "4712" and view.candidates.buttons[0].label() == "4"


def test_a_damaged_setting_falls_back_to_automatic() -> None:
    from PySide6.QtCore import QSettings

    QSettings().setValue(WIDTH_KEY, "wide")
    assert TextPrefs.load().width == "auto"


def test_the_japanese_model_outputs_full_width_by_default(qtbot: QtBot) -> None:
    if not (JAPANESE / "metadata.json").exists():
        pytest.skip("resources/models/japanese is not present")
    window = open_window(qtbot, JAPANESE)
    assert window.text_line.width_form == "full" and window.candidates.buttons[0].width_form == "full"
    window.writing.set_mode("horizontal")
    window.text_line.insert_chars([CharInfo("2", ()), CharInfo("月", ())])
    assert window.text.text() == "２月"


def test_a_reading_of_several_characters_is_shown_and_inserted_in_the_width_form(qtbot: QtBot,
                                                                                 digits_bundle: Path) -> None:
    from tests.test_gui_writing import digit_strokes, write_and_read

    window = open_window(qtbot, digits_bundle)
    window.writing.set_mode("horizontal")
    choose_width(window, "full")
    text = write_and_read(qtbot, window, digit_strokes("12"))
    full = "".join(window.reading_bar.labels())
    labels = "".join(chr(ord(c) - 0xFEE0) for c in full)
    assert labels.isdigit() and len(labels) == 2
    # The reading is the text Enter inserts, as the reading bar shows it (it gave the class labels: 12 for １２).
    assert text == full
    choose_width(window, "half")  # the reading on screen follows at once
    assert window.writing.text() == "".join(window.reading_bar.labels()) == labels
    choose_width(window, "full")
    assert window.writing.text() == full
    assert window.writing.commit() and window.text.text() == full
