"""Stroke data for Latin letters, digits and ASCII marks from the Hershey fonts.

The ``Hershey-Fonts`` package (MIT; the font data by Dr. A. V. Hershey, U.S. National
Bureau of Standards, in James Hurt's format, free to use with that acknowledgement) holds
single-stroke vector fonts for ASCII 33-126. Its strokes are resampled and placed in
KanjiVG's 109 box, so ``perturb`` and ``core.preprocess`` treat them like KanjiVG's.
Only faces drawn with one line per stroke are used: the simplex roman (print handwriting)
and, for lower case, digits and marks, the simplex script; the script capitals are too
ornate for how people write (its Q reads as 2).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from core.errors import DatasetError

#: KanjiVG's box, the unit the perturbation's strengths are given in.
BOX = 109.0
#: The longer side a glyph is scaled to in that box (KanjiVG's characters span about this).
EXTENT = 84.0
#: Faces, and whether their capitals are used.
FACES: dict[str, bool] = {"futural": True, "scripts": False}
ATTRIBUTION = ("Hershey fonts: Dr. A. V. Hershey, U.S. National Bureau of Standards; data format by "
               "James Hurt, Cognition, Inc.; Hershey-Fonts package (c) 2020 apshu, MIT")
#: Class labels drawn with another ASCII character (the wave dash's half-width form).
ASCII_FORM = {"〜": "~"}


def ascii_form(char: str) -> str | None:
    """The ASCII character Hershey draws ``char`` with, or None."""
    form = ASCII_FORM.get(char, char)
    return form if len(form) == 1 and 33 <= ord(form) <= 126 else None


def faces_for(char: str) -> tuple[str, ...]:
    """The Hershey faces that draw ``char`` (empty if none)."""
    form = ascii_form(char)
    if form is None:
        return ()
    return tuple(face for face, capitals in FACES.items() if capitals or not form.isupper())


def has_glyph(char: str) -> bool:
    """True if some Hershey face used here draws ``char``."""
    return bool(faces_for(char))


@lru_cache(maxsize=4)
def _font(face: str) -> object:
    from HersheyFonts import HersheyFonts  # type: ignore[import-untyped]

    font = HersheyFonts()
    font.load_default_font(face)
    return font


@lru_cache(maxsize=1024)
def load_glyph(char: str, face: str, step: float = 2.0) -> tuple[np.ndarray, ...]:
    """The strokes of ``char`` in a Hershey face, in KanjiVG's 109 box, points ``step`` apart.

    Args:
        char: A class label Hershey draws (see ``has_glyph``).
        face: One of ``FACES``.
        step: Distance between points, in units of the 109 box.

    Returns:
        Read-only (N, 2) arrays, x right and y down, the glyph centred with its longer
        side ``EXTENT``.

    Raises:
        DatasetError: if the package is missing or the face does not draw ``char``.
    """
    form = ascii_form(char)
    if form is None or face not in FACES:
        raise DatasetError(f"No Hershey glyph for {char!r} in face {face!r}. Received: {char!r}, {face!r}")
    try:
        font = _font(face)
    except ImportError:
        raise DatasetError("Hershey-Fonts is not installed: pip install 'mojiyomi[synth]'.") from None
    strokes = [np.asarray(s, dtype=np.float64) for s in font.strokes_for_text(form)]  # type: ignore[attr-defined]
    strokes = [s for s in strokes if len(s)]
    if not strokes:
        raise DatasetError(f"The Hershey face {face} draws nothing for {char!r}.")
    every = np.concatenate(strokes)
    low, high = every.min(axis=0), every.max(axis=0)
    scale = EXTENT / max(float((high - low).max()), 1e-6)
    centre = (low + high) / 2
    out = tuple(resample((s - centre) * scale + BOX / 2, step) for s in strokes)
    for s in out:
        s.setflags(write=False)
    return out


def resample(points: np.ndarray, step: float) -> np.ndarray:
    """A polyline's points at even distances ``step`` apart (at least 3 points, for the perturbation)."""
    travelled = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])
    count = max(3, int(np.ceil(travelled[-1] / step)) + 1)
    targets = np.linspace(0.0, travelled[-1], count)
    if travelled[-1] <= 0:  # a dot: keep it as a tiny stroke the pen leaves a round mark of
        return points[0] + np.linspace(0.0, 0.5, count)[:, None] * np.array([1.0, 1.0])
    return np.column_stack([np.interp(targets, travelled, points[:, 0]), np.interp(targets, travelled, points[:, 1])])
