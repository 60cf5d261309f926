"""Finding the characters in a cleaned picture of handwriting, in reading order.

Handwritten characters are roughly square and about as wide as their line is high, so
after grouping ink blobs into lines, blobs that overlap horizontally (二, 三, a broken
stroke) or that together stay within one character's width (川, 八, い) are merged.
Vertical writing (a column taller than wide) is read top to bottom, columns right to left.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Box:
    """A character's bounding box in picture pixels (x, y of the top-left corner, w, h)."""

    x: int
    y: int
    w: int
    h: int

    @property
    def x1(self) -> int:
        return self.x + self.w

    @property
    def y1(self) -> int:
        return self.y + self.h

    def union(self, other: Box) -> Box:
        """The smallest box holding both."""
        x, y = min(self.x, other.x), min(self.y, other.y)
        return Box(x, y, max(self.x1, other.x1) - x, max(self.y1, other.y1) - y)


def ink_boxes(image: np.ndarray, min_area: int = 6) -> list[Box]:
    """Boxes of the ink blobs of a white-on-black picture (tiny specks dropped)."""
    mask = (image > 64).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return [Box(int(x), int(y), int(w), int(h)) for x, y, w, h, area in stats[1:] if area >= min_area]


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return min(a1, b1) - max(a0, b0)


def _group_lines(boxes: list[Box], vertical: bool) -> list[list[Box]]:
    key = (lambda b: (b.x, b.x1)) if vertical else (lambda b: (b.y, b.y1))
    lines: list[list[Box]] = []
    spans: list[tuple[int, int]] = []
    for box in sorted(boxes, key=lambda b: -(b.w * b.h)):
        lo, hi = key(box)
        for i, (s0, s1) in enumerate(spans):
            if _overlap(lo, hi, s0, s1) > 0.3 * min(hi - lo, s1 - s0):
                lines[i].append(box)
                spans[i] = (min(s0, lo), max(s1, hi))
                break
        else:
            lines.append([box])
            spans.append((lo, hi))
    order = sorted(range(len(lines)), key=lambda i: -spans[i][0] if vertical else spans[i][0])
    return [lines[i] for i in order]


def _merge_line(line: list[Box], vertical: bool) -> list[Box]:
    along = (lambda b: (b.y, b.y1)) if vertical else (lambda b: (b.x, b.x1))
    across = max((b.w if vertical else b.h) for b in line)
    chars: list[Box] = []
    for box in sorted(line, key=lambda b: along(b)[0]):
        if chars:
            last = chars[-1]
            merged = last.union(box)
            lo, hi = along(box)
            l0, l1 = along(last)
            extent = merged.h if vertical else merged.w
            if _overlap(lo, hi, l0, l1) > 0 or extent <= 1.05 * across:
                chars[-1] = merged
                continue
        chars.append(box)
    return chars


def find_characters(image: np.ndarray) -> list[Box]:
    """The character boxes of a white-on-black picture, in reading order."""
    boxes = ink_boxes(image)
    if not boxes:
        return []
    whole = boxes[0]
    for box in boxes[1:]:
        whole = whole.union(box)
    vertical = whole.h > 1.6 * whole.w and len(boxes) > 1
    return [char for line in _group_lines(boxes, vertical) for char in _merge_line(line, vertical)]


def crop(image: np.ndarray, box: Box, pad: int = 2) -> np.ndarray:
    """The picture inside a box, with a little black margin."""
    y0, x0 = max(0, box.y - pad), max(0, box.x - pad)
    return image[y0:box.y1 + pad, x0:box.x1 + pad]
