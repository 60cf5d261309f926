"""Stroke data from KanjiVG (the ``kanjivg`` package: one SVG per character, CC BY-SA 3.0).

Each stroke is an SVG path in document order, which is KanjiVG's stroke order; ``svg.path``
parses it and points are sampled at even arc length, in KanjiVG's 109 x 109 box. Besides the
plain file, about 3,500 characters have a ``-Kaisho`` file: the form written by hand (regular
script) where it differs from print, which is what the recognizer will see.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.errors import DatasetError

#: KanjiVG draws every character in a box of this side.
BOX = 109.0
#: The variant file holding the handwritten (kaisho) form of a character.
KAISHO = "Kaisho"
_SVG_PATH = "{http://www.w3.org/2000/svg}path"


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
    raise DatasetError(f"The kanjivg package holds no SVG files. Received {len(files)} files.")


def svg_path(char: str, variant: str | None = None) -> Path:
    """The SVG file of one character: the plain form, or a variant such as ``"Kaisho"``."""
    suffix = f"-{variant}" if variant else ""
    return svg_folder() / f"{ord(char):05x}{suffix}.svg"


def has_strokes(char: str) -> bool:
    """True if KanjiVG has this character."""
    return len(char) == 1 and svg_path(char).is_file()


def forms(char: str) -> tuple[str | None, ...]:
    """The forms of ``char`` to sample from: None (plain) and ``"Kaisho"`` where KanjiVG has it."""
    return (None, KAISHO) if svg_path(char, KAISHO).is_file() else (None,)


@lru_cache(maxsize=8192)
def load_strokes(char: str, variant: str | None = None, step: float = 2.0) -> tuple[np.ndarray, ...]:
    """The strokes of ``char`` in stroke order, as points about ``step`` units apart.

    Args:
        char: One character.
        variant: None for the plain form, or a KanjiVG variant name (``"Kaisho"``).
        step: Distance between sampled points, in units of the 109 box.

    Returns:
        One read-only (N, 2) float array of x, y per stroke (N >= 2), cached per process.

    Raises:
        DatasetError: if KanjiVG does not have the character (or form), or its file is broken.
    """
    path = svg_path(char, variant)
    if len(char) != 1 or not path.is_file():
        form = f" in the {variant} form" if variant else ""
        raise DatasetError(f"KanjiVG has no strokes for {char!r}{form} (U+{ord(char[0]):04X}). "
                           f"Received: {char!r}")
    try:
        paths = [p.get("d", "") for p in ElementTree.parse(path).getroot().iter(_SVG_PATH)]
        strokes = tuple(_sample(d, step) for d in paths if d)
    except (ElementTree.ParseError, ValueError, IndexError) as exc:
        raise DatasetError(f"Cannot read KanjiVG's {path.name}: {exc}") from exc
    if not strokes:
        raise DatasetError(f"KanjiVG's {path.name} holds no stroke paths.")
    return strokes


def _sample(d: str, step: float) -> np.ndarray:
    from svg.path import parse_path

    parsed = parse_path(d)
    length = max(parsed.length(error=1e-2), 1e-6)
    count = max(2, int(np.ceil(length / step)) + 1)
    # svg.path's point(t) spreads t over segments by length but not evenly within a Bezier
    # curve: sample densely, then pick points at even distances along the polyline.
    dense = np.array([[p.real, p.imag] for p in (parsed.point(t) for t in np.linspace(0.0, 1.0, 4 * count))])
    travelled = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(dense, axis=0).T))])
    targets = np.linspace(0.0, travelled[-1], count)
    out = np.column_stack([np.interp(targets, travelled, dense[:, 0]), np.interp(targets, travelled, dense[:, 1])])
    out.setflags(write=False)
    return out
