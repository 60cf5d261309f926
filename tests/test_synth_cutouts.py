"""training.synth.cutouts: characters as the app cuts them out of tight and touching lines."""

from __future__ import annotations

import json
from dataclasses import replace

import cv2
import numpy as np
import pytest

from core.char_input import model_input
from core.preprocess import Preprocessing
from training.synth import cutouts, kanjivg
from training.synth.cutouts import CutoutOptions, Line, cut_line, generate_cutouts, make_cutouts, write_line
from training.synth.mix import Take, mix

pytestmark = pytest.mark.skipif(not kanjivg.has_strokes("木"), reason="KanjiVG is not installed")

SPEC = Preprocessing(size=40, box=32, stroke_ratio=0.07)
POOL = tuple("木林森川山口日月火水")
#: Lines drawn in the tests are touching, on flat looks (whose pixels keep the laid-out strokes).
TOUCHING = CutoutOptions(length=(3, 3))


def _flat_line(seed: int) -> Line:
    rng = np.random.default_rng(seed)
    while True:
        line = write_line([POOL[int(i)] for i in rng.integers(len(POOL), size=3)], rng, TOUCHING)
        if line.style in ("clean", "jpeg") and line.spacing == "touching":
            return line


def _own(line: Line, index: int) -> np.ndarray:
    """Character ``index``'s own strokes alone, as a model input mask (not read through the picture path)."""
    canvas = np.zeros((line.placed.height, line.placed.width), np.uint8)
    width = max(1, round(line.pen.width * line.placed.cell))
    for stroke in line.placed.chars[index]:
        cv2.polylines(canvas, [np.round(stroke).astype(np.int32).reshape(-1, 1, 2)], False, 255, width)
    return model_input(canvas, SPEC)[:, :, 0] > 64


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    grow = np.ones((3, 3), np.uint8)
    a, b = cv2.dilate(a.astype(np.uint8), grow) > 0, cv2.dilate(b.astype(np.uint8), grow) > 0
    return float((a & b).sum() / max((a | b).sum(), 1))


def test_a_cut_out_is_mostly_its_own_characters_ink() -> None:
    checked = 0
    for seed in range(3):
        line = _flat_line(seed)
        for index, cutout in enumerate(cut_line(line, SPEC)):
            if cutout is None or len(set(line.placed.text)) < 3:
                continue
            sample = cutout.sample[:, :, 0] > 64
            assert cutout.purity is not None and cutout.purity > 0.8
            own = _iou(sample, _own(line, index))
            others = [_iou(sample, _own(line, j)) for j in range(3) if j != index]
            assert own > 0.3 and own > max(others), (line.placed.text, index, own, others)
            checked += 1
    assert checked >= 3


def test_a_character_whose_pieces_miss_its_box_is_skipped() -> None:
    line = _flat_line(0)
    found = cut_line(line, SPEC)
    assert found[1] is not None
    h, w = line.picture.image.shape
    moved = replace(line.picture, boxes=(line.picture.boxes[0], (w - 4, h - 4, 3, 3), line.picture.boxes[2]))
    assert cut_line(replace(line, picture=moved), SPEC)[1] is None


def test_cutouts_are_seeded_counted_and_every_class_gets_its_samples() -> None:
    classes = POOL[:7]
    x, y, counts = make_cutouts(classes, 2, 5, SPEC, CutoutOptions())
    again, y_again, _ = make_cutouts(classes, 2, 5, SPEC, CutoutOptions())
    other, _, _ = make_cutouts(classes, 2, 6, SPEC, CutoutOptions())
    assert x.shape == (14, 40, 40, 1) and x.dtype == np.uint8 and counts["short"] == 0
    assert y.tolist() == [c for c in classes for _ in range(2)]
    assert np.array_equal(x, again) and y.tolist() == y_again.tolist() and not np.array_equal(x, other)
    # 7 classes a round in lines of 3-6: at least two lines a round, padded to 3 when short.
    assert counts["lines"] >= 4
    assert counts["chars"] == len(y) + counts["skipped"] + counts["unread"] + counts["solid"]


def test_generated_set_has_right_labels_and_mixes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "cut"
    path = generate_cutouts("木川口☃", 2, SPEC, 1, out, command="test")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["classes"] == "木川口" and manifest["missing"] == "☃"
    assert manifest["preprocessing"] == SPEC.to_json() and "KanjiVG" in manifest["attribution"]
    with np.load(path) as data:
        labels = data["y"].tolist()
        assert len(data["x"]) == manifest["samples"] == len(labels)
    assert labels == sorted(labels, key="木川口".index) and set(labels) <= set("木川口")
    assert all(labels.count(c) == manifest["counts_below_per_class"].get(c, 2) for c in "木川口")
    mixed = mix([Take(path)], tmp_path / "mix", seed=1)
    with np.load(mixed) as data:
        assert sorted(data["y"].tolist()) == sorted(labels)


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="length"):
        CutoutOptions(length=(4, 2))
    assert cutouts.MATCH_IOU > 0


@pytest.mark.slow
def test_workers_make_the_same_samples() -> None:
    one = make_cutouts(POOL[:5], 1, 3, SPEC, CutoutOptions())
    two = make_cutouts(POOL[:5], 1, 3, SPEC, CutoutOptions(workers=2))
    assert np.array_equal(one[0], two[0]) and one[1].tolist() == two[1].tolist()
