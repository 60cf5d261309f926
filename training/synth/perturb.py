"""Seeded perturbations that make clean strokes look written by different hands.

``perturb`` takes KanjiVG strokes ((N, 2) points in the 109 box) and returns an ``Ink`` the
way the canvas records one: per-stroke shift, rotation, scale and uneven length; a tremor;
the whole character rotated, slanted, stretched and elastically bent; strokes sometimes
run together (cursive), written in another order or direction; a pressure profile per
stroke, which sets the rendered pen width. The result goes through ``core.preprocess``
exactly as canvas ink does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from core.ink import Ink

#: Side of KanjiVG's box, the unit of the lengths below.
BOX = 109.0


@dataclass(frozen=True)
class Perturbation:
    """How far samples stray from the clean strokes (angles in degrees, lengths in units of the 109 box).

    Attributes:
        stroke_shift: Per-stroke shift (standard deviation).
        stroke_rotation: Per-stroke rotation about its centre (standard deviation).
        stroke_scale: Per-stroke scale spread (standard deviation around 1).
        rotation: Whole-character rotation (uniform +-).
        shear: Whole-character slant (uniform +-).
        aspect: Width/height ratio spread (log-uniform +-).
        elastic: Amplitude of a smooth random displacement field (standard deviation).
        elastic_grid: Control points per side of that field (fewer: longer waves).
        trim: Largest fraction cut from, or added to, either end of a stroke.
        join: Chance that a stroke runs on into the next one (cursive writing).
        reorder: Chance that the strokes are written in a random order.
        reverse: Chance per stroke of being written end to start.
        jitter: Hand tremor (standard deviation, smoothed).
        pressure: Spread of the pen pressure around 0.5, which sets the stroke width.
        taper: Chance per stroke that pressure fades out towards its end (a sweep).
    """

    stroke_shift: float = 2.5
    stroke_rotation: float = 6.0
    stroke_scale: float = 0.08
    rotation: float = 8.0
    shear: float = 0.2
    aspect: float = 0.2
    elastic: float = 3.0
    elastic_grid: int = 4
    trim: float = 0.12
    join: float = 0.1
    reorder: float = 0.1
    reverse: float = 0.05
    jitter: float = 0.4
    pressure: float = 0.3
    taper: float = 0.3

    def __post_init__(self) -> None:
        chances = {"join": self.join, "reorder": self.reorder, "reverse": self.reverse, "taper": self.taper,
                   "trim": self.trim}
        bad = {k: v for k, v in chances.items() if not 0 <= v <= 1}
        if bad or self.elastic_grid < 2:
            raise ValueError(f"Chances and trim must lie in 0..1 and elastic_grid be >= 2. "
                             f"Received: {bad or ''} elastic_grid={self.elastic_grid}")


#: No perturbation at all: the clean strokes, for checks and previews.
CLEAN = Perturbation(0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0)


def perturb(strokes: Sequence[np.ndarray], rng: np.random.Generator, p: Perturbation = Perturbation()) -> Ink:
    """One handwritten-looking ink from clean strokes.

    Args:
        strokes: (N, 2) point arrays in KanjiVG's 109 box, in stroke order.
        rng: The source of randomness; the same state gives the same ink.
        p: How strong each kind of variation is.

    Returns:
        An ``Ink`` with time and pressure, in a 109 x 109 canvas.

    Raises:
        ValueError: if there is no stroke.
    """
    if not len(strokes):
        raise ValueError("Cannot perturb a character without strokes. Received: 0 strokes")
    out = [_stroke(np.asarray(s, dtype=np.float64), rng, p) for s in strokes]
    everything = np.concatenate(out)
    centre = (everything.min(0) + everything.max(0)) / 2
    matrix = _affine(rng, p)
    out = [(s - centre) @ matrix.T + BOX / 2 for s in out]
    out = _elastic(out, rng, p.elastic, p.elastic_grid)
    out = _reorder(out, rng, p)
    out = _join(out, rng, p.join)
    return _to_ink(out, rng, p)


def _rotation(degrees: float) -> np.ndarray:
    angle = math.radians(degrees)
    return np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])


def _stroke(points: np.ndarray, rng: np.random.Generator, p: Perturbation) -> np.ndarray:
    pts = _trim(points, rng, p.trim)
    centre = pts.mean(axis=0)
    matrix = (1 + rng.normal(0, p.stroke_scale)) * _rotation(rng.normal(0, p.stroke_rotation))
    pts = (pts - centre) @ matrix.T + centre + rng.normal(0, p.stroke_shift, 2)
    if p.jitter and len(pts) > 2:
        noise = rng.normal(0, p.jitter, pts.shape)
        kernel = np.ones(3) / 3  # a tremor is smooth over a few points, not white noise
        pts = pts + np.stack([np.convolve(noise[:, k], kernel, mode="same") for k in range(2)], axis=1)
    return pts


def _trim(points: np.ndarray, rng: np.random.Generator, trim: float) -> np.ndarray:
    """Cuts a random fraction off either end, or extends the end along its last direction."""
    if len(points) < 3 or not trim:
        return points
    n = len(points)
    start, end = rng.uniform(-trim, trim, 2)
    first = int(max(0.0, start) * n)
    last = n - int(max(0.0, end) * n)
    pts = points[first:max(last, first + 2)]
    if start < 0:
        pts = np.vstack([pts[0] + (pts[0] - pts[1]) * (-start * n), pts])
    if end < 0:
        pts = np.vstack([pts, pts[-1] + (pts[-1] - pts[-2]) * (-end * n)])
    return pts


def _affine(rng: np.random.Generator, p: Perturbation) -> np.ndarray:
    shear = rng.uniform(-p.shear, p.shear)
    aspect = math.exp(rng.uniform(-p.aspect, p.aspect))
    return _rotation(rng.uniform(-p.rotation, p.rotation)) @ np.array([[aspect, shear], [0.0, 1 / aspect]])


def _elastic(strokes: list[np.ndarray], rng: np.random.Generator, amplitude: float, grid: int) -> list[np.ndarray]:
    """Moves every point by a smooth random field: random control points, bicubic between them."""
    if not amplitude:
        return strokes
    side = int(BOX) + 1
    field = [cv2.resize(rng.normal(0, amplitude, (grid, grid)), (side, side), interpolation=cv2.INTER_CUBIC)
             for _ in range(2)]

    def move(pts: np.ndarray) -> np.ndarray:
        ix = np.clip(np.round(pts).astype(int), 0, side - 1)
        return pts + np.column_stack([field[0][ix[:, 1], ix[:, 0]], field[1][ix[:, 1], ix[:, 0]]])

    return [move(s) for s in strokes]


def _reorder(strokes: list[np.ndarray], rng: np.random.Generator, p: Perturbation) -> list[np.ndarray]:
    """Another stroke order or direction: the picture is the same, time and joins are not."""
    if p.reorder and rng.random() < p.reorder:
        strokes = [strokes[i] for i in rng.permutation(len(strokes))]
    return [s[::-1] if p.reverse and rng.random() < p.reverse else s for s in strokes]


def _join(strokes: list[np.ndarray], rng: np.random.Generator, chance: float) -> list[np.ndarray]:
    """Runs some strokes on into the next, as a fast hand connects them."""
    if not chance or len(strokes) < 2:
        return strokes
    out = [strokes[0]]
    for stroke in strokes[1:]:
        if rng.random() < chance:
            out[-1] = np.vstack([out[-1], stroke])
        else:
            out.append(stroke)
    return out


def _to_ink(strokes: list[np.ndarray], rng: np.random.Generator, p: Perturbation) -> Ink:
    base = float(np.clip(rng.normal(0.5, p.pressure / 2), 0.05, 1.0))
    ink_strokes = []
    t = 0.0
    for pts in strokes:
        pressure = np.clip(base * _profile(len(pts), rng, p.taper) + rng.normal(0, 0.03, len(pts)), 0.02, 1.0)
        times = t + np.arange(len(pts)) * 8.0
        t = float(times[-1]) + 120.0
        ink_strokes.append(np.column_stack([pts, times, pressure]))
    return Ink(tuple(ink_strokes), BOX, BOX)


def _profile(n: int, rng: np.random.Generator, taper: float) -> np.ndarray:
    """Relative pressure along a stroke: the pen lands and lifts, and may sweep out thinly."""
    index = np.arange(n)
    ramp = np.minimum(1.0, np.minimum(index + 1, n - index) / 3.0)
    profile = 0.6 + 0.4 * ramp
    if taper and rng.random() < taper:
        fade_from = rng.uniform(0.5, 0.9)
        position = index / max(n - 1, 1)
        profile = profile * np.where(position > fade_from, 1 - 0.7 * (position - fade_from) / (1 - fade_from), 1.0)
    return profile
