"""Tomoe's handwriting dictionaries (``.tdic``): stroke data of one writer per file.

The text format: a character on its own line, then ``:N`` (its stroke count), then one line
per stroke, ``K (x y) (x y) ...`` with K points; a blank line ends the character.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from core.errors import DatasetError
from core.ink import MAX_STROKES, Ink, make_stroke
from training.datasets.textfile import iter_lines

#: Tomoe's coordinates lie in a 300 x 300 box (a few points stray beyond it).
CANVAS = 300.0


def iter_tdic(path: str | os.PathLike[str]) -> Iterator[Ink]:
    """Yields every character of a ``.tdic`` file as a labelled ``Ink``, reading line by line.

    Raises:
        DatasetError: if the file is missing, not UTF-8, or a line does not follow the format.
    """
    path = Path(path)
    lines = iter_lines(path, "Tomoe dictionary")
    for number, line in lines:
        if line.strip():
            yield _character(path, line.strip(), number, lines)


def _character(path: Path, label: str, number: int, lines: Iterator[tuple[int, str]]) -> Ink:
    count_line = next(lines, (number + 1, "end of file"))
    found = re.fullmatch(r":\s*([0-9]{1,9})\s*", count_line[1])
    if found is None or int(found.group(1)) > MAX_STROKES:
        raise DatasetError(f"{path}, line {count_line[0]}: expected ':<stroke count>' (at most {MAX_STROKES}) "
                           f"after {label!r}. Received: {count_line[1][:80]!r}")
    strokes = []
    for k in range(int(found.group(1))):
        stroke_number, stroke_line = next(lines, (count_line[0] + k + 1, "end of file"))
        strokes.append(_stroke(path, stroke_number, stroke_line))
    return Ink(tuple(strokes), CANVAS, CANVAS, label)


def _stroke(path: Path, number: int, line: str) -> np.ndarray:
    head, _, rest = line.partition(" ")
    try:
        points = [tuple(float(v) for v in part.strip(" ()").split()) for part in rest.split(")") if part.strip()]
        if len(points) != int(head):
            raise ValueError(f"{head} points announced, {len(points)} found")
        return make_stroke(points)
    except ValueError as exc:
        raise DatasetError(f"{path}, line {number}: not a stroke ({exc}). Received: {line[:80]!r}") from None
