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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import InputError

#: Columns of a stroke array: x, y, time in ms (NaN if unknown), pressure 0..1 (NaN if unknown).
POINT_COLUMNS = 4


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
            pts = []
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
        """Builds an ink from its dict form.

        Raises:
            InputError: if the object is not an ink (missing or malformed fields).
        """
        if not isinstance(obj, dict) or "strokes" not in obj:
            raise InputError(f"An ink object needs a 'strokes' list. Received: {_preview(obj)}")
        raw = obj["strokes"]
        if not isinstance(raw, list) or not all(isinstance(s, list) for s in raw):
            raise InputError(f"'strokes' must be a list of lists of points. Received: {_preview(raw)}")
        try:
            strokes = tuple(make_stroke(s) for s in raw)
        except (TypeError, ValueError) as exc:
            raise InputError(f"An ink point is not a list of numbers: {exc}") from exc
        width, height = obj.get("width"), obj.get("height")
        if width is None or height is None:
            pts = np.concatenate(strokes) if strokes and any(len(s) for s in strokes) else np.zeros((1, 4))
            width = width if width is not None else float(np.nanmax(pts[:, 0], initial=0.0)) + 1
            height = height if height is not None else float(np.nanmax(pts[:, 1], initial=0.0)) + 1
        label = obj.get("label")
        extra = {k: v for k, v in obj.items() if k not in ("width", "height", "strokes", "label")}
        return cls(strokes, float(width), float(height), None if label is None else str(label), extra)


def _num(v: float) -> float | int:
    return int(v) if float(v).is_integer() else round(float(v), 3)


def _preview(obj: Any) -> str:
    text = repr(obj)
    return text if len(text) < 80 else text[:77] + "..."


def load_ink(path: str | os.PathLike[str]) -> Ink:
    """Reads one ink from a JSON file.

    Raises:
        InputError: if the file cannot be read or is not an ink object.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read ink file {path}: {exc}") from exc
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON: {exc}") from exc
    return Ink.from_json(obj)


def save_ink(ink: Ink, path: str | os.PathLike[str]) -> None:
    """Writes one ink as a JSON file, atomically."""
    from core.atomic import atomic_write_text

    atomic_write_text(Path(path), json.dumps(ink.to_json(), ensure_ascii=False))


def iter_ink_dataset(path: str | os.PathLike[str]) -> Iterator[Ink]:
    """Streams the inks of a JSONL ink dataset, one per non-blank line.

    Raises:
        InputError: naming the line, if one is not an ink object.
    """
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot read ink dataset {path}: {exc}") from exc
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield Ink.from_json(json.loads(line))
            except (json.JSONDecodeError, InputError) as exc:
                raise InputError(f"{path}, line {number}: {exc}") from exc


def write_ink_dataset(inks: Iterable[Ink], path: str | os.PathLike[str]) -> int:
    """Writes inks as a JSONL ink dataset, atomically. Returns how many were written."""
    from core.atomic import atomic_write_text

    lines = [json.dumps(ink.to_json(), ensure_ascii=False) for ink in inks]
    atomic_write_text(Path(path), "\n".join(lines) + ("\n" if lines else ""))
    return len(lines)
