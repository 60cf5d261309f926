"""Digital ink: strokes of points with optional time and pressure, and its JSON form.

The JSON form of one ink is::

    {"width": W, "height": H, "strokes": [[[x, y], ...], ...], "label": "optional"}

where a point may also be ``[x, y, t_ms, pressure]``. A file holding one such object per
line is an *ink dataset* (JSONL).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator
from itertools import chain
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import InputError
from core.safeio import finite_number, open_regular, parse_json, read_text

#: Columns of a stroke array: x, y, time in ms (NaN if unknown), pressure 0..1 (NaN if unknown).
POINT_COLUMNS = 4
#: Most strokes and points one ink may hold (a page of dense writing has a few thousand points).
MAX_STROKES = 10_000
MAX_POINTS = 1_000_000
#: Largest ink file, and longest line of an ink dataset (a million points is about 20 MB of JSON).
MAX_INK_BYTES = 64 * 1024 * 1024
#: Largest ink dataset (JSONL), read a line at a time.
MAX_DATASET_BYTES = 4 * 1024 ** 3
#: Longest label, in characters.
MAX_LABEL_CHARS = 1000
#: Bounds of each column's values: coordinates and canvas size, time in ms (absolute times
#: in ms since 1970 are about 1.7e12), pressure.
_LIMITS = ((-1e9, 1e9), (-1e9, 1e9), (-1e15, 1e15), (-1e9, 1e9))
_COLUMN_NAMES = ("x", "y", "time", "pressure")
_NUMBER_TYPES = {int, float, type(None)}
#: The byte-order mark some editors put at the start of UTF-8 text.
_BOM = "\ufeff"


def make_stroke(points: Iterable[Iterable[float]]) -> np.ndarray:
    """Builds a stroke array of shape (N, 4) from points of 2, 3 or 4 numbers.

    Args:
        points: ``(x, y)``, ``(x, y, t_ms)`` or ``(x, y, t_ms, pressure)`` tuples.

    Returns:
        A float64 array with NaN where time or pressure is unknown.

    Raises:
        InputError: if a point has fewer than 2 or more than 4 numbers.
    """
    rows = []
    for point in points:
        values = [float(v) if v is not None else math.nan for v in point]
        if not 2 <= len(values) <= POINT_COLUMNS:
            raise InputError(f"A point must be [x, y] or [x, y, t_ms, pressure]. Received: {point!r}")
        rows.append(values + [math.nan] * (POINT_COLUMNS - len(values)))
    if not rows:
        return np.zeros((0, POINT_COLUMNS), dtype=np.float64)
    return np.asarray(rows, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Ink:
    """Strokes drawn on a canvas of a given size.

    Attributes:
        strokes: One (N, 4) float array per stroke: x, y, t_ms, pressure.
        width: Canvas width in the strokes' units.
        height: Canvas height in the strokes' units.
        label: The character this ink is known to be, if any.
    """

    strokes: tuple[np.ndarray, ...] = ()
    width: float = 0.0
    height: float = 0.0
    label: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        """True when there is no point at all."""
        return not any(len(s) for s in self.strokes)

    @property
    def has_pressure(self) -> bool:
        """True when at least one point carries a pressure value."""
        return any(np.isfinite(s[:, 3]).any() for s in self.strokes if len(s))

    def points(self) -> np.ndarray:
        """All points of all strokes, stacked, shape (N, 4)."""
        if self.is_empty:
            return np.zeros((0, POINT_COLUMNS))
        return np.concatenate([s for s in self.strokes if len(s)])

    def bounds(self) -> tuple[float, float, float, float]:
        """The ink's bounding box as (x0, y0, x1, y1). Raises InputError on empty ink."""
        pts = self.points()
        if not len(pts):
            raise InputError("The ink has no points to recognize. Received: 0 strokes")
        return (float(pts[:, 0].min()), float(pts[:, 1].min()),
                float(pts[:, 0].max()), float(pts[:, 1].max()))

    def validate(self) -> Ink:
        """Checks that the ink can be recognized and returns it.

        Raises:
            InputError: if it has no points or a coordinate is NaN or infinite.
        """
        if self.is_empty:
            raise InputError(f"The ink has no strokes to recognize. Received: {len(self.strokes)} strokes")
        for i, stroke in enumerate(self.strokes):
            if not np.isfinite(stroke[:, :2]).all():
                raise InputError(f"Stroke {i + 1} has a NaN or infinite coordinate. "
                                 f"Received: {stroke[:, :2].tolist()[:5]}...")
        return self

    def with_stroke(self, stroke: np.ndarray) -> Ink:
        """A new ink with one more stroke."""
        return Ink(self.strokes + (stroke,), self.width, self.height, self.label, dict(self.extra))

    def with_label(self, label: str | None) -> Ink:
        """A new ink with another label."""
        return Ink(self.strokes, self.width, self.height, label, dict(self.extra))

    def to_json(self) -> dict[str, Any]:
        """The JSON-ready dict form; time and pressure are written only when known."""
        strokes = []
        for stroke in self.strokes:
            pts: list[list[float | int | None]] = []
            for x, y, t, p in stroke.tolist():
                if math.isnan(t) and math.isnan(p):
                    pts.append([_num(x), _num(y)])
                else:
                    pts.append([_num(x), _num(y), None if math.isnan(t) else _num(t),
                                None if math.isnan(p) else _num(p)])
            strokes.append(pts)
        obj: dict[str, Any] = {"width": _num(self.width), "height": _num(self.height), "strokes": strokes}
        if self.label is not None:
            obj["label"] = self.label
        obj.update({k: v for k, v in self.extra.items() if k not in obj})
        return obj

    @classmethod
    def from_json(cls, obj: Any) -> Ink:
        """Builds an ink from its dict form, checking every field.

        ``width`` and ``height`` are numbers from 0 (unknown) to 1e9, taken from the points
        when missing; a point is ``[x, y]`` or ``[x, y, t_ms, pressure]`` of finite numbers
        (time and pressure may be null); ``label`` is a string (an integer is taken as its
        digits). At most ``MAX_STROKES`` strokes and ``MAX_POINTS`` points.

        Raises:
            InputError: if the object is not an ink (missing, malformed or out-of-range fields).
        """
        if not isinstance(obj, dict) or "strokes" not in obj:
            raise InputError(f"An ink object needs a 'strokes' list. Received: {_preview(obj)}")
        strokes = _strokes_from_json(obj["strokes"])
        width, height = (_canvas_side(obj.get(key), key, strokes, column)
                         for key, column in (("width", 0), ("height", 1)))
        extra = {k: v for k, v in obj.items() if k not in ("width", "height", "strokes", "label")}
        return cls(strokes, width, height, _label_from_json(obj.get("label")), extra)


