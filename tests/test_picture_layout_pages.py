"""Automatic layout on pages of a few spaced lines (``core.picture.detect_layout``).

Defects found and mended (they were strict xfails until ``detect_layout`` was mended):

- Orientation: a band's length was its ink's span from end to end, gaps included, so a column
  across a page of spaced lines (line spacing of about twice the character height) was longer
  than a line of narrow digits: 4 lines of "4712" were read as 4 columns. A band's length is
  now its longest stretch of ink with gaps narrower than the band bridged.
- One character: fewer than three bands in ink about as wide as tall was taken for one
  character whatever its size: 2 lines of 4 spaced digits read as "2". Ink 2.5 characters
  (``char_size``) long or more is now never one character.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.binarize import clean
from core.bundle import resolve_model
from core.picture import detect_layout, read_picture
from core.picture_layout import components
from core.recognizer import TFLiteRecognizer
from tests.test_picture import digit_line


@pytest.fixture(scope="module")
def digits() -> TFLiteRecognizer:
    return TFLiteRecognizer(resolve_model("digits"))


def layout_of(page: np.ndarray) -> str:
    mask = clean(page).mask
    return detect_layout(mask, components(mask)[1])


def test_a_page_of_spaced_digit_lines_is_read_as_lines(digits: TFLiteRecognizer) -> None:
    page = np.concatenate([digit_line("4712", gap=40) for _ in range(4)], axis=0)
    assert read_picture(page, digits, layout="horizontal").text == "4712\n4712\n4712\n4712"  # it can be read
    assert layout_of(page) == "horizontal"


def test_two_lines_of_four_digits_are_not_one_character(digits: TFLiteRecognizer) -> None:
    page = np.concatenate([digit_line("4712"), digit_line("4712")], axis=0)
    assert read_picture(page, digits, layout="horizontal").text == "4712\n4712"
    assert read_picture(page, digits).text == "4712\n4712"


@pytest.mark.parametrize("gap", [80, 160])
def test_one_row_of_widely_spaced_digits_is_a_line_not_one_character(digits: TFLiteRecognizer, gap: int) -> None:
    """Gaps wider than the digits leave no band that runs long; the ink still runs one way (a strip
    of MNIST digits padded apart was read as one '2')."""
    line = digit_line("721", gap=gap)
    assert layout_of(line) == "horizontal"
    assert layout_of(np.ascontiguousarray(np.rot90(line, -1))) == "vertical"
    assert read_picture(line, digits, layout="auto").text == "721"
