"""How a character is written: its strokes in order, from KanjiVG, for the stroke-order view.

The data is ``resources/strokes/kanjivg-strokes.npz``, built from the ``kanjivg`` package by
``resources/strokes/build.py`` (its docstring describes the arrays), so the app needs neither
KanjiVG nor an SVG parser at run time. The file is read once, on the first question, with a
bound on its size and on what its members inflate to; a character is decoded when asked for.

KanjiVG: (c) Ulrich Apel and contributors, CC BY-SA 3.0 (https://kanjivg.tagaini.net).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.errors import InputError
from core.paths import resources_dir
from core.safeio import parse_json, read_bytes

FORMAT = "mojiyomi-strokes"
FORMAT_VERSION = 1
#: Points are stored on a grid of this many steps across KanjiVG's box (one byte a coordinate).
GRID = 255
LICENCE = "CC BY-SA 3.0, (c) Ulrich Apel and contributors (https://kanjivg.tagaini.net)"
#: Largest file accepted, and most bytes its arrays may inflate to (the bundled file is about 1 MB / 4 MB).
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_ARRAY_BYTES = 64 * 1024 * 1024
_MEMBERS = ("metadata", "codes", "char_strokes", "stroke_points", "deltas", "numbers")
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, KeyError, RuntimeError)


@dataclass(frozen=True)
class CharStrokes:
    """One character's strokes in writing order.

    Attributes:
        char: The character.
        strokes: One read-only (N, 2) float array of x, y per stroke (N >= 1), in a unit box:
            0, 0 is the top left of KanjiVG's 109 x 109 box and 1, 1 its bottom right.
        numbers: (S, 2) where each stroke's number is written (its baseline start), in the same box.
    """

    char: str
    strokes: tuple[np.ndarray, ...]
    numbers: np.ndarray


class StrokeData:
    """A loaded stroke-order file: look characters up with ``get``.

    Args:
        arrays: The file's arrays, checked by ``load_stroke_data``.
        metadata: Its metadata (format, source, licence).
    """

    def __init__(self, arrays: dict[str, np.ndarray], metadata: dict) -> None:
        self.metadata = metadata
        self._codes = arrays["codes"]
        self._char_strokes = arrays["char_strokes"].astype(np.int64)
        self._stroke_points = arrays["stroke_points"].astype(np.int64)
        self._deltas = arrays["deltas"]
        self._numbers = arrays["numbers"]

    def __len__(self) -> int:
        return len(self._codes)

    def __contains__(self, char: object) -> bool:
        return self._index(char) is not None

    def characters(self) -> str:
        """Every character the file holds, in code-point order."""
        return "".join(map(chr, self._codes.tolist()))

    def get(self, char: str) -> CharStrokes | None:
        """The strokes of ``char``, or None when KanjiVG does not draw it (or it is not one character)."""
        index = self._index(char)
        if index is None:
            return None
        first, last = int(self._char_strokes[index]), int(self._char_strokes[index + 1])
        strokes = []
        for s in range(first, last):
            deltas = self._deltas[self._stroke_points[s]:self._stroke_points[s + 1]].astype(np.int64)
            points = (np.cumsum(deltas, axis=0) % 256).astype(np.float64) / GRID
            points.setflags(write=False)
            strokes.append(points)
        numbers = self._numbers[first:last].astype(np.float64) / GRID
        numbers.setflags(write=False)
        return CharStrokes(char, tuple(strokes), numbers)

    def _index(self, char: object) -> int | None:
        if not isinstance(char, str) or len(char) != 1:
            return None
        code = ord(char)
        index = int(np.searchsorted(self._codes, code))
        return index if index < len(self._codes) and int(self._codes[index]) == code else None


def load_stroke_data(path: str | os.PathLike[str]) -> StrokeData:
    """Reads and checks a file written by ``resources/strokes/build.py``.

    Raises:
        InputError: if the file is missing, too large, not such a file or inconsistent.
    """
    data = read_bytes(path, MAX_FILE_BYTES, "stroke-order file")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sizes = {info.filename: info.file_size for info in archive.infolist()}
            if sum(sizes.values()) > MAX_ARRAY_BYTES:
                raise InputError(f"The stroke-order file {path} inflates to {sum(sizes.values()):,} bytes "
                                 f"(the limit is {MAX_ARRAY_BYTES:,}).")
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            missing = [name for name in _MEMBERS if name not in npz.files]
            if missing:
                raise InputError(f"The stroke-order file {path} lacks {', '.join(missing)}. "
                                 f"Received: {sorted(npz.files)}")
            arrays = {name: npz[name] for name in _MEMBERS}
    except _READ_ERRORS as exc:
        raise InputError(f"The stroke-order file {path} is unreadable: {exc}") from exc
    metadata = parse_json(arrays.pop("metadata").tobytes(), f"stroke-order file {path}'s metadata")
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT or metadata.get("version") != FORMAT_VERSION:
        raise InputError(f"{path} is not a mojiyomi stroke-order file (format {FORMAT!r} version {FORMAT_VERSION}). "
                         f"Received: {json.dumps(metadata)[:120]}")
    _check(path, arrays)
    return StrokeData(arrays, metadata)


def _check(path: str | os.PathLike[str], arrays: dict[str, np.ndarray]) -> None:
    """Refuses arrays whose dtypes, shapes or offsets disagree (a lookup could not then go out of range)."""
    codes, char_strokes, stroke_points = arrays["codes"], arrays["char_strokes"], arrays["stroke_points"]
    deltas, numbers = arrays["deltas"], arrays["numbers"]
    problems = []
    if codes.dtype != np.uint32 or codes.ndim != 1 or np.any(np.diff(codes.astype(np.int64)) <= 0):
        problems.append(f"codes {codes.dtype}{codes.shape} must be sorted distinct uint32")
    for name, offsets, end in (("char_strokes", char_strokes, len(numbers)), ("stroke_points", stroke_points,
                                                                              len(deltas))):
        if (offsets.dtype != np.uint32 or offsets.ndim != 1 or len(offsets) == 0 or offsets[0] != 0
                or int(offsets[-1]) != end or np.any(np.diff(offsets.astype(np.int64)) <= 0)):
            problems.append(f"{name} {offsets.dtype}{offsets.shape} must rise from 0 to {end}")
    if len(char_strokes) != len(codes) + 1 or len(stroke_points) != len(numbers) + 1:
        problems.append(f"{len(codes)} characters, {len(char_strokes)} character offsets, {len(numbers)} strokes, "
                        f"{len(stroke_points)} stroke offsets")
    for name, array in (("deltas", deltas), ("numbers", numbers)):
        if array.dtype != np.uint8 or array.ndim != 2 or array.shape[1] != 2:
            problems.append(f"{name} {array.dtype}{array.shape} must be (n, 2) uint8")
    if problems:
        raise InputError(f"The stroke-order file {path} is inconsistent: {'; '.join(problems)}.")


def bundled_path() -> Path:
    """The stroke-order file that ships with mojiyomi."""
    return resources_dir() / "strokes" / "kanjivg-strokes.npz"


def strokes_credit(path: str | os.PathLike[str] | None = None) -> str:
    """One line crediting the stroke data's source and licence ("" if it cannot be read).

    Reads only the file's metadata member (the About box must not load the strokes).
    """
    try:
        with np.load(path or bundled_path(), allow_pickle=False) as arrays:
            metadata = json.loads(arrays["metadata"].tobytes().decode("utf-8"))
        return f"{metadata['source']}: {metadata['licence']}"
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile):
        return ""


@lru_cache(maxsize=1)
def bundled() -> StrokeData:
    """The bundled stroke-order data, read on the first call.

    Raises:
        InputError: if the file is missing or damaged (the next call tries again).
    """
    return load_stroke_data(bundled_path())


def character(char: str) -> CharStrokes | None:
    """``char``'s strokes and stroke-number positions from the bundled file, or None if it has none.

    Raises:
        InputError: if the bundled file cannot be read.
    """
    return bundled().get(char)


def strokes(char: str) -> tuple[np.ndarray, ...] | None:
    """``char``'s strokes in order as (N, 2) arrays in a unit box, or None if KanjiVG does not draw it.

    Raises:
        InputError: if the bundled file cannot be read.
    """
    found = character(char)
    return None if found is None else found.strokes
