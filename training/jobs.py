"""Training and fine-tuning as background jobs in a separate, spawned process.

The parent (the app) never imports TensorFlow: the child does, after ``spawn`` (a forked
child of a process that loaded TensorFlow deadlocks). Progress comes back as plain dicts
through a queue; ``Job.poll`` never blocks, so a GUI can call it from a timer. Cancelling
sets an event the training loop checks after every batch; a child that does not stop
within the grace period is terminated. Either way nothing is written: bundles are written
atomically at the very end of a run, so a cancelled or failed job leaves every model as it was.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Seconds a cancelled child gets to stop by itself before it is terminated.
CANCEL_GRACE = 10.0
#: Batch events are forwarded at most this often (seconds), epochs and stages always.
BATCH_INTERVAL = 0.1


@dataclass(frozen=True)
class JobSpec:
    """What to run.

    Attributes:
        kind: ``"train"`` (``config`` is a ``TrainConfig`` as JSON) or ``"finetune"``
            (``config`` holds ``base``, ``samples``, optional ``holdout``, ``out``,
            ``epochs`` and ``add_labels``).
        config: The JSON-able settings.
        title: How the job is named in the Jobs window.
    """

    kind: str
    config: dict[str, Any]
    title: str = ""


@dataclass
class Job:
    """A running or finished job in a child process."""

    spec: JobSpec
    process: Any
    events: Any
    stop: Any
    started: float = field(default_factory=time.time)
    state: str = "running"
    result: dict[str, Any] | None = None
    error: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    _cancel_at: float | None = None

    def poll(self) -> list[dict[str, Any]]:
        """Events that arrived since the last call (never blocks); updates ``state``."""
        new: list[dict[str, Any]] = []
        while True:
            try:
                new.append(self.events.get_nowait())
            except queue.Empty:
                break
            except (EOFError, OSError):
                break
        for event in new:
            self._apply(event)
        if self.state == "running" and not self.process.is_alive():
            self._finish_dead_child(new)
        if self.state == "running" and self._cancel_at and time.time() - self._cancel_at > CANCEL_GRACE:
            self.process.terminate()
            self.process.join(5)
            self._set("cancelled", None, "Cancelled (the job was stopped).")
            new.append({"event": "cancelled", "message": self.error})
        self.history += new
        return new

    def _finish_dead_child(self, new: list[dict[str, Any]]) -> None:
        time.sleep(0.05)  # let the queue's feeder thread hand over the last events
        try:
            while True:
                event = self.events.get_nowait()
                new.append(event)
                self._apply(event)
        except (queue.Empty, EOFError, OSError):
            pass
        if self.state == "running":
            code = self.process.exitcode
            message = (f"The training process stopped unexpectedly (exit code {code}). No model was "
                       f"written or replaced.")
            self._set("failed", None, message)
            new.append({"event": "error", "message": message, "kind": "crash"})

    def _apply(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "finished":
            self._set("finished", event.get("result"), None)
        elif kind == "cancelled":
            self._set("cancelled", None, event.get("message"))
        elif kind == "error":
            self._set("failed", None, event.get("message"))

    def _set(self, state: str, result: dict[str, Any] | None, error: str | None) -> None:
        if self.state == "running":
            self.state, self.result, self.error = state, result, error

    def cancel(self) -> None:
        """Asks the job to stop; it is terminated if it has not stopped after ``CANCEL_GRACE`` s."""
        if self.state == "running":
            self.stop.set()
            self._cancel_at = self._cancel_at or time.time()

    def wait(self, timeout: float | None = None) -> str:
        """Polls until the job ends or ``timeout`` seconds pass; returns the state."""
        deadline = None if timeout is None else time.time() + timeout
        while self.state == "running" and (deadline is None or time.time() < deadline):
            self.poll()
            time.sleep(0.05)
        return self.state

    @property
    def running(self) -> bool:
        return self.state == "running"


def start_job(spec: JobSpec) -> Job:
    """Starts ``spec`` in a new spawned process and returns at once."""
    context = mp.get_context("spawn")
    events = context.Queue()
    stop = context.Event()
    process = context.Process(target=run_job, args=(spec, events, stop), name=f"mojiyomi-{spec.kind}",
                              daemon=True)
    process.start()
    return Job(spec, process, events, stop)


def run_job(spec: JobSpec, events: Any, stop: Any) -> None:
    """The child's entry point: runs the job and reports everything through ``events``."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    last_batch = [0.0]

    def report(event: dict[str, Any]) -> None:
        if event.get("event") == "batch":
            now = time.monotonic()
            if now - last_batch[0] < BATCH_INTERVAL:
                return
            last_batch[0] = now
        events.put(_plain(event))

    try:
        events.put({"event": "log", "text": f"Started {spec.kind} job (process {os.getpid()})"})
        result = _run(spec, report, stop.is_set)
        events.put({"event": "finished", "result": _plain(result)})
    except Exception as exc:  # every failure must reach the parent as a message
        from core.errors import MojiyomiError
        from training.train import Cancelled

        if isinstance(exc, Cancelled):
            events.put({"event": "cancelled", "message": str(exc)})
        else:
            known = isinstance(exc, (MojiyomiError, ValueError, OSError))
            events.put({"event": "error", "kind": type(exc).__name__,
                        "message": str(exc) if known else f"{type(exc).__name__}: {exc}",
                        "traceback": traceback.format_exc()})
    finally:
        events.close()
        events.join_thread()


def _run(spec: JobSpec, report: Any, should_stop: Any) -> dict[str, Any]:
    if spec.kind == "train":
        from training.config import TrainConfig
        from training.train import train

        config = TrainConfig.from_json(spec.config)
        result = train(config, report, should_stop, command=f"mojiyomi app: Training > Train new model ({config.out})")
        return {"bundle": str(result.bundle), "val_top1": result.val_top1, "test_top1": result.test_top1,
                "seconds": result.seconds}
    if spec.kind == "finetune":
        return _finetune(spec.config, report, should_stop)
    raise ValueError(f"Unknown job kind. Received: {spec.kind!r}, expected train or finetune")


def _finetune(config: dict[str, Any], report: Any, should_stop: Any) -> dict[str, Any]:
    from core.bundle import load_bundle
    from training.adapt import AdaptConfig
    from training.finetune import finetune, read_samples

    base = load_bundle(config["base"])
    samples = read_samples(config["samples"])
    if not config.get("add_labels", True):
        samples = [ink for ink in samples if ink.label in base.labels]
    holdout = read_samples(config["holdout"]) if config.get("holdout") else None
    adapt = AdaptConfig(epochs=int(config["epochs"])) if config.get("epochs") else AdaptConfig()
    report({"event": "stage", "text": f"Fine-tuning {base.title} on {len(samples)} samples"})
    outcome = finetune(base, samples, holdout, adapt, Path(config["out"]) if config.get("out") else None,
                       report, should_stop, command="mojiyomi app: Training > Fine-tune on my handwriting")
    return {**outcome.result.to_json(), "bundle": str(outcome.bundle)}


def _plain(value: Any) -> Any:
    """A copy with only JSON-able values (NumPy scalars become floats)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def unique_bundle_dir(root: Path, name: str) -> Path:
    """``root/name``, or ``root/name-2``, ``-3``... if that exists (never overwrite a model)."""
    candidate, n = root / name, 2
    while candidate.exists():
        candidate, n = root / f"{name}-{n}", n + 1
    return candidate
