"""Training runs: a bundle comes out; failures, cancels and crashes never lose a model."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from core.bundle import load_bundle
from core.errors import DatasetError
from tests.datagen import write_mnist_like
from training.augment import AugmentConfig
from training.config import TrainConfig
from training.train import Cancelled, run_dir_for, train


@pytest.fixture(scope="module")
def digits_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_mnist_like(tmp_path_factory.mktemp("data") / "mnist", n_train=1200, n_test=300)


def _config(data: Path, out: Path, **changes: Any) -> TrainConfig:
    base = TrainConfig(data=str(data), out=str(out), epochs=2, batch_size=64, validation_size=200,
                       learning_rate=3e-3, augment=AugmentConfig(rotation_deg=5, zoom=0.05, translation=0.05, shear=0.05))
    return base.replace(**changes)


def test_a_run_writes_a_bundle_that_learned(digits_dir: Path, tmp_path: Path) -> None:
    events: list[dict] = []
    result = train(_config(digits_dir, tmp_path / "out", epochs=3), events.append, command="test")
    bundle = load_bundle(result.bundle)
    assert bundle.labels == tuple("0123456789")
    assert result.val_top1 > 0.6 and result.test_top1 is not None and result.test_top1 > 0.6
    assert bundle.metadata["training"]["command"] == "test"
    assert bundle.metadata["training"]["config"]["epochs"] == 3
    assert bundle.metrics["test"]["n"] == 300
    assert [e["epoch"] for e in events if e["event"] == "epoch"] == [1, 2, 3]
    assert not run_dir_for(tmp_path / "out").exists()
    reports = bundle.path / "reports"
    assert (reports / "confusion.png").stat().st_size > 1000 and (reports / "misrecognized.png").exists()
    assert len((reports / "per_class.csv").read_text().splitlines()) == 11


def test_cancel_writes_nothing_and_keeps_the_old_model(digits_dir: Path, tiny_bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "digits"
    shutil.copytree(tiny_bundle, out)
    before = (out / "model.tflite").read_bytes()
    with pytest.raises(Cancelled, match="cancelled"):
        train(_config(digits_dir, out), should_stop=lambda: True)
    assert (out / "model.tflite").read_bytes() == before


def test_bad_dataset_fails_clearly_and_keeps_the_old_model(tiny_bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "digits"
    shutil.copytree(tiny_bundle, out)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="empty"):
        train(_config(tmp_path / "empty", out))
    load_bundle(out)


def test_full_disk_during_a_checkpoint_fails_and_keeps_the_old_model(
        digits_dir: Path, tiny_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keras

    out = tmp_path / "digits"
    shutil.copytree(tiny_bundle, out)
    before = (out / "model.tflite").read_bytes()

    def full_disk(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keras.Model, "save_weights", full_disk)
    with pytest.raises(OSError, match="No space left"):
        train(_config(digits_dir, out, epochs=1))
    assert (out / "model.tflite").read_bytes() == before


def test_an_interrupted_run_resumes_from_its_last_epoch(digits_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "resumed"

    finished: list[int] = []

    def crash_in_epoch_2(event: dict) -> None:
        if event["event"] == "epoch":
            finished.append(event["epoch"])
        if event["event"] == "batch" and finished == [1] and event["batch"] == 3:
            raise KeyboardInterrupt("power cut")

    with pytest.raises(KeyboardInterrupt):
        train(_config(digits_dir, out, epochs=3), crash_in_epoch_2)
    assert not out.exists() and (run_dir_for(out) / "backup").is_dir()
    events: list[dict] = []
    result = train(_config(digits_dir, out, epochs=99), events.append, resume=True)
    assert [e["epoch"] for e in events if e["event"] == "epoch"] == [2, 3]
    assert load_bundle(result.bundle).metadata["training"]["config"]["epochs"] == 3


def test_resume_without_an_interrupted_run_says_so(digits_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no interrupted run"):
        train(_config(digits_dir, tmp_path / "x"), resume=True)


@pytest.mark.parametrize("changes, message", [({"epochs": 0}, "epochs=0"), ({"learning_rate": 5.0}, "learning_rate"),
                                              ({"optimizer": "rmsprop"}, "optimizer"), ({"box": 40}, "box")])
def test_impossible_configs_are_refused(changes: dict, message: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=message):
        _config(tmp_path, tmp_path / "o", **changes)
