"""A run's stages (every start and resume recorded, all in the bundle), the resumed epoch's label,
and backups taken inside a resumed epoch keeping that epoch."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.bundle import load_bundle
from tests.datagen import drawn_digits
from training.cli_train import TerminalProgress
from training.config import TrainConfig
from training.events import BatchEvent, EpochEvent, Event, StartEvent
from training.resume import read_resume_point
import training.stages
from training.stages import STAGES_FILE, begin_stage, read_stages, stage_reporter
from training.train import run_dir_for, train


def _old_run_folder(run_dir: Path, epoch: int = 2, batch: int = 499) -> Path:
    """A run folder as the code before stage lists left it: config and a backup, no stages.json."""
    (run_dir / "backup").mkdir(parents=True)
    TrainConfig(data="d.npz", out="runs/x").save(run_dir / "config.json")
    (run_dir / "backup" / "training_metadata.json").write_text(json.dumps({"epoch": epoch, "batch": batch}))
    return run_dir


def test_every_start_and_resume_is_a_stage(tmp_path: Path) -> None:
    run_dir = tmp_path / ".x.run"
    run_dir.mkdir()
    begin_stage(run_dir, "mojiyomi train --epochs 3", resumed=False).update(100.0, 1, 0)
    stages = begin_stage(run_dir, "mojiyomi train --epochs 3 --resume", resumed=True).update(50.5, batches=7)
    assert stages == read_stages(run_dir)
    assert [s.command for s in stages.stages] == ["mojiyomi train --epochs 3", "mojiyomi train --epochs 3 --resume"]
    assert [(s.seconds, s.resumed, s.epochs_done, s.batches) for s in stages.stages] == [
        (100.0, False, 1, 0), (50.5, True, 0, 7)]  # no backup in this folder: 0 epochs at the resume
    assert stages.total_seconds == 150.5 and stages.earlier is None
    assert all(s.hardware.endswith(tuple("0123456789")) and s.started.endswith("+00:00") for s in stages.stages)


def test_a_run_keeps_its_stage_list_in_memory_and_rewrites_it_whole(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Updates never read stages.json back: a list damaged (or removed) during the run is written whole again."""
    run_dir = tmp_path / ".x.run"
    run_dir.mkdir()
    begin_stage(run_dir, "first", resumed=False).update(30.0, 2, 0)
    log = begin_stage(run_dir, "second", resumed=True)
    reads: list[Path] = []
    real = training.stages.load_json

    def counted(path: Path, *args: Any, **kwargs: Any) -> Any:
        reads.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(training.stages, "load_json", counted)
    seen: list[Event] = []
    report = stage_reporter(log, seen.append, start=0.0)
    (run_dir / STAGES_FILE).write_text("{half a list")  # e.g. an editor or a sync tool touched it
    report(EpochEvent(epoch=3, logs={}))
    after_epoch = json.loads((run_dir / STAGES_FILE).read_text())
    (run_dir / STAGES_FILE).unlink()  # removed: the next update writes it again
    updated = log.update(90.0)
    assert reads == [] and len(seen) == 1
    assert [(s["command"], s["epochs_done"]) for s in after_epoch["stages"]] == [("first", 2), ("second", 3)]
    assert updated == read_stages(run_dir) and updated.stages[-1].seconds == 90.0
    assert updated.stages[0].seconds == 30.0


def test_a_run_folder_from_before_stage_lists_says_what_is_unknown(tmp_path: Path) -> None:
    run_dir = _old_run_folder(tmp_path / ".coverage.run")
    stages = begin_stage(run_dir, "mojiyomi train ... --resume", resumed=True).stages
    assert stages.earlier is not None and "earlier stages not recorded" in stages.earlier
    assert len(stages.stages) == 1 and stages.stages[0].epochs_done == 2  # where its backup stood:
    assert stages.stages[0].batches == 500  # Keras' "batch" 499 is the index of the last batch done
    assert read_stages(run_dir) == stages
    (run_dir / STAGES_FILE).write_text("{not json")  # a damaged list is treated as absent, never fatal
    assert read_stages(run_dir) is None


@pytest.mark.parametrize("metadata, expected", [
    (json.dumps({"epoch": 2, "batch": 499}), (2, 500)),  # Keras' batch backup: the index of the last batch done
    (json.dumps({"epoch": 1, "batch": 999, "batches_done": 1000, "order": "seeded"}), (1, 1000)),
    (json.dumps({"epoch": 1, "batch": 5, "batches_done": 6, "order": "other"}), (1, 0)),
    (json.dumps({"epoch": 3}), (0, 0)), ("[1]", (0, 0)), ('{"epoch": 3', (0, 0))])
