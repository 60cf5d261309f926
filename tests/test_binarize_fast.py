"""The fast paths of core.binarize give what the plain formulations they replaced gave.

``_hysteresis`` labels the pixels above the weak bar without OpenCV's per-pixel statistics,
``_unblurred`` measures slopes only around the ink, ``clean`` shares one neighbourhood median
between polarity and background, and ``model_input`` boxes the ink with OpenCV: each is
compared here with the straightforward version, on fields where the rules they implement
(specks, pale strokes, ink touching the picture's edge, faint vignetting) all come into play.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from core import binarize
from core.binarize import (DARK_PALE_INK, EDGE_SHARE, MIN_CONTRAST, PALE_INK, PALE_SHARE, SPECK_AREA, SPECK_SHARE,
                           STRONG_SHARE, model_input)
from core.errors import InputError
from core.preprocess import Preprocessing


def reference_hysteresis(contrast: np.ndarray, weak_at: float) -> tuple[np.ndarray, float]:
    """``_hysteresis`` as it was written first: connectedComponentsWithStats over the whole picture."""
    above = contrast > weak_at
    values = contrast[above]
    if values.size < 4:
        raise InputError("none")
    level = float(np.percentile(values, 90))
    if level < max(2 * weak_at, MIN_CONTRAST * 2):
        raise InputError("none")
    strong_at = max(weak_at * 1.5, min(STRONG_SHARE * level, DARK_PALE_INK))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(above.view(np.uint8), connectivity=8)
    strong = np.zeros(count, bool)
    strong[np.unique(labels[contrast > strong_at])] = True
    strong[0] = False
    areas = stats[:, cv2.CC_STAT_AREA]
    pale = np.bincount(labels[contrast > max(weak_at * 1.5, PALE_INK)], minlength=count)
    if strong.any():
        strong |= pale >= PALE_SHARE * float(np.percentile(areas[strong], 90))
        strong[0] = False
    x, y, w, h = (stats[:, i] for i in range(4))
    edge = (x == 0) | (y == 0) | (x + w == contrast.shape[1]) | (y + h == contrast.shape[0])
    mean = np.bincount(labels[above], weights=values, minlength=count) / np.maximum(areas, 1)
    strong &= ~(edge & (mean < EDGE_SHARE * level))
    if strong.any():
        strong &= areas >= max(SPECK_AREA, SPECK_SHARE * float(np.percentile(areas[strong], 90)))
    if not strong.any():
        raise InputError("none")
    return (strong.astype(np.uint8) * 255)[labels], level


def field(seed: int, shape: tuple[int, int] = (120, 160)) -> np.ndarray:
    """A contrast field: strokes of several strengths (some pale, some reaching the edge), specks,
    grain, and a faint band along one edge as a phone's vignetting leaves."""
    rng = np.random.default_rng(seed)
    h, w = shape
    contrast = np.abs(rng.normal(0, 0.012, shape)).astype(np.float32)
    for _ in range(rng.integers(2, 9)):
        canvas = np.zeros(shape, np.float32)
        points = rng.integers(-10, [w + 10, h + 10], (3, 2)).astype(np.int32)
        cv2.polylines(canvas, [points], False, float(rng.choice([0.2, 0.35, 0.6, 0.9])), int(rng.integers(1, 6)))
        contrast = np.maximum(contrast, canvas)
    for _ in range(rng.integers(0, 30)):  # specks
        y, x = rng.integers(0, h), rng.integers(0, w)
        contrast[y:y + rng.integers(1, 3), x:x + rng.integers(1, 3)] = rng.uniform(0.1, 0.9)
    band = int(rng.integers(0, 12))
    if band:  # along a side drawn at random (the picture turned by a quarter that many times)
        turned = np.rot90(contrast, int(rng.integers(0, 4)))
        turned[:, :band] = np.maximum(turned[:, :band], rng.uniform(0.05, 0.2))
        turned[:4, :2] = 0.4  # its darkest corner: strong, though the band's mean is not
    return np.clip(contrast, 0, 1)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("weak_at", [MIN_CONTRAST, 0.035])
def test_hysteresis_keeps_the_ink_the_plain_labelling_kept(seed: int, weak_at: float) -> None:
    contrast = field(seed)
    try:
        expected, expected_level = reference_hysteresis(contrast, weak_at)
    except InputError:
        with pytest.raises(InputError, match="No writing stands out"):
            binarize._hysteresis(contrast, weak_at, ())
        return
    # No printed lines (``core.rules``) taken out: the labelling alone is compared.
    mask, level, _ = binarize._hysteresis(contrast, weak_at, ())
    assert level == expected_level
    np.testing.assert_array_equal(mask, expected)


def test_hysteresis_of_a_window_of_a_larger_picture() -> None:
    """The faint pass gives it a view into the picture (not contiguous): the same ink as a copy."""
    contrast = field(7, (200, 260))
    window = contrast[30:170, 20:240]
    np.testing.assert_array_equal(binarize._hysteresis(window, 0.04, ())[0],
                                  reference_hysteresis(np.ascontiguousarray(window), 0.04)[0])


