"""The Japanese class set and the KanjiVG-based training-data generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.charsets import LOOKALIKES, japanese_classes, level1_kanji, lookalikes_of
from core.preprocess import Preprocessing

pytest.importorskip("svg.path")


def test_class_set_counts() -> None:
    classes = japanese_classes()
    assert len(level1_kanji()) == 2965 and level1_kanji()[0] == "亜" and level1_kanji()[-1] == "腕"
    assert len(classes) == len(set(classes)) == 10 + 83 + 86 + 2 + 2965
    assert all(len(c) == 1 for c in classes)
    assert {"0", "ぁ", "ん", "ァ", "ヶ", "ー", "々", "字"} <= set(classes)


def test_lookalikes() -> None:
    assert lookalikes_of("ロ") == frozenset("ロ口") and lookalikes_of("字") == frozenset("字")
    assert all(len(group) >= 2 for group in LOOKALIKES)


def test_kanjivg_strokes_in_order() -> None:
    from training.synth.kanjivg import has_strokes, load_strokes

    if not has_strokes("字"):
        pytest.skip("the kanjivg package is not installed")
    assert len(load_strokes("字")) == 6 and len(load_strokes("あ")) == 3 and len(load_strokes("1")) == 1
    first = load_strokes("字")[0]
    assert first.shape[1] == 2 and 0 <= first.min() and first.max() <= 109


def test_perturbation_is_seeded_and_varies() -> None:
    from training.synth.kanjivg import load_strokes
    from training.synth.perturb import perturb

    strokes = load_strokes("書")
    a = perturb(strokes, np.random.default_rng(3))
    b = perturb(strokes, np.random.default_rng(3))
    c = perturb(strokes, np.random.default_rng(4))
    assert all(np.array_equal(x, y) for x, y in zip(a.strokes, b.strokes))
    assert len(a.strokes) != len(c.strokes) or any(not np.allclose(x, y) for x, y in zip(a.strokes, c.strokes))
    assert a.has_pressure and not a.is_empty


def test_generate_writes_a_dataset_training_reads(tmp_path: Path) -> None:
    from training.datasets.readers import read_samples
    from training.synth.generate import generate

    spec = Preprocessing(size=32, box=23)
    path = generate(list("あ字\U0001F600"), 5, spec, seed=1, out=tmp_path, workers=1)
    samples = read_samples(path, spec)
    assert len(samples) == 10 and sorted(set(samples.y.tolist())) == ["あ", "字"]
    assert samples.x.shape == (10, 32, 32, 1) and samples.x.max() > 200
    assert "\U0001F600" in (tmp_path / "missing.json").read_text(encoding="utf-8")
