"""training.checkpoint_bundle: a bundle from a run's latest backup, the run left untouched."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import training.checkpoint_bundle as checkpoint_module
import training.train
from core.bundle import load_bundle
from core.errors import BundleError
from core.preprocess import Preprocessing
from tests.datagen import drawn_digits
from tests.test_bundle_safety import fake_bundle
from training.checkpoint_bundle import Snapshot, checkpoint_bundle, find_backup, snapshot
from training.config import TrainConfig
from training.events import BatchEvent, EpochEvent, Event
from training.spec_check import adopt_spec
from training.train import TrainResult, run_dir_for, train


def test_a_folder_without_a_backup_is_refused_saying_why(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="not a training run folder"):
        find_backup(tmp_path)
    TrainConfig(data="d.npz", out="x").save(tmp_path / "config.json")
    with pytest.raises(BundleError, match="holds no backup"):
        find_backup(tmp_path)


def test_a_backup_that_is_not_one_consistent_save_is_refused(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "latest.weights.h5").write_bytes(b"half-written")  # a copy taken while Keras was writing
    (backup / "training_metadata.json").write_text(json.dumps({"epoch": 1, "batch": 3}))
    (tmp_path / "copy").mkdir()
    with pytest.raises(BundleError, match="consistent backup"):
        snapshot(backup, tmp_path / "copy", tries=2, wait=0.0)


@pytest.mark.parametrize("metadata", ["[1]", '{"epoch": 1', '{"epoch": 1}', '{"epoch": 1, "batch": "3"}'])
def test_a_backup_whose_metadata_is_not_a_record_is_refused_saying_why(tmp_path: Path, metadata: str) -> None:
    import h5py

    backup = tmp_path / "backup"
    backup.mkdir()
    with h5py.File(backup / "latest.weights.h5", "w") as weights:  # readable weights: only the metadata is wrong
        weights["x"] = np.zeros(3)
    (backup / "training_metadata.json").write_text(metadata)
    (tmp_path / "copy").mkdir()
    with pytest.raises(BundleError, match="consistent backup"):  # tried again (Keras writes it in place), then refused
        snapshot(backup, tmp_path / "copy", tries=2, wait=0.0)


def test_a_backup_without_metadata_is_of_the_first_epoch(tmp_path: Path) -> None:
    import h5py

    backup = tmp_path / "backup"
    backup.mkdir()
    with h5py.File(backup / "latest.weights.h5", "w") as weights:
        weights["x"] = np.zeros(3)
    (tmp_path / "copy").mkdir()
    copy = snapshot(backup, tmp_path / "copy", tries=1, wait=0.0)
    assert (copy.epoch, copy.batch, copy.source) == (0, 0, backup)


@pytest.mark.parametrize("source", ["init_from", "manifest"])
def test_a_checkpoint_has_the_preprocessing_the_finished_bundle_would_have(tmp_path: Path, source: str,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    spec = Preprocessing(size=28, box=22, stroke_ratio=0.12, render_size=64, picture_stroke_ratio=0.16)
    x, y = drawn_digits(30, seed=1)
    data = tmp_path / "data" / "digits.npz"
    data.parent.mkdir()
    np.savez(data, x=x, y=y)
    values: dict[str, object] = {"data": str(data), "out": str(tmp_path / "out"), "epochs": 3}
    if source == "init_from":
        values["init_from"] = str(fake_bundle(tmp_path / "base", preprocessing=spec.to_json()))
        expected = spec  # the model's whole preprocessing, its render size and picture pen too
    else:
        (data.parent / "manifest.json").write_text(json.dumps({"preprocessing": spec.to_json()}))
        expected = spec  # the data's whole preprocessing: ink is drawn and pictures evened as its samples were
    config = TrainConfig.from_json(adopt_spec(values, set())[0])
    assert training.train.spec_for(config) == expected  # the spec `mojiyomi train` bundles
    run_dir = run_dir_for(config.out)
    (run_dir / "backup").mkdir(parents=True)
    config.save(run_dir / "config.json")
    (run_dir / "backup" / "latest.weights.h5").write_bytes(b"")
    # Only what the checkpoint bundles is looked at: reading the weights and writing the bundle are stood in for.
    monkeypatch.setattr(checkpoint_module, "snapshot", lambda backup, into: Snapshot(into / "w.h5", 1, 0, 0.0, backup))
    monkeypatch.setattr(checkpoint_module, "load_trained", lambda *args: (None, 10, 10, 20))
    written: list[Preprocessing] = []

    def write(config: TrainConfig, model: object, data: object, spec: Preprocessing, *args: object,
              **kwargs: object) -> TrainResult:
        written.append(spec)
        return TrainResult(Path(config.out), 0.5, None, 0.0, {})

    monkeypatch.setattr(training.train, "write_trained_bundle", write)
    checkpoint_bundle(run_dir, tmp_path / "ckpt", data)
    assert written == [expected]


@pytest.mark.slow  # trains a tiny model and exports it: about 40 s on 2 cores
def test_a_running_runs_backup_becomes_a_bundle_that_says_so(tmp_path: Path) -> None:
    x, y = drawn_digits(900, seed=3)
    data = tmp_path / "digits.npz"
    np.savez(data, x=x, y=y)
    out = tmp_path / "run"
    finished: list[int] = []

    def crash_in_epoch_2(event: Event) -> None:
        if isinstance(event, EpochEvent):
            finished.append(event.epoch)
        if isinstance(event, BatchEvent) and finished == [1] and event.batch == 3:
            raise KeyboardInterrupt("power cut")

    config = TrainConfig(data=str(data), out=str(out), epochs=3, batch_size=32, validation_size=100,
                         learning_rate=3e-3)
    with pytest.raises(KeyboardInterrupt):
        train(config, crash_in_epoch_2, command="mojiyomi train ...")
    run_dir = run_dir_for(out)
    before = {p: p.stat().st_mtime_ns for p in run_dir.rglob("*")}
    done = checkpoint_bundle(run_dir, tmp_path / "eval-ckpt", data, every=3, command="checkpoint")
    assert {p: p.stat().st_mtime_ns for p in run_dir.rglob("*")} == before  # only read
    bundle = load_bundle(done["bundle"])
    checkpoint = bundle.metadata["training"]["checkpoint"]
    assert checkpoint["unfinished"] and (checkpoint["keras_epoch"], checkpoint["keras_batch"]) == (1, 0)
    assert checkpoint["optimizer_steps"] == checkpoint["steps_per_epoch"] == 22 and checkpoint["epochs_done"] == 1.0
    assert "unfinished: 1.0 of 3 epochs" in bundle.metadata["title"]
    assert bundle.metadata["training"]["stages"]["stages"][0]["command"] == "mojiyomi train ..."
    assert done["val_top1"] > 0.3  # the backup's weights after one epoch (0.46 here), not a fresh network (0.1)
    assert bundle.labels == tuple("0123456789")
