"""Tomoe's handwriting dictionaries (``.tdic``): stroke data of one writer per file.

The text format: a character on its own line, then ``:N`` (its stroke count), then one line
per stroke, ``K (x y) (x y) ...`` with K points; a blank line ends the character.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from core.errors import DatasetError
from core.ink import Ink, make_stroke

#: Tomoe's coordinates lie in a 300 x 300 box (a few points stray beyond it).
CANVAS = 300.0


def iter_tdic(path: str | os.PathLike[str]) -> Iterator[Ink]:
    """Yields every character of a ``.tdic`` file as a labelled ``Ink``.

    Raises:
        DatasetError: if the file is missing or a line does not follow the format.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"Cannot read the Tomoe dictionary {path}: {exc}") from exc
    i = 0
    while i < len(lines):
        label = lines[i].strip()
        if not label:
            i += 1
            continue
        if i + 1 >= len(lines) or not lines[i + 1].startswith(":"):
            raise DatasetError(f"{path}, line {i + 2}: expected ':<stroke count>' after {label!r}. "
                               f"Received: {lines[i + 1] if i + 1 < len(lines) else 'end of file'!r}")
        count = int(lines[i + 1][1:])
        strokes = tuple(_stroke(path, i + 3 + k, lines[i + 2 + k]) for k in range(count))
        yield Ink(strokes, CANVAS, CANVAS, label)
        i += 2 + count


def _stroke(path: Path, number: int, line: str) -> object:
    head, _, rest = line.partition(" ")
    try:
        points = [tuple(float(v) for v in part.strip(" ()").split()) for part in rest.split(")") if part.strip()]
        if len(points) != int(head):
            raise ValueError(f"{head} points announced, {len(points)} found")
        return make_stroke(points)
    except ValueError as exc:
        raise DatasetError(f"{path}, line {number}: not a stroke ({exc}). Received: {line[:80]!r}") from None
