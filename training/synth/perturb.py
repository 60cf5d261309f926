"""Seeded perturbations that make clean strokes look written by different hands."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.ink import Ink


@dataclass(frozen=True)
class Perturbation:
    """How far samples stray from the clean strokes (angles in degrees, lengths in box units of 109).

    Attributes:
        stroke_shift: Per-stroke shift (standard deviation).
        stroke_rotation: Per-stroke rotation about its centre (standard deviation).
        stroke_scale: Per-stroke scale spread (standard deviation around 1).
        rotation: Whole-character rotation (uniform +-).
        shear: Whole-character slant (uniform +-).
        aspect: Width/height ratio spread (log-uniform +-).
        elastic: Amplitude of a smooth random displacement field.
        trim: Largest fraction cut from, or added to, either end of a stroke.
        join: Chance that a stroke runs on into the next one (cursive writing).
        jitter: Hand tremor (standard deviation, smoothed).
        pressure: Spread of the pen pressure (0.5 +- this), which sets the stroke width.
    """

    stroke_shift: float = 2.5
    stroke_rotation: float = 6.0
    stroke_scale: float = 0.08
    rotation: float = 10.0
    shear: float = 0.25
    aspect: float = 0.2
    elastic: float = 3.0
    trim: float = 0.12
    join: float = 0.15
    jitter: float = 0.5
    pressure: float = 0.35


def perturb(strokes: list[np.ndarray], rng: np.random.Generator, p: Perturbation = Perturbation()) -> Ink:
    """One handwritten-looking ink from clean strokes ((N, 2) arrays in a 109 box)."""
    out = [_stroke(s, rng, p) for s in strokes]
    everything = np.concatenate(out)
    centre = (everything.min(0) + everything.max(0)) / 2
    matrix = _affine(rng, p)
    out = [(s - centre) @ matrix.T + 54.5 for s in out]
    out = _elastic(out, rng, p.elastic)
    out = _join(out, rng, p.join)
    return _to_ink(out, rng, p.pressure)


def _stroke(points: np.ndarray, rng: np.random.Generator, p: Perturbation) -> np.ndarray:
    pts = _trim(points, rng, p.trim)
    centre = pts.mean(axis=0)
    angle = math.radians(rng.normal(0, p.stroke_rotation))
    scale = 1 + rng.normal(0, p.stroke_scale)
    rot = scale * np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    pts = (pts - centre) @ rot.T + centre + rng.normal(0, p.stroke_shift, 2)
    if p.jitter and len(pts) > 2:
        noise = rng.normal(0, p.jitter, pts.shape)
        kernel = np.ones(3) / 3
        noise = np.stack([np.convolve(noise[:, k], kernel, mode="same") for k in range(2)], axis=1)
        pts = pts + noise
    return pts


def _trim(points: np.ndarray, rng: np.random.Generator, trim: float) -> np.ndarray:
    if len(points) < 3 or not trim:
        return points
    n = len(points)
    start, end = rng.uniform(-trim, trim, 2)
    first = int(max(0.0, start) * n)
    last = n - int(max(0.0, end) * n)
    pts = points[first:max(last, first + 2)]
    if start < 0:  # overshoot at the start: extend along the first segment
        pts = np.vstack([pts[0] + (pts[0] - pts[1]) * (-start * n), pts])
    if end < 0:
        pts = np.vstack([pts, pts[-1] + (pts[-1] - pts[-2]) * (-end * n)])
    return pts


def _affine(rng: np.random.Generator, p: Perturbation) -> np.ndarray:
    angle = math.radians(rng.uniform(-p.rotation, p.rotation))
    shear = rng.uniform(-p.shear, p.shear)
    aspect = math.exp(rng.uniform(-p.aspect, p.aspect))
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    return rotation @ np.array([[aspect, shear], [0.0, 1 / aspect]])


def _elastic(strokes: list[np.ndarray], rng: np.random.Generator, amplitude: float) -> list[np.ndarray]:
    """A smooth displacement field: a few random long waves in x and y."""
    if not amplitude:
        return strokes
    waves = [(rng.normal(0, amplitude / 2, 2), rng.uniform(0.5, 2.0, 2) * 2 * math.pi / 109, rng.uniform(0, 6.3, 2))
             for _ in range(3)]

    def move(pts: np.ndarray) -> np.ndarray:
        out = pts.copy()
        for amp, freq, phase in waves:
            out[:, 0] += amp[0] * np.sin(freq[0] * pts[:, 1] + phase[0])
            out[:, 1] += amp[1] * np.sin(freq[1] * pts[:, 0] + phase[1])
        return out

    return [move(s) for s in strokes]


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


def _to_ink(strokes: list[np.ndarray], rng: np.random.Generator, spread: float) -> Ink:
    base = float(np.clip(rng.normal(0.5, spread / 2), 0.05, 1.0))
    ink_strokes = []
    t = 0.0
    for pts in strokes:
        n = len(pts)
        ramp = np.minimum(1.0, np.minimum(np.arange(n) + 1, n - np.arange(n)) / 3.0)  # pen lands and lifts
        pressure = np.clip(base * (0.6 + 0.4 * ramp) + rng.normal(0, 0.03, n), 0.02, 1.0)
        times = t + np.arange(n) * 8.0
        t = float(times[-1]) + 120.0
        ink_strokes.append(np.column_stack([pts, times, pressure]))
    return Ink(tuple(ink_strokes), 109.0, 109.0)
