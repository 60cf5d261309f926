"""Digits as pen strokes, written by simulated writers with their own quirks (for tests and benches)."""

from __future__ import annotations

import math

import numpy as np

from core.ink import Ink, make_stroke

# Each digit: strokes of (x, y) in a 0..1 box, y down.
_ARC = [(0.5 + 0.4 * math.sin(t), 0.5 - 0.45 * math.cos(t)) for t in np.linspace(0, 2 * math.pi, 24)]
DIGITS: dict[str, list[list[tuple[float, float]]]] = {
    "0": [_ARC],
    "1": [[(0.35, 0.2), (0.55, 0.05), (0.55, 0.95)], [(0.3, 0.95), (0.8, 0.95)]],
    "2": [[(0.15, 0.25), (0.3, 0.08), (0.6, 0.05), (0.8, 0.2), (0.75, 0.45), (0.15, 0.95), (0.85, 0.95)]],
    "3": [[(0.15, 0.1), (0.75, 0.1), (0.4, 0.45), (0.7, 0.5), (0.85, 0.7), (0.6, 0.93), (0.15, 0.85)]],
    "4": [[(0.65, 0.95), (0.65, 0.05), (0.1, 0.65), (0.9, 0.65)]],
    "5": [[(0.8, 0.05), (0.25, 0.05), (0.2, 0.45), (0.6, 0.4), (0.85, 0.65), (0.6, 0.95), (0.15, 0.85)]],
    "6": [[(0.75, 0.05), (0.35, 0.35), (0.2, 0.7), (0.45, 0.95), (0.8, 0.75), (0.6, 0.5), (0.25, 0.6)]],
    "7": [[(0.1, 0.05), (0.9, 0.05), (0.4, 0.95)], [(0.35, 0.5), (0.8, 0.5)]],
    "8": [[(0.5, 0.5), (0.2, 0.25), (0.5, 0.05), (0.8, 0.25), (0.5, 0.5), (0.15, 0.75), (0.5, 0.95),
           (0.85, 0.75), (0.5, 0.5)]],
    "9": [[(0.8, 0.3), (0.5, 0.05), (0.2, 0.3), (0.5, 0.5), (0.8, 0.3), (0.75, 0.95)]],
}


def _densify(points: list[tuple[float, float]], step: float = 0.03) -> np.ndarray:
    out = [np.asarray(points[0], float)]
    for a, b in zip(points, points[1:]):
        a, b = np.asarray(a, float), np.asarray(b, float)
        n = max(1, int(np.linalg.norm(b - a) / step))
        out += [a + (b - a) * (i / n) for i in range(1, n + 1)]
    return np.asarray(out)


def write_digit(label: str, rng: np.random.Generator, slant: float = 0.0, squash: float = 1.0,
                size: float = 200.0, jitter: float = 0.02) -> Ink:
    """One digit as a writer with a given slant (shear) and width squash would write it."""
    strokes = []
    for stroke in DIGITS[label]:
        pts = _densify(stroke) + rng.normal(0, jitter, (1, 2)) + rng.normal(0, jitter / 3, (len(_densify(stroke)), 2))
        x = (pts[:, 0] - 0.5) * squash + 0.5 - slant * (pts[:, 1] - 0.5)
        y = pts[:, 1]
        t = np.arange(len(x)) * 10.0
        strokes.append(make_stroke(np.column_stack([50 + size * x, 50 + size * y, t, np.full(len(x), 0.6)])))
    return Ink(tuple(strokes), 300, 300, label)


def ink_row(inks: list[Ink], gap: float) -> Ink:
    """Characters' ink written one after another in a row on the canvas, ``gap`` units between their ink."""
    strokes, at = [], 0.0
    for ink in inks:
        every = np.concatenate(ink.strokes)
        for stroke in ink.strokes:
            moved = stroke.copy()
            moved[:, 0] += at - every[:, 0].min()
            strokes.append(moved)
        at += float(np.ptp(every[:, 0])) + gap
    every = np.concatenate(strokes)
    return Ink(tuple(strokes), float(every[:, 0].max()) + 10, float(every[:, 1].max()) + 10)


def writer_samples(per_digit: int, seed: int, slant: float, squash: float) -> list[Ink]:
    """``per_digit`` inks of each digit by one writer."""
    rng = np.random.default_rng(seed)
    return [write_digit(d, rng, slant + rng.normal(0, 0.05), squash * rng.uniform(0.9, 1.1))
            for d in DIGITS for _ in range(per_digit)]
