"""Picture view leftovers (issue 12, item 6): an open My samples window follows picture samples; Insert keeps
a picture's lines apart in the one-line text field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from tests.test_gui_picture_view import click_box, open_window, read
from tests.test_picture import digit_line

pytestmark = pytest.mark.usefixtures("settings_in_tmp")


def test_an_open_my_samples_window_lists_a_picture_sample_when_it_is_kept_and_undone(qtbot: QtBot,
                                                                                   digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    window.training.show_samples()
    samples = window.training._samples_window
    assert samples.isVisible() and samples.model.rowCount() == 0
    view = read(qtbot, window, digit_line("4712"))
    assert view.store() is window.training.store()  # one database connection for the window
    click_box(view, 2)
    other = view.candidates.candidates()[3].label
    view.candidates.buttons[3].click()
    [kept] = view.kept_samples()
    assert samples.model.rowCount() == 1  # without reopening the window
    assert samples.model.samples[0].id == kept and samples.model.samples[0].label == other
    view.notice.undo_button.click()
    assert samples.model.rowCount() == 0


def test_insert_parts_a_pictures_lines_with_a_space_and_copy_keeps_the_line_breaks(qtbot: QtBot,
                                                                                   digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    window.pictures.layout_box.setCurrentIndex(window.pictures.layout_box.findData("horizontal"))
    page = np.concatenate([digit_line("47")[60:220], digit_line("12")[60:220]])
    view = read(qtbot, window, page)
    assert view.labels() == list("4712") and view.text() == "47\n12"
    window.text.setText("x")
    view.insert_button.click()
    assert window.text.text() == "x47 12"
    infos = [window.text_line.info(i) for i in range(len(window.text.text()))]
    assert [found[1].label if found else None for found in infos] == [None, "4", "7", None, "1", "2"]
    assert infos[4] is not None and len(infos[4][1].candidates) == 10  # the second line keeps its alternatives
    view.copy_button.click()
    assert QGuiApplication.clipboard().text() == "47\n12"