def test_the_stage_list_reads_a_backup_as_the_resume_does(tmp_path: Path, metadata: str,
                                                          expected: tuple[int, int]) -> None:
    run_dir = _old_run_folder(tmp_path / ".x.run")
    (run_dir / "backup" / "training_metadata.json").write_text(metadata)
    stage = begin_stage(run_dir, "mojiyomi train ... --resume", resumed=True).stages.stages[-1]
    point = read_resume_point(run_dir / "backup", 7465, batch_backups=True, in_memory=False)
    assert (stage.epochs_done, stage.batches) == (point.epoch, point.batches_done) == expected


def test_the_progress_line_counts_a_resumed_runs_epochs_from_where_it_resumed() -> None:
    stream = io.StringIO()
    progress = TerminalProgress(stream)
    progress(StartEvent(3, 10, 1, first_epoch=1))
    progress(BatchEvent(5, 10, {"loss": 1.0}, 1))
    assert "epoch 2/3" in stream.getvalue() and "50.0%" in stream.getvalue()
    assert StartEvent.from_json(StartEvent(3, 10, first_epoch=1).to_json()).first_epoch == 1
    assert StartEvent.from_json({"event": "start", "epochs": 3}).first_epoch == 0


@pytest.fixture(scope="module")
def digits_npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    x, y = drawn_digits(900, seed=3)
    path = tmp_path_factory.mktemp("data") / "digits.npz"
    np.savez(path, x=x, y=y)
    return path


def _config(data: Path, out: Path, **changes: Any) -> TrainConfig:
    return TrainConfig(data=str(data), out=str(out), epochs=3, batch_size=32, validation_size=100,
                       learning_rate=3e-3).replace(**changes)


def _crash_in_epoch(epoch: int, batch: int) -> tuple[list[Event], Any]:
    events: list[Event] = []

    def report(event: Event) -> None:
        events.append(event)
        done = [e.epoch for e in events if isinstance(e, EpochEvent)]
        if isinstance(event, BatchEvent) and (done[-1] if done else starts(events)) == epoch - 1 \
                and event.batch == batch:
            raise KeyboardInterrupt("power cut")

    return events, report


def starts(events: list[Event]) -> int:
    first = [e for e in events if isinstance(e, StartEvent)]
    return first[-1].first_epoch if first else 0


@pytest.mark.slow  # trains a tiny model three times: about a minute on 2 cores
def test_a_resumed_runs_bundle_records_every_stage(digits_npz: Path, tmp_path: Path) -> None:
    out = tmp_path / "resumed"
    _, crash = _crash_in_epoch(2, 3)
    with pytest.raises(KeyboardInterrupt):
        train(_config(digits_npz, out), crash, command="first")
    run_dir = run_dir_for(out)
    old = tmp_path / ".old.run"
    shutil.copytree(run_dir, old)
    (old / STAGES_FILE).unlink()  # as the code before stage lists left its folders

    events: list[Event] = []
    result = train(_config(digits_npz, out), events.append, command="second", resume=True)
    starts_at = [e.first_epoch for e in events if isinstance(e, StartEvent)]
    assert starts_at == [1]  # the progress line then says "epoch 2/3"
    assert result.bundle is not None
    training = load_bundle(result.bundle).metadata["training"]
    stages = training["stages"]["stages"]
    assert [(s["command"], s["resumed"]) for s in stages] == [("first", False), ("second", True)]
    assert stages[0]["epochs_done"] == 1 and stages[1]["epochs_done"] == 3
    assert training["seconds"] == training["stages"]["total_seconds"] == round(sum(s["seconds"] for s in stages), 1)
    assert stages[0]["seconds"] > 0 and "earlier" not in training["stages"]

    shutil.rmtree(result.bundle)
    shutil.move(old, run_dir)
    result = train(_config(digits_npz, out), command="third", resume=True)
    assert result.bundle is not None
    training = load_bundle(result.bundle).metadata["training"]
    assert "earlier stages not recorded" in training["stages"]["earlier"]
    assert [s["command"] for s in training["stages"]["stages"]] == ["third"]


@pytest.mark.slow  # trains a tiny model twice: about 40 s on 2 cores
def test_backups_inside_a_resumed_epoch_keep_that_epoch(digits_npz: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import training.recipe

    monkeypatch.setattr(training.recipe, "BACKUP_STEPS", 2)  # batch backups in an epoch of 22 steps
    out = tmp_path / "twice"
    _, crash = _crash_in_epoch(2, 5)
    with pytest.raises(KeyboardInterrupt):
        train(_config(digits_npz, out), crash)
    meta = run_dir_for(out) / "backup" / "training_metadata.json"
    assert json.loads(meta.read_text())["epoch"] == 1
    _, crash_again = _crash_in_epoch(2, 9)  # killed again inside the same epoch, after more backups
    with pytest.raises(KeyboardInterrupt):
        train(_config(digits_npz, out), crash_again, resume=True)
    # Keras' own callback wrote {"epoch": 0} here: the next resume would have trained every epoch again.
    # The resumed fit began at batch 5 of that epoch (index 4): its second backup is of batch 8 (index 7).
    assert json.loads(meta.read_text()) == {"epoch": 1, "batch": 7, "batches_done": 8, "order": "seeded"}
