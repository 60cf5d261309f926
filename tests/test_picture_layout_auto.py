"""Automatic layout of one tall character (``core.picture_layout.detect_layout``).

Defect found and mended: ink more than 1.6 times longer than wide was taken for a line or a
column, so a picture of one tall 7 or 9 (or a thick 16x16 scan of one) was cut into pieces and
read as several digits (thick MNIST digit scans: 70.75% read right in ``auto``, 95.75% as
``single``). Ink that is one shape, or whose parts lie beside each other along its length, is
now one character; touching characters in a row, which also make one shape, stay a line when
they are long in strokes.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.binarize import clean
from core.bundle import resolve_model
from core.picture import read_picture
from core.picture_layout import components, detect_layout
from core.recognizer import TFLiteRecognizer
from tests.test_picture import PAPER, digit_line, edit_distance


@pytest.fixture(scope="module")
def digits() -> TFLiteRecognizer:
    return TFLiteRecognizer(resolve_model("digits"))


def layout_of(picture: np.ndarray) -> str:
    mask = clean(picture).mask
    return detect_layout(mask, components(mask)[1])


def tall(picture: np.ndarray, factor: float = 1.8) -> np.ndarray:
    """The picture stretched upward: a digit written tall and narrow."""
    return cv2.resize(picture, (picture.shape[1], int(picture.shape[0] * factor)))


def tiny_scan(char: str, side: int = 128) -> np.ndarray:
    """A broad-pen digit shrunk to 16x16, cut to black and white and enlarged, as an old form's scan."""
    mask = (digit_line(char, thick=14) < 128).astype(np.uint8) * 255
    ys, xs = np.nonzero(mask)
    cell = mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    tiny = np.where(cv2.resize(cell, (8, 16), interpolation=cv2.INTER_AREA) > 96, 255, 0).astype(np.uint8)
    square = np.zeros((16, 16), np.uint8)
    square[:, 4:12] = tiny
    return 255 - cv2.resize(square, (side, side), interpolation=cv2.INTER_NEAREST)


@pytest.mark.parametrize("char", ["7", "9", "4"])
def test_one_tall_digit_is_one_character(digits: TFLiteRecognizer, char: str) -> None:
    picture = tall(digit_line(char))
    assert layout_of(picture) == "single"
    assert read_picture(picture, digits).text == char


@pytest.mark.parametrize("char", ["1", "7", "9"])
def test_a_tiny_thick_scan_of_a_narrow_digit_is_one_character(digits: TFLiteRecognizer, char: str) -> None:
    scan = tiny_scan(char)
    assert layout_of(scan) == "single"
    assert read_picture(scan, digits).text == char


def test_parts_side_by_side_along_a_tall_character_are_one_character() -> None:
    """Two tall strokes side by side (り, 川's halves) are one character, not a column."""
    picture = np.full((400, 300), PAPER, np.uint8)
    cv2.line(picture, (70, 60), (70, 280), 30, 14)
    cv2.line(picture, (220, 40), (200, 320), 30, 14)
    assert layout_of(picture) == "single"


@pytest.mark.parametrize("gap", [-15, -8])
def test_touching_digits_in_a_row_stay_a_line(digits: TFLiteRecognizer, gap: int) -> None:
    line = digit_line("4712", gap=gap)
    assert len(components(clean(line).mask)[1]) == 1  # one shape, as one tall character is
    assert layout_of(line) == "horizontal"
    assert layout_of(np.ascontiguousarray(np.rot90(line, -1))) == "vertical"
    text = read_picture(line, digits).text
    if gap == -8:
        assert text == "4712"
    else:
        # Overlapping by 15 pixels, a stroke-font digit string is read exactly in about two cases
        # of three, by either contact network (151 random strings: 99 before session 26, 103
        # after; "4712" is one the newer network reads 472): at most one character wrong here.
        assert edit_distance(text, "4712") <= 1


def test_a_column_of_spaced_tall_digits_stays_a_column(digits: TFLiteRecognizer) -> None:
    column = np.ascontiguousarray(np.rot90(digit_line("721", gap=60), -1))
    assert layout_of(column) == "vertical"
