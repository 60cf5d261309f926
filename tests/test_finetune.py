"""Personal fine-tunes: a writer's quirks are learned, the base is checked, nothing is lost."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.bundle import load_bundle
from core.errors import DatasetError
from core.ink import write_ink_dataset
from mojiyomi.cli import main
from tests.datagen import write_mnist_like
from tests.strokefont import writer_samples
from training.adapt import AdaptConfig, blend_weights, judge
from training.augment import AugmentConfig
from training.config import TrainConfig
from training.finetune import finetune
from training.train import train


@pytest.fixture(scope="module")
def base_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ft")
    data = write_mnist_like(root / "data", n_train=1500, n_test=100)
    config = TrainConfig(data=str(data), out=str(root / "base"), epochs=3, batch_size=64, validation_size=300,
                         learning_rate=3e-3, augment=AugmentConfig(5, 0.05, 0.05, 0.05))
    return train(config).bundle


def test_finetune_learns_a_slanted_writer_and_keeps_the_base(base_bundle: Path, tmp_path: Path) -> None:
    base = load_bundle(base_bundle)
    before = (base_bundle / "model.tflite").read_bytes()
    samples = writer_samples(6, seed=1, slant=0.7, squash=0.55)
    holdout = writer_samples(4, seed=2, slant=0.7, squash=0.55)
    outcome = finetune(base, samples, holdout, AdaptConfig(epochs=8), tmp_path / "personal")
    r = outcome.result
    assert r.user_top1_after > r.user_top1_before + 0.1
    assert r.base_top1_after > r.base_top1_before - 0.05
    personal = load_bundle(outcome.bundle)
    assert personal.metadata["parent"]["name"] == base.name and personal.metadata["personal"] is True
    assert (base_bundle / "model.tflite").read_bytes() == before


def test_unknown_labels_grow_the_classifier(base_bundle: Path, tmp_path: Path) -> None:
    samples = writer_samples(3, seed=3, slant=0.0, squash=1.0)
    samples += [ink.with_label("x") for ink in writer_samples(1, seed=4, slant=0.0, squash=1.0)[:12]]
    outcome = finetune(load_bundle(base_bundle), samples, None, AdaptConfig(epochs=1), tmp_path / "grown")
    assert load_bundle(outcome.bundle).labels == tuple("0123456789") + ("x",)
    assert outcome.result.new_labels == ("x",)


def test_too_few_samples_says_how_many_more(base_bundle: Path) -> None:
    with pytest.raises(DatasetError, match="Write 7 more"):
        finetune(load_bundle(base_bundle), writer_samples(1, 0, 0, 1)[:3])


def test_finetune_command_prints_before_after_json(base_bundle: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    write_ink_dataset(writer_samples(2, seed=5, slant=0.5, squash=0.6), tmp_path / "mine.jsonl")
    assert main(["finetune", "--model", str(base_bundle), "--samples", str(tmp_path / "mine.jsonl"),
                 "--epochs", "1", "--out", str(tmp_path / "p"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"user_top1_before", "user_top1_after", "base_top1_before", "base_top1_after", "seconds",
            "bundle"} <= set(summary)
    assert load_bundle(summary["bundle"]).name == "p"


@pytest.mark.parametrize("args, ok, words", [((0.5, 0.9, 0.99, 0.988), True, "→"),
                                             ((0.5, 0.5, 0.99, 0.99), False, "did not improve"),
                                             ((0.5, 0.9, 0.99, 0.98), False, "fell by 1.00")])
def test_switching_needs_a_gain_and_little_forgetting(args: tuple, ok: bool, words: str) -> None:
    recommended, reason = judge(*args, max_drop=0.5)
    assert recommended is ok and words in reason


def test_blending_mixes_old_weights_and_keeps_new_classes_whole() -> None:
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(5, activation="softmax")])
    base = [np.zeros_like(w) for w in model.get_weights()]
    tuned = [np.ones_like(w) for w in model.get_weights()]
    model.set_weights(tuned)
    blend_weights(model, base, 0.6, known=3)
    hidden_kernel, hidden_bias, kernel, bias = model.get_weights()
    assert np.allclose(hidden_kernel, 0.6) and np.allclose(hidden_bias, 0.6)
    assert np.allclose(kernel[:, :3], 0.6) and np.allclose(bias[:3], 0.6)
    assert np.allclose(kernel[:, 3:], 1.0) and np.allclose(bias[3:], 1.0)


@pytest.mark.parametrize("fields", [{"blend": 0.0}, {"large_head_blend": 1.5}, {"replay_ratio": -1.0}])
def test_adapt_config_rejects_meaningless_settings(fields: dict) -> None:
    with pytest.raises(ValueError):
        AdaptConfig(**fields)
