"""Stroke templates for the marks and symbols KanjiVG does not draw (「」『』()〜〒※○×△□〇+-=/%).

The project's own data: each mark as it is usually written by hand, as strokes of
points in KanjiVG's 109 box, so ``perturb`` varies them and ``core.preprocess`` renders
them exactly as canvas ink. Only the shape matters (the ink is cropped and scaled to the
model's box), not where a mark sits in the box.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from core.errors import DatasetError
from training.synth.hershey import resample

Stroke = list[tuple[float, float]]


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float, points: int = 40) -> Stroke:
    """Points on an ellipse from ``start`` to ``stop`` degrees (0 = right, 90 = down)."""
    angles = np.radians(np.linspace(start, stop, points))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def _wave() -> Stroke:
    return [(x, 55 - 10 * math.sin((x - 12) / 85 * 2 * math.pi)) for x in np.linspace(12, 97, 40)]


#: Per mark, its strokes in writing order.
TEMPLATES: dict[str, tuple[Stroke, ...]] = {
    "「": ([(78, 18), (38, 18), (38, 92)],),
    "」": ([(71, 17), (71, 91), (31, 91)],),
    "『": ([(80, 12), (30, 12), (30, 96)], [(80, 26), (44, 26), (44, 96)]),
    "』": ([(65, 12), (65, 96), (29, 96)], [(79, 12), (79, 82), (29, 82)]),
    "(": (_arc(95, 55, 40, 48, 140, 220),),
    ")": (_arc(14, 55, 40, 48, -40, 40),),
    "〜": (_wave(),),
    "〒": ([(20, 22), (90, 22)], [(20, 45), (90, 45)], [(55, 45), (55, 96)]),
    "※": ([(25, 25), (85, 85)], [(85, 25), (25, 85)], [(55, 12), (56, 14)], [(55, 96), (56, 98)],
          [(12, 55), (13, 57)], [(97, 55), (98, 57)]),
    "○": (_arc(55, 55, 40, 40, -90, 275),),
    "〇": (_arc(55, 55, 38, 42, -100, 265),),
    "×": ([(22, 22), (88, 88)], [(88, 22), (22, 88)]),
    "△": ([(55, 14), (14, 90)], [(55, 14), (96, 90)], [(14, 90), (96, 90)]),
    "□": ([(20, 20), (20, 90)], [(20, 20), (90, 20), (90, 90)], [(20, 90), (90, 90)]),
    "+": ([(15, 55), (95, 55)], [(55, 15), (55, 95)]),
    "-": ([(15, 55), (95, 55)],),
    "=": ([(15, 42), (95, 42)], [(15, 68), (95, 68)]),
    "/": ([(85, 12), (25, 98)],),
    "%": (_arc(33, 30, 13, 15, 0, 360), [(85, 14), (25, 96)], _arc(77, 80, 13, 15, 0, 360)),
}


def has_template(char: str) -> bool:
    """True if there is a stroke template for ``char``."""
    return char in TEMPLATES


@lru_cache(maxsize=64)
def load_template(char: str, step: float = 2.0) -> tuple[np.ndarray, ...]:
    """The template strokes of ``char``, points ``step`` apart in the 109 box.

    Raises:
        DatasetError: if there is no template for ``char``.
    """
    if char not in TEMPLATES:
        raise DatasetError(f"No stroke template for {char!r}. Received: {char!r}, templates: {''.join(TEMPLATES)}")
    out = tuple(resample(np.asarray(s, dtype=np.float64), step) for s in TEMPLATES[char])
    for s in out:
        s.setflags(write=False)
    return out