def _strokes_from_json(raw: Any) -> tuple[np.ndarray, ...]:
    if not isinstance(raw, list) or not all(isinstance(s, list) for s in raw):
        raise InputError(f"'strokes' must be a list of lists of points. Received: {_preview(raw)}")
    if len(raw) > MAX_STROKES:
        raise InputError(f"An ink may hold at most {MAX_STROKES:,} strokes. Received: {len(raw):,} strokes")
    total = sum(len(s) for s in raw)
    if total > MAX_POINTS:
        raise InputError(f"An ink may hold at most {MAX_POINTS:,} points. Received: {total:,} points")
    return tuple(_stroke_from_json(s, i) for i, s in enumerate(raw, 1))


def _stroke_from_json(points: list[Any], number: int) -> np.ndarray:
    if not points:
        return np.zeros((0, POINT_COLUMNS), dtype=np.float64)
    fast = _uniform_stroke(points)
    if fast is not None:
        return fast
    rows = []  # point by point, to say which value is wrong
    for point in points:
        if not isinstance(point, list) or not 2 <= len(point) <= POINT_COLUMNS:
            raise InputError(f"A point must be [x, y] or [x, y, t_ms, pressure]. Received: {_preview(point)} "
                             f"in stroke {number}")
        row = [_value(v, column, number) for column, v in enumerate(point)]
        rows.append(row + [math.nan] * (POINT_COLUMNS - len(row)))
    return np.asarray(rows, dtype=np.float64)


def _uniform_stroke(points: list[Any]) -> np.ndarray | None:
    """The stroke array when every point is a list of the same length of numbers (or null
    time and pressure) within ``_LIMITS``, checked at once; None otherwise."""
    if not all(type(p) is list for p in points) or len(lengths := set(map(len, points))) != 1:
        return None
    width = lengths.pop()
    if not 2 <= width <= POINT_COLUMNS or not set(map(type, chain.from_iterable(points))) <= _NUMBER_TYPES:
        return None
    try:
        values = np.array(points, dtype=np.float64)  # a null becomes NaN
    except OverflowError:
        return None
    for column in range(width):
        low, high = _LIMITS[column]
        inside = (values[:, column] >= low) & (values[:, column] <= high)
        if not (inside | np.isnan(values[:, column]) if column >= 2 else inside).all():
            return None
    return np.pad(values, ((0, 0), (0, POINT_COLUMNS - width)), constant_values=math.nan)


