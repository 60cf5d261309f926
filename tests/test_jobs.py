"""Background jobs in a spawned process: progress, results, cancel, failures, crashes."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import fields
from pathlib import Path

import pytest

from core.bundle import load_bundle
from core.samples import SampleStore
from tests.datagen import write_mnist_like
from tests.strokefont import writer_samples
from training.augment import AugmentConfig
from training.config import TrainConfig
from training.adapt import AdaptResult
from training.evaluate import judge_run
from training.events import (BatchEvent, EpochEvent, ErrorEvent, EventError, FinetuneJobConfig, FinetuneJobResult,
                             FinishedEvent, LogEvent, StageEvent, TrainJobResult, parse_event)
from training.jobs import Job, JobSpec, personal_bundle_out, start_job, unique_bundle_dir
from training.train import run_dir_for
from training.verdict import RunVerdict

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def small_mnist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_mnist_like(tmp_path_factory.mktemp("jobdata") / "mnist", n_train=600, n_test=100)


@pytest.fixture(scope="module")
def finished_job(small_mnist: Path, tmp_path_factory: pytest.TempPathFactory) -> Job:
    """One real two-epoch training job, run to the end (shared: spawning TensorFlow costs seconds)."""
    job = start_job(_spec(small_mnist, tmp_path_factory.mktemp("trained") / "out"))
    job.wait(240)
    return job


def _spec(data: Path, out: Path, epochs: int = 2) -> JobSpec:
    config = TrainConfig(data=str(data), out=str(out), epochs=epochs, batch_size=32, validation_size=100,
                         augment=AugmentConfig(rotation_deg=5, zoom=0.05, translation=0.05, shear=0.05))
    return JobSpec("train", config, "test job")


def _wait_for(job: Job, kind: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not any(e.event == kind for e in job.history) and job.running and time.monotonic() < deadline:
        job.poll()
        time.sleep(0.02)


@pytest.mark.slow  # trains a model: tens of seconds on 2 cores
def test_a_train_job_reports_progress_and_writes_a_bundle(finished_job: Job) -> None:
    job = finished_job
    assert job.state == "finished", job.error
    kinds = [e.event for e in job.history]
    assert "stage" in kinds and "start" in kinds and "batch" in kinds and kinds.count("epoch") == 2
    assert kinds[-1] == "finished"
    epochs = [e for e in job.history if isinstance(e, EpochEvent)]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(epochs[-1].logs)
    batches = [e for e in job.history if isinstance(e, BatchEvent)]
    assert all(0 < e.batch <= (e.steps or 0) for e in batches)
    assert all(e.t is not None for e in job.history if isinstance(e, (StageEvent, EpochEvent)))  # stamped by the child
    out = job.spec.out
    assert isinstance(job.result, TrainJobResult) and Path(job.result.bundle) == out and job.result.name == "out"
    assert job.result.val_top1 is not None and 0.0 <= job.result.val_top1 <= 1.0
    assert load_bundle(out).labels == tuple("0123456789")
    assert not run_dir_for(out).exists()  # checkpoints are cleaned up after a finished run


@pytest.mark.slow  # trains a model: tens of seconds on 2 cores
def test_cancel_stops_quickly_and_keeps_the_old_model(small_mnist: Path, tiny_bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    shutil.copytree(tiny_bundle, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    job = start_job(_spec(small_mnist, out, epochs=50))
    _wait_for(job, "batch")
    assert job.running, job.error
    asked = time.monotonic()
    job.cancel()
    assert job.wait(15) == "cancelled"
    assert time.monotonic() - asked < 15
    assert "cancelled" in (job.error or "").lower()
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    job.process.join(30)  # the cancel was seen in time (above); exiting may wait for a loaded CPU
    assert job.process.exitcode == 0  # it stopped by itself, cleanly
    assert not run_dir_for(out).exists()  # and left no checkpoints behind


def test_a_bad_dataset_fails_with_its_message(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    job = start_job(_spec(tmp_path / "empty", tmp_path / "out"))
    assert job.wait(120) == "failed"
    assert "holds no dataset" in (job.error or "")
    error = next(e for e in job.history if isinstance(e, ErrorEvent))
    assert error.kind == "DatasetError"
    assert not (tmp_path / "out").exists()


def test_a_killed_child_is_reported_as_failed(small_mnist: Path, tmp_path: Path) -> None:
    job = start_job(_spec(small_mnist, tmp_path / "out", epochs=50))
    _wait_for(job, "log")  # the child is up and running the job
    os.kill(job.process.pid, signal.SIGKILL)
    assert job.wait(30) == "failed"
    assert "stopped unexpectedly" in (job.error or "") and "signal 9" in (job.error or "")
    assert not (tmp_path / "out").exists() and not run_dir_for(tmp_path / "out").exists()


@pytest.mark.slow  # trains a model: tens of seconds on 2 cores
def test_a_finetune_job_adds_classes_and_leaves_the_base_alone(finished_job: Job, tmp_path: Path) -> None:
    base = finished_job.spec.out
    before = {p.name: p.read_bytes() for p in base.iterdir() if p.is_file()}
    with SampleStore(tmp_path / "samples.sqlite3") as store:
        for ink in writer_samples(2, seed=3, slant=0.3, squash=0.8):
            store.add(ink, str(ink.label), "out")
        for ink in writer_samples(1, seed=4, slant=0.0, squash=1.0)[:6]:
            store.add(ink, "T", "out")  # a label the model does not know
    out = personal_bundle_out("out", tmp_path / "models")
    job = start_job(JobSpec("finetune", FinetuneJobConfig(base=str(base), samples=str(tmp_path / "samples.sqlite3"),
                                                          epochs=1, add_labels=True, out=str(out)), "fine-tune"))
    assert job.wait(240) == "finished", job.error
    result = job.result
    assert isinstance(result, FinetuneJobResult) and Path(result.bundle) == out == tmp_path / "models" / "out-personal-1"
    assert result.new_labels == ("T",) and isinstance(result.recommended, bool) and result.reason
    assert Path(result.base) == base and 0.0 <= result.base_top1_after <= 1.0
    assert load_bundle(out).labels == (*"0123456789", "T")
    assert {p.name: p.read_bytes() for p in base.iterdir() if p.is_file()} == before
    assert any(isinstance(e, EpochEvent) for e in job.history)


@pytest.mark.slow  # trains a model: tens of seconds on 2 cores
def test_a_finetune_job_with_too_few_samples_fails_saying_so(finished_job: Job, tmp_path: Path) -> None:
    with SampleStore(tmp_path / "samples.sqlite3") as store:
        for ink in writer_samples(1, seed=3, slant=0.0, squash=1.0)[:4]:
            store.add(ink, str(ink.label), "out")
    job = start_job(JobSpec("finetune", FinetuneJobConfig(base=str(finished_job.spec.out), epochs=1,
                                                          samples=str(tmp_path / "samples.sqlite3"),
                                                          out=str(tmp_path / "p"))))
    assert job.wait(120) == "failed"
    assert "there are 4" in (job.error or "") and "Write 6 more" in (job.error or ""), job.error
    assert not (tmp_path / "p").exists()


@pytest.mark.slow
def test_a_job_stops_by_itself_when_the_app_dies(small_mnist: Path, tmp_path: Path) -> None:
    out = tmp_path / "orphan"
    config = _spec(small_mnist, out, epochs=500).config.to_json()
    script = (f"import sys, time; sys.path.insert(0, {str(REPO)!r})\n"
              "from training.config import TrainConfig\n"
              "from training.jobs import JobSpec, start_job\n"
              f"job = start_job(JobSpec('train', TrainConfig.from_json({config!r})))\n"
              "print(job.process.pid, flush=True)\n"
              "while not any(e.event == 'batch' for e in job.history): job.poll(); time.sleep(0.05)\n"
              "print('training', flush=True)\n"
              "time.sleep(600)\n")
    app = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(app.stdout.readline())
    assert app.stdout.readline().strip() == "training"
    app.kill()  # no chance to clean up: the child is orphaned
    app.wait()
    deadline = time.monotonic() + 30
    while _pid_alive(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _pid_alive(child)
    assert not out.exists()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())


def test_unknown_job_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="kind='evaluate'"):
        JobSpec("evaluate", TrainConfig(data="d", out="o"))
    with pytest.raises(TypeError, match="A finetune job takes a FinetuneJobConfig. Received: config of type dict"):
        JobSpec("finetune", {"base": "b", "samples": "s"})  # type: ignore[arg-type]


def test_planned_epochs_count_every_stage() -> None:
    assert JobSpec("train", TrainConfig(data="d", out="o", backbone="mobilenet-v2",
                                         weights="imagenet", epochs=3, stage2_epochs=2)).planned_epochs == 5
    assert JobSpec("finetune", FinetuneJobConfig(base="b", samples="s", epochs=4)).planned_epochs == 4
    assert JobSpec("finetune", FinetuneJobConfig(base="b", samples="s")).planned_epochs == 0


def test_the_finetune_config_is_checked_when_made() -> None:
    config = FinetuneJobConfig.from_json({"base": "b", "samples": "s", "epochs": 3, "add_labels": False})
    assert FinetuneJobConfig.from_json(config.to_json()) == config
    with pytest.raises(EventError, match=r"epochs must be an integer or null. Received: epochs='3'"):
        FinetuneJobConfig(base="b", samples="s", epochs="3")  # type: ignore[arg-type]
    with pytest.raises(EventError, match=r"needs the keys \['base', 'samples'\].*Received keys \['base', 'sample'\]"):
        FinetuneJobConfig.from_json({"base": "b", "sample": "s"})
    with pytest.raises(EventError, match="add_labels must be true or false"):
        FinetuneJobConfig.from_json({"base": "b", "samples": "s", "add_labels": "yes"})


def test_events_survive_their_json_form() -> None:
    for event in (StageEvent("Reading data", 2, t=1.5), BatchEvent(3, 10, {"loss": float("nan")}, 1),
                  EpochEvent(1, 4, {"accuracy": 0.5}), ErrorEvent("bad", kind="DatasetError"), LogEvent("hi")):
        back = parse_event(event.to_json())
        assert type(back) is type(event) and back.to_json().keys() == event.to_json().keys()
    assert parse_event(EpochEvent(1, 4, {"accuracy": 0.5}).to_json()) == EpochEvent(1, 4, {"accuracy": 0.5})


@pytest.mark.parametrize("raw, message", [
    ({"event": "epoch"}, r"A 'epoch' event needs the keys \['epoch'\]"),
    ({"event": "batch", "batch": "3"}, r"batch must be an integer. Received: batch='3'"),
    ({"event": "epoch", "epoch": 1, "logs": {"loss": "high"}}, r"logs\['loss'\] must be a number"),
    ({"event": "finished", "result": {"val_top1": 0.9}}, r"Unknown job result kind. Received: kind=None"),
    ({"event": "progress"}, r"Unknown event kind. Received: event='progress'"),
    ([1, 2], r"An event must be an object"),
])
def test_a_malformed_event_is_one_line_naming_what_was_wrong(raw: object, message: str) -> None:
    with pytest.raises(EventError, match=message) as caught:
        parse_event(raw)
    assert "\n" not in str(caught.value)


class _FakeProcess:
    def __init__(self) -> None:
        self.terminated = False

    def is_alive(self) -> bool:
        return not self.terminated

    def terminate(self) -> None:
        self.terminated = True

    def join(self, timeout: float | None = None) -> None:
        pass


class _FakeQueue:
    def __init__(self, items: list[object]) -> None:
        self.items = items

    def get_nowait(self) -> object:
        import queue

        if not self.items:
            raise queue.Empty
        return self.items.pop(0)


class _FakeStop:
    def set(self) -> None:
        pass


def test_a_malformed_event_from_the_child_fails_the_job_in_one_line(tmp_path: Path) -> None:
    """The parent parses what crosses the process boundary: a bad event is a failed job, not a KeyError."""
    spec = _spec(tmp_path / "data", tmp_path / "out")
    process = _FakeProcess()
    job = Job(spec, process, _FakeQueue([{"event": "log", "text": "Started"}, {"event": "epoch", "epochs": 3}]),
              _FakeStop())
    events = job.poll()
    assert [type(e) for e in events] == [LogEvent, ErrorEvent]
    assert job.state == "failed" and process.terminated  # the child is stopped too
    assert job.error is not None and "\n" not in job.error
    assert "cannot read" in job.error and "A 'epoch' event needs the keys ['epoch']" in job.error


def _train_result() -> TrainJobResult:
    return TrainJobResult("/models/small", "small", 12.5, val_top1=0.0983, test_top1=0.1139,
                          verdict=judge_run(0.1139, 10, 150, 3, 32))


def _finetune_result() -> FinetuneJobResult:
    adapt = AdaptResult(0.5, 0.9, 0.99, 0.988, 3.0, ("鷗",), True, "better", ("ab",), 40, 12, 0.75, "better", 0.5)
    return FinetuneJobResult.from_json({**adapt.to_json(), "bundle": "/models/d-personal-1",
                                        "name": "d-personal-1", "base": "/models/d"})


def test_job_results_survive_their_json_form() -> None:
    """What the child sends (through JSON, as a log or a pipe would carry it) reads back field for field."""
    for result in (_train_result(), TrainJobResult("/m/x", "x", 1.0), _finetune_result()):
        raw = json.loads(json.dumps(FinishedEvent(result, t=2.0).to_json(), allow_nan=False))
        assert raw["result"]["kind"] == result.kind
        assert parse_event(raw) == FinishedEvent(result, t=2.0)
    finetune = _finetune_result()
    assert finetune.new_labels == ("鷗",) and finetune.refused_labels == ("ab",) and finetune.held_out_samples == 12
    verdict = _train_result().verdict
    assert verdict is not None and verdict.near_chance and verdict.causes == ("few_samples", "short_run")


def test_a_finetune_result_has_every_field_adapt_result_sends() -> None:
    """The job sends ``AdaptResult.to_json()``: a field added there must be added to the typed result too."""
    sent = set(AdaptResult(None, None, 0.9, 0.9, 1.0, (), False, "").to_json())
    assert sent | {"bundle", "name", "base"} == {f.name for f in fields(FinetuneJobResult)}


_TRAIN = {"kind": "train", "bundle": "/models/mine", "name": "mine", "seconds": 3.0, "val_top1": 0.9}


@pytest.mark.parametrize("result, message", [
    ({k: v for k, v in _TRAIN.items() if k != "bundle"}, r"A train job's result needs the keys \['bundle', 'name', "
                                                           r"'seconds'\]"),
    ({**_TRAIN, "val_top1": "0.9"}, r"val_top1 must be a number or null. Received: val_top1='0.9'"),
    ({**_TRAIN, "kind": "evaluate"}, r"Unknown job result kind. Received: kind='evaluate'"),
    ({**_TRAIN, "verdict": {**judge_run(0.1, 10, 150, 3, 32).to_json(), "causes": ["bad"]}}, r"verdict.causes must"),
    ({**_TRAIN, "verdict": {"near_chance": True}}, r"A run verdict needs the keys"),
    ({**_finetune_result().to_json(), "recommended": "yes"}, r"recommended must be true or false"),
    ({**_finetune_result().to_json(), "new_labels": "鷗"}, r"new_labels must be a list of strings"),
])
def test_a_malformed_result_fails_the_job_in_one_line(tmp_path: Path, result: dict[str, object], message: str) -> None:
    kind = str(result["kind"]) if result["kind"] in ("train", "finetune") else "train"
    spec = _spec(tmp_path / "data", tmp_path / "out") if kind == "train" else JobSpec(
            "finetune", FinetuneJobConfig(base="b", samples="s"))
    process = _FakeProcess()
    job = Job(spec, process, _FakeQueue([{"event": "finished", "result": result}]), _FakeStop())
    assert [type(e) for e in job.poll()] == [ErrorEvent]
    assert job.state == "failed" and job.result is None and process.terminated
    assert job.error is not None and "\n" not in job.error and "cannot read" in job.error
    assert re.search(message, job.error), job.error


@pytest.mark.parametrize("change", [{"near_chance": "false"}, {"classes": 10.7}, {"top1": "0.9"}, {"causes": "bad"}])
def test_a_verdict_is_read_back_only_as_it_was_sent(change: dict[str, object]) -> None:
    verdict = judge_run(0.1, 10, 150, 3, 32)
    assert RunVerdict.from_json(json.loads(json.dumps(verdict.to_json()))) == verdict
    with pytest.raises(EventError, match="verdict"):  # "false" was read as True, 10.7 classes as 10
        RunVerdict.from_json({**verdict.to_json(), **change})


def test_a_result_of_the_other_kind_fails_the_job(tmp_path: Path) -> None:
    """A train job that reports a fine-tune's result would be offered with the wrong dialog: refused."""
    job = Job(_spec(tmp_path / "data", tmp_path / "out"), _FakeProcess(),
              _FakeQueue([FinishedEvent(_finetune_result()).to_json()]), _FakeStop())
    job.poll()
    assert job.state == "failed" and job.error is not None
    assert "A train job's result must be of its kind. Received: kind='finetune'" in job.error
    good = Job(_spec(tmp_path / "data", tmp_path / "out"), _FakeProcess(),
               _FakeQueue([FinishedEvent(_train_result()).to_json()]), _FakeStop())
    good.poll()
    assert good.state == "finished" and good.result == _train_result()


def test_new_bundle_names_never_overwrite(tmp_path: Path) -> None:
    (tmp_path / "kana").mkdir()
    (tmp_path / "kana-2").mkdir()
    assert unique_bundle_dir(tmp_path, "kana") == tmp_path / "kana-3"
    assert unique_bundle_dir(tmp_path, "new") == tmp_path / "new"
    assert unique_bundle_dir(tmp_path, "new", reserved={tmp_path / "new"}) == tmp_path / "new-2"
    run_dir_for(tmp_path / "half").mkdir()  # an interrupted run's checkpoints are not overwritten either
    assert unique_bundle_dir(tmp_path, "half") == tmp_path / "half-2"
    (tmp_path / "digits-personal-1").mkdir()
    assert personal_bundle_out("digits", tmp_path) == tmp_path / "digits-personal-2"
    assert personal_bundle_out("digits", tmp_path, {tmp_path / "digits-personal-2"}) == tmp_path / "digits-personal-3"
