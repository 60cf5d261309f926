"""Background jobs in a spawned process: progress, results, cancel, failures, crashes."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from core.bundle import load_bundle
from tests.datagen import write_mnist_like
from training.augment import AugmentConfig
from training.config import TrainConfig
from training.jobs import JobSpec, start_job, unique_bundle_dir


@pytest.fixture(scope="module")
def small_mnist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_mnist_like(tmp_path_factory.mktemp("jobdata") / "mnist", n_train=600, n_test=100)


def _spec(data: Path, out: Path, epochs: int = 2) -> JobSpec:
    config = TrainConfig(data=str(data), out=str(out), epochs=epochs, batch_size=32, validation_size=100,
                         augment=AugmentConfig(rotation_deg=5, zoom=0.05, translation=0.05, shear=0.05))
    return JobSpec("train", config.to_json(), "test job")


def test_a_train_job_reports_progress_and_writes_a_bundle(small_mnist: Path, tmp_path: Path) -> None:
    job = start_job(_spec(small_mnist, tmp_path / "out"))
    assert job.wait(240) == "finished", job.error
    kinds = [e["event"] for e in job.history]
    assert "stage" in kinds and "batch" in kinds and kinds.count("epoch") == 2
    epochs = [e for e in job.history if e["event"] == "epoch"]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(epochs[-1]["logs"])
    assert job.result is not None and Path(job.result["bundle"]) == tmp_path / "out"
    assert load_bundle(tmp_path / "out").labels == tuple("0123456789")


def test_cancel_stops_quickly_and_keeps_the_old_model(small_mnist: Path, tiny_bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    shutil.copytree(tiny_bundle, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    job = start_job(_spec(small_mnist, out, epochs=50))
    deadline = time.time() + 120
    while not any(e["event"] == "batch" for e in job.history) and time.time() < deadline:
        job.poll()
        time.sleep(0.05)
    asked = time.time()
    job.cancel()
    assert job.wait(15) == "cancelled"
    assert time.time() - asked < 15
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_bad_dataset_fails_with_its_message(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    job = start_job(_spec(tmp_path / "empty", tmp_path / "out"))
    assert job.wait(120) == "failed"
    assert "holds no dataset" in (job.error or "")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_killed_child_is_reported_as_failed(small_mnist: Path, tmp_path: Path) -> None:
    job = start_job(_spec(small_mnist, tmp_path / "out", epochs=50))
    while not job.history and job.wait(0.1) == "running":
        pass
    os.kill(job.process.pid, signal.SIGKILL)
    assert job.wait(30) == "failed"
    assert "stopped unexpectedly" in (job.error or "") and not (tmp_path / "out").exists()


def test_new_bundle_names_never_overwrite(tmp_path: Path) -> None:
    (tmp_path / "kana").mkdir()
    (tmp_path / "kana-2").mkdir()
    assert unique_bundle_dir(tmp_path, "kana") == tmp_path / "kana-3"
    assert unique_bundle_dir(tmp_path, "new") == tmp_path / "new"
