"""The small marks (・.、,。:) drawn as writers make them, as the model sees them after the canvas path.

KanjiVG and Hershey draw a dot as a tiny loop and a comma as a loop with a tail; the canvas
path scales any ink to fill the box with a pen 7% of its size, so those became rings (the
picture of 。 and O) and 9s. These tests look at the model inputs the generator makes.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.charsets import LATIN, PUNCTUATION, lookalikes_of
from core.errors import DatasetError, InputError
from core.ink import Ink
from core.preprocess import Preprocessing, preprocess_ink
from training.synth import hershey, kanjivg, symbols
from training.synth.samples import SynthOptions, render_class
from training.synth.sources import STROKE_SOURCES, picture_sample, solid_share, stroke_sources

#: The coverage model's preprocessing.
SPEC = Preprocessing(size=40, box=32, stroke_ratio=0.07)
STROKES = SynthOptions(sources=("kanjivg", "hershey", "symbols"), workers=1)
COUNT = 80


def _samples(char: str, count: int = COUNT, opts: SynthOptions = STROKES) -> np.ndarray:
    return render_class(char, count, 5, SPEC, opts)[..., 0]


def _mask(sample: np.ndarray) -> np.ndarray:
    return (sample > 64).astype(np.uint8)


def _hole(sample: np.ndarray) -> float:
    """The share of the ink's bounding box that is background enclosed by ink (a ring's inside)."""
    mask = _mask(sample)
    padded = np.pad(1 - mask, 1, constant_values=1)
    cv2.floodFill(padded, None, (0, 0), 2)
    ys, xs = np.nonzero(mask)
    return float((padded == 1).sum() / ((np.ptp(ys) + 1) * (np.ptp(xs) + 1)))


def _components(sample: np.ndarray) -> int:
    return int(cv2.connectedComponents(_mask(sample))[0]) - 1


def _filled(sample: np.ndarray) -> bool:
    return solid_share(sample[..., None]) > 0.05


@pytest.mark.parametrize("char", ["・", "."])
def test_dots_are_mostly_filled_and_never_rings(char: str) -> None:
    x = _samples(char)
    filled = np.mean([_filled(s) for s in x])
    rings = sum(_hole(s) >= 0.35 for s in x)
    assert filled >= 0.45, f"{char}: {filled:.0%} of stroke samples are a filled dot"
    # A tangled scribble closes small pockets; a ring's inside (KanjiVG's loop: half the
    # stroke samples before, 0.41 of the box at the median) is rare.
    assert rings <= 0.05 * len(x), f"{char}: {rings} of {len(x)} look like a ring"


def test_dot_twins_are_drawn_alike() -> None:
    """・ and . are twins (core.charsets.LOOKALIKES): the same forms in the same shares."""
    a, b = (np.mean([_filled(s) for s in _samples(c)]) for c in "・.")
    assert abs(a - b) < 0.15


def test_circle_mark_has_a_hole_and_is_never_a_blob() -> None:
    x = _samples("。")
    holes = np.mean([_hole(s) >= 0.2 for s in x])
    assert holes >= 0.7, f"{holes:.0%} of 。 have a hole"
    assert not any(_filled(s) for s in x)


def _slope(sample: np.ndarray) -> float:
    """Horizontal move from the ink's top rows to its bottom rows, per row (positive: down to the right)."""
    ys, xs = np.nonzero(_mask(sample))
    top, bottom = ys <= np.quantile(ys, 0.2), ys >= np.quantile(ys, 0.8)
    return float((xs[bottom].mean() - xs[top].mean()) / max(1, ys.max() - ys.min()))


def test_tick_slopes_down_right_and_comma_down_left() -> None:
    """、 is a short tick down to the right; , a tick down to the left (mostly curved), never a 9."""
    tick, comma = _samples("、"), _samples(",")
    assert np.mean([_slope(s) > 0.1 for s in tick]) >= 0.9
    assert np.mean([_slope(s) < -0.05 for s in comma]) >= 0.8
    # Before, the comma was a loop with a tail: a 9 with its hole.
    assert np.mean([_hole(s) >= 0.05 for s in comma]) <= 0.1
    assert not any(_filled(s) for s in np.concatenate([tick, comma]))
    tall = [np.ptp(np.nonzero(_mask(s))[0]) >= np.ptp(np.nonzero(_mask(s))[1]) for s in comma]
    assert np.mean(tall) >= 0.7, "a comma is taller than wide"


