"""Stroke data from KanjiVG (the ``kanjivg`` package: one SVG per character, CC BY-SA 3.0).

Each stroke is an SVG path; ``svg.path`` parses it and we sample points evenly along its
length, in KanjiVG's 109 x 109 box, in the stroke order KanjiVG gives.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.errors import DatasetError

_PATH = re.compile(r'<path[^>]*\sd="([^"]+)"')
#: KanjiVG draws every character in a box of this side.
BOX = 109.0


@lru_cache(maxsize=1)
def svg_folder() -> Path:
    """The folder of KanjiVG's SVG files installed by the ``kanjivg`` package.

    Raises:
        DatasetError: if the package is not installed (``pip install 'mojiyomi[synth]'``).
    """
    import importlib.metadata as metadata

    try:
        files = metadata.files("kanjivg") or []
    except metadata.PackageNotFoundError:
        raise DatasetError("KanjiVG is not installed: pip install 'mojiyomi[synth]' (the kanjivg package).") from None
    for file in files:
        if str(file).endswith(".svg"):
            return Path(str(file.locate())).parent
    raise DatasetError("The kanjivg package holds no SVG files.")


def svg_path(char: str) -> Path:
    """The SVG file of one character (plain form, not the variant files)."""
    return svg_folder() / f"{ord(char):05x}.svg"


def has_strokes(char: str) -> bool:
    """True if KanjiVG has this character."""
    return len(char) == 1 and svg_path(char).is_file()


def load_strokes(char: str, step: float = 2.0) -> list[np.ndarray]:
    """The strokes of ``char`` as (N, 2) point arrays in stroke order, about ``step`` units apart.

    Raises:
        DatasetError: if KanjiVG does not have the character.
    """
    from svg.path import parse_path

    path = svg_path(char)
    if not path.is_file():
        raise DatasetError(f"KanjiVG has no strokes for {char!r} (U+{ord(char):04X}).")
    strokes = []
    for d in _PATH.findall(path.read_text(encoding="utf-8")):
        parsed = parse_path(d)
        length = max(parsed.length(error=1e-2), 1e-6)
        count = max(2, int(np.ceil(length / step)) + 1)
        points = [parsed.point(t) for t in np.linspace(0.0, 1.0, count)]
        strokes.append(np.array([[p.real, p.imag] for p in points], dtype=np.float64))
    return strokes
