"""Finding characters in a picture, in reading order."""

from __future__ import annotations

import cv2
import numpy as np

from core.segment import find_characters


def _canvas(h: int = 120, w: int = 420) -> np.ndarray:
    return np.zeros((h, w), np.uint8)


def test_a_row_of_digits_is_split_left_to_right() -> None:
    img = _canvas()
    for i, text in enumerate("2024"):
        cv2.putText(img, text, (20 + 95 * i, 90), cv2.FONT_HERSHEY_SIMPLEX, 2.5, 255, 8)
    boxes = find_characters(img)
    assert len(boxes) == 4 and [b.x for b in boxes] == sorted(b.x for b in boxes)


def test_parts_of_one_character_stay_together() -> None:
    img = _canvas()
    for x in (30, 60, 90):  # 川: three strokes within one character's width
        cv2.line(img, (x, 20), (x, 100), 255, 6)
    for y in (40, 80):  # 二: two strokes one above the other
        cv2.line(img, (200, y), (280, y), 255, 6)
    boxes = find_characters(img)
    assert len(boxes) == 2


def test_two_lines_read_top_line_first() -> None:
    img = _canvas(260, 200)
    cv2.putText(img, "7", (20, 100), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 8)
    cv2.putText(img, "1", (20, 230), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 8)
    cv2.putText(img, "4", (110, 100), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 8)
    boxes = find_characters(img)
    assert [(b.y < 130, b.x < 100) for b in boxes] == [(True, True), (True, False), (False, True)]


def test_blank_picture_has_no_characters() -> None:
    assert find_characters(_canvas()) == []