def _value(v: Any, column: int, stroke: int) -> float:
    if v is None and column >= 2:  # time or pressure not known
        return math.nan
    low, high = _LIMITS[column]
    if type(v) in (int, float) and low <= v <= high:
        return float(v)  # the common case, checked without a call (a NaN fails the comparison)
    return finite_number(v, f"The {_COLUMN_NAMES[column]} of a point in stroke {stroke}", InputError, low, high)


def _canvas_side(value: Any, key: str, strokes: tuple[np.ndarray, ...], column: int) -> float:
    if value is not None:
        return finite_number(value, f"The ink's {key}", InputError, 0.0, _LIMITS[column][1])
    drawn = [s[:, column] for s in strokes if len(s)]
    return max([0.0, *(float(c.max()) for c in drawn)]) + 1


def _label_from_json(label: Any) -> str | None:
    if label is None:
        return None
    if isinstance(label, int) and not isinstance(label, bool) and abs(label) < 10 ** 30:
        label = str(label)
    if not isinstance(label, str) or len(label) > MAX_LABEL_CHARS:
        raise InputError(f"An ink's 'label' must be a string of at most {MAX_LABEL_CHARS} characters. "
                         f"Received: label={_preview(label)}")
    return label


def _num(v: float) -> float | int:
    rounded = round(float(v), 3)  # rounded first: 157.99996 is written 158, as it reads back (not 158.0)
    return int(rounded) if rounded.is_integer() else rounded


def _preview(obj: Any) -> str:
    text = repr(obj)
    return text if len(text) < 80 else text[:77] + "..."


def load_ink(path: str | os.PathLike[str]) -> Ink:
    """Reads one ink from a JSON file of at most ``MAX_INK_BYTES``.

    Raises:
        InputError: if the file is missing, not a regular file, too large, not JSON or not
            an ink object.
    """
    text = read_text(path, MAX_INK_BYTES, "ink file").removeprefix(_BOM)
    obj = parse_json(text, f"ink file {path}", max_chars=MAX_INK_BYTES)
    try:
        return Ink.from_json(obj)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from exc


def save_ink(ink: Ink, path: str | os.PathLike[str]) -> None:
    """Writes one ink as a JSON file, atomically."""
    from core.atomic import atomic_write_text

    atomic_write_text(Path(path), json.dumps(ink.to_json(), ensure_ascii=False))


def iter_ink_dataset(path: str | os.PathLike[str]) -> Iterator[Ink]:
    """Streams the inks of a JSONL ink dataset, one per non-blank line.

    The file must be a regular file of at most ``MAX_DATASET_BYTES``, each line at most
    ``MAX_INK_BYTES``.

    Raises:
        InputError: naming the line, if one is not an ink object; or if the file cannot be read.
    """
    path = Path(path)
    fd = open_regular(path, "ink dataset")
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_DATASET_BYTES:
            raise InputError(f"The ink dataset {path} is too large: {size:,} bytes "
                             f"(the limit is {MAX_DATASET_BYTES:,}).")
        number = 0
        while line := handle.readline(MAX_INK_BYTES + 1):
            number += 1
            if number == 1:
                line = line.removeprefix(_BOM.encode())
            if not line.strip():
                continue
            try:
                yield _ink_line(line)
            except InputError as exc:
                raise InputError(f"{path}, line {number}: {exc}") from exc


def _ink_line(line: bytes) -> Ink:
    if len(line) > MAX_INK_BYTES:
        raise InputError(f"The line is longer than {MAX_INK_BYTES:,} bytes.")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"The line is not UTF-8 text (byte {exc.start}).") from exc
    return Ink.from_json(parse_json(text, "line", max_chars=MAX_INK_BYTES))


def write_ink_dataset(inks: Iterable[Ink], path: str | os.PathLike[str]) -> int:
    """Writes inks as a JSONL ink dataset, atomically. Returns how many were written."""
    from core.atomic import atomic_write_text

    lines = [json.dumps(ink.to_json(), ensure_ascii=False) for ink in inks]
    atomic_write_text(Path(path), "\n".join(lines) + ("\n" if lines else ""))
    return len(lines)