def test_colon_is_two_dots_one_over_the_other() -> None:
    x = _samples(":")
    assert np.mean([_components(s) == 2 for s in x]) >= 0.9
    upright = [np.ptp(np.nonzero(_mask(s))[0]) > 2 * np.ptp(np.nonzero(_mask(s))[1]) for s in x]
    assert np.mean(upright) >= 0.9


def test_hand_marks_come_from_the_hand_drawn_form_only() -> None:
    for char in symbols.HAND_MARKS:
        assert stroke_sources(char, STROKE_SOURCES) == ("symbols",)
    # Without the symbols source (the bundled model's kanjivg-only data) KanjiVG still draws them.
    assert stroke_sources("、", ("kanjivg",)) == ("kanjivg",)


def test_other_classes_keep_their_sources_and_drawings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every other Latin letter and mark is drawn as before: same sources, no hand-drawn form."""
    has = {"kanjivg": kanjivg.has_strokes, "hershey": hershey.has_glyph, "symbols": symbols.has_template}
    for char in LATIN + PUNCTUATION:
        if char not in symbols.HAND_MARKS:
            assert stroke_sources(char, STROKE_SOURCES) == tuple(s for s in STROKE_SOURCES if has[s](char))

    def refuse(char: str, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        raise AssertionError(f"hand_strokes was asked for {char!r}")

    monkeypatch.setattr(symbols, "hand_strokes", refuse)
    for char in "-!?i〇":
        render_class(char, 6, 1, SPEC, STROKES)


def test_a_tap_written_on_paper_reads_as_a_filled_dot() -> None:
    """The picture path takes a one-point stroke (a tap), and reads it as a filled dot."""
    tap = Ink((np.array([[54.5, 54.5, 0.0, 0.5]]),), 109.0, 109.0)
    read = []
    for seed in range(30):
        try:
            read.append(picture_sample(tap, "・", np.random.default_rng(seed), SPEC)[..., 0])
        except InputError:  # the app's cleaning finds no writing (20 of these 30 lone dots)
            continue
    assert len(read) >= 5
    assert np.mean([_filled(s) for s in read]) >= 0.8


def test_hand_strokes_are_seeded_and_refuse_other_marks() -> None:
    for char in symbols.HAND_MARKS:
        a = symbols.hand_strokes(char, np.random.default_rng(7))
        b = symbols.hand_strokes(char, np.random.default_rng(7))
        assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    with pytest.raises(DatasetError, match="Received"):
        symbols.hand_strokes("A", np.random.default_rng(0))


def _canvas(*strokes: list[tuple[float, float]]) -> np.ndarray:
    """Marks as a mouse writes them on a 300-pixel canvas (whole pixels, no pressure)."""
    ink = Ink(tuple(np.array([[x, y, 8.0 * i, np.nan] for i, (x, y) in enumerate(s)]) for s in strokes), 300.0, 300.0)
    return preprocess_ink(ink, SPEC)[..., 0]


def test_canvas_written_marks_are_nearest_their_own_class() -> None:
    """A tap, a ticked 、 and , a small 。 and a : written with a mouse: the nearest generated
    sample among the six marks' (lightly blurred) is of the same class or a twin."""
    circle = [(150 + round(6 * np.cos(a)), 150 + round(6 * np.sin(a))) for a in np.linspace(-1.6, 4.6, 24)]
    written = {"・": _canvas([(150, 150)]), "。": _canvas(circle),
               "、": _canvas([(150, 150), (152, 152), (154, 155), (156, 158), (157, 160)]),
               ",": _canvas([(153, 148), (154, 150), (153, 152), (152, 155), (150, 158), (147, 161)]),
               ":": _canvas([(150, 140)], [(150, 158)])}
    pool = {c: _samples(c, 60) for c in symbols.HAND_MARKS}
    labels = np.concatenate([[c] * len(x) for c, x in pool.items()])

    def flat(x: np.ndarray) -> np.ndarray:
        return np.stack([cv2.GaussianBlur(s.astype(np.float32), (5, 5), 1.0) for s in x]).reshape(len(x), -1)

    every = flat(np.concatenate(list(pool.values())))
    for char, sample in written.items():
        nearest = labels[np.argmin(((every - flat(sample[None])) ** 2).sum(axis=1))]
        assert nearest in lookalikes_of(char), f"a canvas-written {char} is nearest a sample of {nearest}"
