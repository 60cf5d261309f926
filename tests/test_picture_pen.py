"""A bundle's pen for pictures (``Preprocessing.picture_stroke_ratio``): stored only when set,
used by ``core.binarize.model_input`` alone, and the digits bundle's reads thick digit scans."""

from __future__ import annotations

import json
import math
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.binarize import clean, model_input, stroke_width
from core.bundle import load_bundle
from core.errors import BundleError
from core.ink import Ink, make_stroke
from core.preprocess import Preprocessing, preprocess_ink
from core.recognizer import TFLiteRecognizer
from tests.test_web_preprocess import INKS, NODE, js_inputs
from training.datasets.idx import load_mnist

# bench/ is a folder of scripts, not a package: put it on the path for its scans.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from bench_digit_scans import SIDES, thick_scan  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MNIST = ROOT.parent / "shared" / "data" / "mnist"
OLD_KEYS = ["id", "size", "box", "stroke_ratio", "render_size"]


def test_a_bundle_that_does_not_say_keeps_its_metadata_and_its_ink_pen_for_pictures() -> None:
    old = {"id": "fit-v1", "size": 40, "box": 32, "stroke_ratio": 0.07, "render_size": 112}
    spec = Preprocessing.from_json(old)
    assert spec == Preprocessing(size=40, box=32, stroke_ratio=0.07)
    assert json.dumps(spec.to_json()) == json.dumps(old)  # written as before, key for key
    assert spec.picture_pen == 0.07


def test_the_picture_pen_is_stored_and_read_back() -> None:
    spec = Preprocessing(picture_stroke_ratio=0.16)
    assert list(spec.to_json()) == [*OLD_KEYS, "picture_stroke_ratio"]
    back = Preprocessing.from_json(json.loads(json.dumps(spec.to_json())))
    assert back == spec and back != Preprocessing() and back.picture_pen == 0.16


@pytest.mark.parametrize("value", [0, 1, 1.5, -0.1, math.nan, math.inf, True, "0.16", [0.16]])
def test_a_bad_picture_pen_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="picture_stroke_ratio"):
        Preprocessing(picture_stroke_ratio=value)  # type: ignore[arg-type]


def test_a_bundle_with_a_bad_picture_pen_is_refused(digits_bundle: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "digits"
    shutil.copytree(digits_bundle, bundle, ignore=shutil.ignore_patterns("*.keras", "*.npz", "reports"))
    meta = json.loads((bundle / "metadata.json").read_text())
    meta["preprocessing"]["picture_stroke_ratio"] = 2
    (bundle / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(BundleError, match="picture_stroke_ratio=2"):
        load_bundle(bundle)


def _thick_stroke_image() -> np.ndarray:
    """A 7 drawn with a marker: strokes a quarter of its size wide."""
    image = np.zeros((120, 120), np.uint8)
    cv2.line(image, (20, 20), (100, 20), 255, 26)
    cv2.line(image, (100, 20), (50, 105), 255, 26)
    return image


def test_pictures_are_evened_to_the_picture_pen() -> None:
    spec = Preprocessing(stroke_ratio=0.1)
    widths = [stroke_width(model_input(_thick_stroke_image(), replace(spec, picture_stroke_ratio=ratio))[:, :, 0] > 127)
              for ratio in (None, 0.14, 0.18)]
    assert widths[0] < widths[1] < widths[2]
    same = model_input(_thick_stroke_image(), replace(spec, picture_stroke_ratio=0.1))
    assert np.array_equal(same, model_input(_thick_stroke_image(), spec))


def test_drawn_ink_does_not_use_the_picture_pen() -> None:
    ink = Ink((make_stroke([(0, 0), (100, 0), (40, 150)]),), 200, 200)
    spec = Preprocessing()
    assert np.array_equal(preprocess_ink(ink, replace(spec, picture_stroke_ratio=0.18)), preprocess_ink(ink, spec))


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_web_page_draws_ink_of_a_bundle_with_a_picture_pen_as_python_does() -> None:
    spec = Preprocessing(picture_stroke_ratio=0.16)
    assert np.abs(js_inputs(INKS, spec) - np.stack([preprocess_ink(ink, spec) for ink in INKS])).max() <= 2


def test_the_digits_bundle_evens_pictures_to_a_broader_pen_than_its_ink(digits_bundle: Path) -> None:
    spec = load_bundle(digits_bundle).preprocessing
    assert spec.stroke_ratio == 0.1 and spec.picture_pen > spec.stroke_ratio


def _thick_scans(count: int) -> tuple[list[np.ndarray], np.ndarray]:
    """``bench_digit_scans``' thick 16x16 scans of the first tuning digits (its seed 1)."""
    x, y = load_mnist(MNIST, "test")
    rng = np.random.default_rng(1)
    scans = [thick_scan(d, rng, SIDES[i % len(SIDES)], i // len(SIDES) % 4 == 3) for i, d in enumerate(x[::2][:count])]
    return scans, y[::2][:count]


def test_thick_digit_scans_read_better_evened_to_the_digits_pen(digits_bundle: Path) -> None:
    if not MNIST.is_dir():
        pytest.skip("../shared/data/mnist is not present")
    recognizer = TFLiteRecognizer(load_bundle(digits_bundle))
    spec = recognizer.bundle.preprocessing
    scans, y = _thick_scans(400)
    inks = [clean(scan).ink for scan in scans]
    right = {}
    for ratio in (None, spec.picture_stroke_ratio):
        x = np.stack([model_input(ink, replace(spec, picture_stroke_ratio=ratio)) for ink in inks])
        right[ratio] = int((recognizer.predict(x).argmax(axis=1) == y).sum())
    assert right[spec.picture_stroke_ratio] >= 0.97 * len(y) and right[spec.picture_stroke_ratio] > right[None]
