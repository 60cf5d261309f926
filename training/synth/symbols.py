"""Stroke templates for the marks and symbols KanjiVG does not draw (「」『』()〜〒※○×△□〇+-=/%),
and the small marks (・.、,。:) drawn afresh for each sample as writers make them.

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


#: Marks drawn as writers make them (``hand_strokes``), not from a fixed drawing: a dot,
#: whatever its size, is scaled to fill the model's box with a pen 7% of its size, so
#: KanjiVG's and Hershey's dots (tiny loops) and commas (a loop with a tail) became rings
#: and 9s. Each sample is drawn afresh, at a writer's size in the 109 box.
HAND_MARKS = frozenset("・.、,。:")
#: The middle of KanjiVG's 109 box.
BOX_CENTRE = 54.5
#: A dot's forms and their shares: a tap, a tiny scribble, a dab of three points. A dab of
#: two is left out: through the canvas path it is a straight line, the picture of 、 and -.
DOT_FORMS = ("tap", "scribble", "dab")
DOT_SHARES = (0.6, 0.3, 0.1)


def has_hand_strokes(char: str) -> bool:
    """True if ``char`` is one of ``HAND_MARKS``, drawn by ``hand_strokes``."""
    return char in HAND_MARKS


def hand_strokes(char: str, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """One writer's strokes of a small mark, in the 109 box, before the perturbation.

    ・ and . (twins): a tap (one point, the canvas's round pen mark; most of them), a tiny
    scribble, or a three-point dab. 。: a small circle, sometimes left open or
    overlapping. 、: a short tick down to the right, straight or bent, sometimes pressed at
    its start. ,: a tick down to the left, mostly curved, often with a pressed head.
    :: two dots one over the other.

    Raises:
        DatasetError: if ``char`` is not one of ``HAND_MARKS``.
    """
    centre = np.array([BOX_CENTRE, BOX_CENTRE])
    if char in "・.":
        strokes = [_dot(centre, rng)]
    elif char == ":":
        gap = rng.uniform(26.0, 40.0) / 2
        lean = rng.normal(0.0, 1.5)
        strokes = [_dot(centre + (-lean, -gap), rng), _dot(centre + (lean, gap), rng)]
    elif char == "。":
        strokes = [_circle(centre, rng)]
    elif char == "、":
        strokes = [_tick(centre, rng)]
    elif char == ",":
        strokes = [_comma(centre, rng)]
    else:
        raise DatasetError(f"No hand-drawn form for {char!r}. Received: {char!r}, marks: {''.join(sorted(HAND_MARKS))}")
    return tuple(np.asarray(s, dtype=np.float64) for s in strokes)


def _dot(centre: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    form = DOT_FORMS[rng.choice(len(DOT_FORMS), p=DOT_SHARES)]
    if form == "tap":  # press and lift without moving: one point, a round pen mark
        return centre[None, :].copy()
    if form == "dab":
        return centre + rng.normal(0.0, rng.uniform(0.4, 1.2), (3, 2))
    # Filling the dot: two to four small turns, tightening, never a clean ring.
    turns = rng.uniform(1.5, 4.0)
    t = np.linspace(0.0, 1.0, max(8, int(turns * 9)))
    angle = rng.uniform(0, 2 * math.pi) + rng.choice([-1, 1]) * turns * 2 * math.pi * t
    radius = rng.uniform(1.0, 3.0) * (1.0 - rng.uniform(0.3, 0.8) * t)
    wobble = rng.normal(0.0, 0.25, (len(t), 2)) * radius[:, None]
    return centre + np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]) + wobble


def _circle(centre: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    radius = rng.uniform(7.0, 16.0)
    aspect = math.exp(rng.uniform(-0.2, 0.2))
    # Mostly counter-clockwise from the top, as 。 is taught; some left open by a small gap
    # (a wide one would be a C), most closing on or past the start (the perturbation's
    # trim opens some of those).
    sweep = rng.uniform(290.0, 330.0) if rng.random() < 0.15 else rng.uniform(350.0, 420.0)
    direction = -1.0 if rng.random() < 0.7 else 1.0
    start = rng.uniform(-150.0, -30.0)
    angle = np.radians(start + direction * np.linspace(0.0, sweep, max(12, int(sweep / 10))))
    bulge = 1.0 + 0.06 * np.sin(2 * angle + rng.uniform(0, 2 * math.pi))
    return centre + np.column_stack([radius * aspect * bulge * np.cos(angle), radius / aspect * bulge * np.sin(angle)])


def _bent_line(start: np.ndarray, heading: float, length: float, turn: float) -> np.ndarray:
    """Points along an arc: leaving ``start`` at ``heading`` degrees (0 right, 90 down),
    turning by ``turn`` degrees over ``length`` units."""
    t = np.linspace(0.0, 1.0, max(4, int(length / 2)))
    angles = np.radians(heading + turn * t)
    steps = np.column_stack([np.cos(angles), np.sin(angles)]) * length / (len(t) - 1)
    return start + np.vstack([[0.0, 0.0], np.cumsum(steps[:-1], axis=0)])


def _press(start: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A pen pressed where a stroke starts: a few points wandering within a unit or two."""
    return start + rng.normal(0.0, rng.uniform(0.5, 1.2), (int(rng.integers(3, 6)), 2))


def _tick(centre: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    length = rng.uniform(8.0, 22.0)
    line = _bent_line(centre, rng.uniform(35.0, 70.0), length, rng.uniform(-15.0, 25.0))
    line = line - (line[-1] - line[0]) / 2
    return np.vstack([_press(line[0], rng), line]) if rng.random() < 0.35 else line


def _comma(centre: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    length = rng.uniform(8.0, 20.0)
    curved = rng.random() < 0.75
    heading, turn = (rng.uniform(80.0, 105.0), rng.uniform(15.0, 70.0)) if curved else (rng.uniform(100.0, 120.0), 0.0)
    line = _bent_line(centre, heading, length, turn)
    line = line - (line[-1] - line[0]) / 2
    return np.vstack([_press(line[0], rng), line]) if not curved or rng.random() < 0.6 else line