@pytest.mark.parametrize("seed", range(6))
def test_unblurred_measures_the_slopes_it_measured_over_the_whole_picture(seed: int) -> None:
    sharp = field(seed, (150, 200))
    for blur in (0.6, 1.5, 3.0):
        blurred = cv2.GaussianBlur(sharp, (0, 0), blur)
        expected = _reference_unblurred(blurred)
        np.testing.assert_array_equal(binarize._unblurred(blurred.copy()), expected)


@pytest.mark.parametrize("height", [1, 2, 3])
def test_unblurred_measures_the_slopes_of_a_hairline_as_it_did(height: int) -> None:
    """Ink one to three pixels high: every ink pixel is next to the window's edge."""
    contrast = np.zeros((60, 90), np.float32)
    contrast[30:30 + height, 10:80] = 0.8
    contrast[30 - 1, 10:80] = contrast[30 + height, 10:80] = 0.09  # a soft rim, under the ink bar
    np.testing.assert_array_equal(binarize._unblurred(contrast.copy()), _reference_unblurred(contrast))


def _reference_unblurred(contrast: np.ndarray) -> np.ndarray:
    ink = contrast > 0.1
    if np.count_nonzero(ink) < 16:
        return contrast
    level = float(np.percentile(contrast[ink], 90))
    gx = cv2.Sobel(contrast, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(contrast, cv2.CV_32F, 0, 1, ksize=3)
    sharpness = float(np.percentile(cv2.magnitude(gx, gy)[ink], 95)) / 8 / max(level, 1e-3)
    if sharpness >= binarize.SHARP:
        return contrast
    detail = contrast - cv2.GaussianBlur(contrast, (0, 0), 1.0 / max(sharpness, 0.1))
    return np.clip(contrast + detail, 0.0, 1.0)


@pytest.mark.parametrize("shape", [(9, 9), (40, 30), (384, 512), (200, 700)])
def test_the_median_of_the_inverted_picture_is_the_inverted_median(shape: tuple[int, int]) -> None:
    """``clean`` inverts the neighbourhoods' median with the picture instead of taking it again."""
    small = np.random.default_rng(shape[0]).integers(0, 256, shape).astype(np.uint8)
    np.testing.assert_array_equal(binarize._local_median(255 - small), 255 - binarize._local_median(small))


@pytest.mark.parametrize("seed", range(5))
def test_model_input_of_a_view_into_a_picture_is_that_of_a_copy(seed: int) -> None:
    """The box of the ink is OpenCV's: a view (rows apart in memory) is boxed as its copy."""
    spec = Preprocessing(size=40, box=32, stroke_ratio=0.07)
    rng = np.random.default_rng(seed)
    page = np.zeros((120, 150), np.uint8)
    cv2.polylines(page, [rng.integers(25, 100, (4, 2)).astype(np.int32)], False, 255, int(rng.integers(2, 9)))
    view = page[10:115, 5:140]
    np.testing.assert_array_equal(model_input(view, spec), model_input(np.ascontiguousarray(view), spec))
    with pytest.raises(InputError):
        model_input(np.zeros((30, 30), np.uint8), spec)


def test_model_input_of_a_picture_that_is_not_2d_says_so() -> None:
    spec = Preprocessing(size=40, box=32, stroke_ratio=0.07)
    with pytest.raises(InputError, match="2-D"):
        model_input(np.full((20, 20, 3), 255, np.uint8), spec)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 11, 1000, 196_608])
def test_the_median_of_levels_is_numpys_median(n: int) -> None:
    rng = np.random.default_rng(n)
    for levels in (rng.integers(0, 256, n).astype(np.uint8), np.abs(rng.normal(0, 9, n)).astype(np.int16),
                   np.full(n, 7, np.uint8)):
        assert binarize._median_of_levels(levels) == float(np.median(levels))


def test_when_the_fainter_look_keeps_nothing_found_first_the_first_look_stands(monkeypatch: pytest.MonkeyPatch,
                                                                               ) -> None:
    """The faint pass may drop what the first found (a speck at the window's edge judged as a
    shadow's edge there); the picture then keeps the first look's ink instead of an empty mask."""
    contrast = np.zeros((120, 160), np.float32)
    contrast[40:80, 60:64] = 0.8  # a stroke on quiet paper: the faint pass runs
    first = binarize._hysteresis
    calls = []

    def elsewhere(values: np.ndarray, weak_at: float, rules: tuple | None = None) -> tuple:
        mask, level, found = first(values, weak_at, rules)
        calls.append(weak_at)
        if len(calls) == 2:  # the faint pass: keeps ink only away from the stroke
            mask = np.zeros_like(mask)
            mask[0, 0] = 255
        return mask, level, found

    monkeypatch.setattr(binarize, "_hysteresis", elsewhere)
    mask, _ = binarize._threshold(contrast)
    assert len(calls) == 2
    assert mask[40:80, 60:64].all() and mask.sum() // 255 == 160
