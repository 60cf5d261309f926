"""Training and fine-tuning as background jobs in a separate, spawned process.

The parent (the app) never imports TensorFlow: the child does, after ``spawn`` (a forked
child of a process that loaded TensorFlow deadlocks). Progress comes back through a queue
as the ``to_json`` dicts of ``training.events``' typed events, and is parsed back into them
on arrival (``parse_event``): a malformed event fails the job with one line. ``Job.poll``
never blocks, so a GUI can call it from a timer. Cancelling
sets an event the training loop checks after every batch; a child that does not stop
within the grace period is terminated. Either way nothing is written: bundles are written
atomically at the very end of a run, so a cancelled or failed job leaves every model as it was.

Events: the progress events of ``training.train`` (``StageEvent``, ``StartEvent``,
``BatchEvent``, ``EpochEvent``, ``DoneEvent``) plus ``LogEvent``, ``ErrorEvent``,
``CancelledEvent`` and ``FinishedEvent`` (with the job's result).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import shutil
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from training.bundle_names import personal_bundle_out, unique_bundle_dir
from training.config import TrainConfig
from training.events import (BatchEvent, CancelledEvent, ErrorEvent, Event, EventError, FinetuneJobConfig,
                             FinetuneJobResult, FinishedEvent, JobResult, LogEvent, Reporter, StageEvent,
                             TrainJobResult, parse_event)

__all__ = ["FinetuneJobConfig", "Job", "JobSpec", "personal_bundle_out", "start_job", "unique_bundle_dir"]

log = logging.getLogger(__name__)

#: Seconds a cancelled child gets to stop by itself before it is terminated.
CANCEL_GRACE = 10.0
#: Batch events are forwarded at most this often (seconds); epochs and stages always.
BATCH_INTERVAL = 0.1
#: A child that exited without a last word is declared failed after this many seconds
#: (its final events may still be in the pipe for a moment; polling never waits for them).
DEAD_CHILD_GRACE = 0.5
#: How often the child checks that the app that started it is still alive (seconds).
PARENT_CHECK = 1.0
#: How much lower than the app's the job's CPU priority is (POSIX ``nice``).
NICENESS = 10
#: Each job kind's config type.
KINDS: dict[str, type] = {"train": TrainConfig, "finetune": FinetuneJobConfig}


@dataclass(frozen=True)
class JobSpec:
    """What to run.

    Attributes:
        kind: ``"train"`` (``config`` is a ``TrainConfig``) or ``"finetune"`` (a
            ``FinetuneJobConfig``).
        config: The settings, of the kind's type.
        title: How the job is named in the Jobs window.
    """

    kind: str
    config: TrainConfig | FinetuneJobConfig
    title: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Unknown job kind. Received: kind={self.kind!r}, expected one of {tuple(KINDS)}")
        if not isinstance(self.config, KINDS[self.kind]):
            raise TypeError(f"A {self.kind} job takes a {KINDS[self.kind].__name__}. "
                            f"Received: config of type {type(self.config).__name__}")

    @property
    def out(self) -> Path | None:
        """Where the job's bundle will be written (None: chosen by the job)."""
        return Path(self.config.out) if self.config.out else None

    @property
    def planned_epochs(self) -> int:
        """Epochs of all stages together, as configured (early stopping may end sooner)."""
        if isinstance(self.config, TrainConfig):
            return self.config.epochs + self.config.stage2_epochs
        return self.config.epochs or 0


@dataclass
class Job:
    """A running or finished job in a child process (create it with ``start_job``).

    Attributes:
        state: ``"running"``, ``"finished"``, ``"failed"`` or ``"cancelled"``.
        result: The ``finished`` event's result: a ``TrainJobResult`` for a train job, a
            ``FinetuneJobResult`` for a fine-tune job.
        error: Why a failed or cancelled job stopped.
        history: Every event received so far, in order.
    """

    spec: JobSpec
    process: Any
    events: Any
    stop: Any
    started: float = field(default_factory=time.time)
    state: str = "running"
    result: JobResult | None = None
    error: str | None = None
    history: list[Event] = field(default_factory=list)
    ended: float | None = None
    _cancel_at: float | None = None
    _dead_at: float | None = None

    def poll(self) -> list[Event]:
        """Events that arrived since the last call; never blocks. Updates ``state``.

        Returns:
            The new events, including an ``error`` event made up here when the child died
            without saying why, and a ``cancelled`` one when it had to be terminated.
        """
        new = self._drain()
        if self.state == "running" and not self.process.is_alive():
            self._dead_at = self._dead_at or time.monotonic()
            if time.monotonic() - self._dead_at >= DEAD_CHILD_GRACE:
                new += self._drain()
                if self.state == "running":
                    new.append(self._died())
        if self.state == "running" and self._cancel_at and time.monotonic() - self._cancel_at > CANCEL_GRACE:
            self.process.terminate()
            self.process.join(1)
            discard_run(self.spec)
            new.append(self._record(CancelledEvent("Cancelled: the job did not stop by itself and was terminated. "
                                                   "No model was written or replaced.")))
        return new

    def _drain(self) -> list[Event]:
        new: list[Event] = []
        while True:
            try:
                raw = self.events.get_nowait()
            except (queue.Empty, EOFError, OSError):
                break
            new.append(self._record(self._parse(raw)))
        return new

    def _parse(self, raw: Any) -> Event:
        """The typed event the child sent; a malformed one stops the job (a bug, said in one line)."""
        try:
            event = parse_event(raw)
            if isinstance(event, FinishedEvent) and event.result.kind != self.spec.kind:
                raise EventError(f"A {self.spec.kind} job's result must be of its kind. "
                                 f"Received: kind={event.result.kind!r}")
            return event
        except EventError as exc:
            log.error("malformed event from the %s job: %r", self.spec.kind, raw)
            self._stop_now()
            return ErrorEvent(f"The training process sent an event this app cannot read, so the job was stopped. "
                              f"No model was written or replaced. {exc}", kind="protocol")

    def _stop_now(self) -> None:
        self.stop.set()
        self.process.terminate()
        self.process.join(2)
        discard_run(self.spec)

    def _died(self) -> Event:
        discard_run(self.spec)
        code = self.process.exitcode
        how = f"was killed by signal {-code}" if code is not None and code < 0 else f"exited with code {code}"
        message = f"The training process stopped unexpectedly (it {how}). No model was written or replaced."
        return self._record(ErrorEvent(message, kind="crash"))

    def _record(self, event: Event) -> Event:
        if isinstance(event, FinishedEvent):
            self._end("finished", event.result, None)
        elif isinstance(event, CancelledEvent):
            self._end("cancelled", None, event.message)
        elif isinstance(event, ErrorEvent):
            self._end("failed", None, event.message)
        self.history.append(event)
        return event

    def _end(self, state: str, result: JobResult | None, error: str | None) -> None:
        if self.state == "running":
            self.state, self.result, self.error, self.ended = state, result, error, time.time()

    def cancel(self) -> None:
        """Asks the job to stop; it is terminated if still running ``CANCEL_GRACE`` s later."""
        if self.state == "running":
            self.stop.set()
            self._cancel_at = self._cancel_at or time.monotonic()

    def kill(self) -> None:
        """Stops the child at once (the app is quitting); the job ends as cancelled."""
        if self.state == "running":
            self._stop_now()
            self._record(CancelledEvent("Cancelled when the app quit. No model was written."))

    def wait(self, timeout: float | None = None) -> str:
        """Polls until the job ends or ``timeout`` seconds pass (blocks: not for the GUI thread).

        Returns:
            The state after waiting.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.state == "running" and (deadline is None or time.monotonic() < deadline):
            self.poll()
            time.sleep(0.05)
        return self.state

    @property
    def running(self) -> bool:
        """Whether the job has not ended yet."""
        return self.state == "running"

    @property
    def cancelling(self) -> bool:
        """Whether a cancel was asked for and the job has not stopped yet."""
        return self.running and self._cancel_at is not None


def start_job(spec: JobSpec) -> Job:
    """Starts ``spec`` in a new spawned process and returns at once.

    Args:
        spec: What to run.

    Returns:
        The running job; call ``poll`` regularly to receive its events.
    """
    context = mp.get_context("spawn")
    events = context.Queue()
    stop = context.Event()
    process = context.Process(target=run_job, args=(spec, events, stop, os.getpid()),
                              name=f"mojiyomi-{spec.kind}", daemon=True)
    process.start()
    return Job(spec, process, events, stop)


def run_job(spec: JobSpec, events: Any, stop: Any, parent_pid: int | None = None) -> None:
    """The child's entry point: runs the job and reports everything through ``events``."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _lower_priority()
    if parent_pid is not None:
        _watch_parent(parent_pid, stop)
    try:
        events.put(LogEvent(f"Started {spec.kind} job (process {os.getpid()})").to_json())
        result = _run(spec, _reporter(events), stop.is_set)
        events.put(FinishedEvent(result).to_json())
    except Exception as exc:  # every failure must reach the parent as a message
        discard_run(spec)
        events.put(_failure_event(exc).to_json())
    finally:
        events.close()
        events.join_thread()


def _reporter(events: Any) -> Reporter:
    """Puts progress events on the queue (as dicts, stamped), thinning batch events to ``BATCH_INTERVAL``."""
    last_batch = [0.0]

    def report(event: Event) -> None:
        if isinstance(event, BatchEvent):
            now = time.monotonic()
            if now - last_batch[0] < BATCH_INTERVAL:
                return
            last_batch[0] = now
        events.put(replace(event, t=time.time()).to_json())

    return report


def _failure_event(exc: Exception) -> Event:
    from core.errors import MojiyomiError
    from training.cancel import Cancelled

    if isinstance(exc, Cancelled):
        return CancelledEvent(str(exc))
    # Errors a user can cause carry a message meant for them; anything else is a bug,
    # named by its type so the report is useful.
    known = isinstance(exc, (MojiyomiError, ValueError, OSError))
    return ErrorEvent(str(exc) if known else f"{type(exc).__name__}: {exc}", kind=type(exc).__name__,
                      traceback=traceback.format_exc())


def _lower_priority() -> None:
    """Lets the app's window go first: training takes every core, the UI needs very little."""
    if hasattr(os, "nice"):
        try:
            os.nice(NICENESS)
        except OSError:
            log.debug("could not lower the job's priority", exc_info=True)


def _watch_parent(parent_pid: int, stop: Any) -> None:
    """Asks the job to stop if the app that started it disappears (killed, crashed).

    A spawned child is not killed with its parent when the parent dies abruptly; without
    this it would train on, unseen, and write a model nobody asked for any more.
    """
    def watch() -> None:
        while not stop.wait(PARENT_CHECK):
            if not _alive(parent_pid):
                stop.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # os.kill(pid, 0) would terminate the process on Windows
    if os.getppid() != pid:  # re-parented: the parent is gone
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run(spec: JobSpec, report: Reporter, should_stop: Callable[[], bool]) -> JobResult:
    if isinstance(spec.config, TrainConfig):
        from training.train import train

        config = spec.config
        result = train(config, report, should_stop,
                       command=f"mojiyomi app: Training > Train new model ({config.out})")
        from core.bundle import load_bundle
        from training.evaluate import bundle_verdict

        if result.bundle is None:  # only a non-chief worker of a distributed run writes nothing
            raise RuntimeError("The training run wrote no model")
        verdict = bundle_verdict(load_bundle(result.bundle)).to_json()
        # Through the dict form, so the child checks what the parent will check.
        return TrainJobResult.from_json(_plain({"bundle": str(result.bundle), "name": config.bundle_name,
                                                "val_top1": result.val_top1, "test_top1": result.test_top1,
                                                "seconds": result.seconds, "verdict": verdict}))
    return _finetune(spec.config, report, should_stop)


def _finetune(config: FinetuneJobConfig, report: Reporter, should_stop: Callable[[], bool]) -> FinetuneJobResult:
    from core.bundle import load_bundle
    from training.adapt import AdaptConfig
    from training.finetune import finetune, read_samples

    base = load_bundle(config.base)
    report(StageEvent("Reading your samples"))
    samples = read_samples(config.samples)
    if not config.add_labels:
        samples = [ink for ink in samples if ink.label in base.labels]
    holdout = read_samples(config.holdout) if config.holdout else None
    epochs = config.epochs
    adapt = AdaptConfig(epochs=epochs, large_head_epochs=epochs) if epochs else AdaptConfig()
    report(StageEvent(f"Fine-tuning {base.title} on {len(samples)} samples"))
    out = Path(config.out) if config.out else None
    outcome = finetune(base, samples, holdout, adapt, out, report, should_stop,
                       command="mojiyomi app: Training > Fine-tune on my handwriting")
    return FinetuneJobResult.from_json(_plain({**outcome.result.to_json(), "bundle": str(outcome.bundle),
                                               "name": outcome.bundle.name, "base": str(base.path)}))


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


def discard_run(spec: JobSpec) -> None:
    """Removes the checkpoints of a train job that will not finish.

    ``train`` keeps them so ``mojiyomi train --resume`` can continue; the app offers no
    resume, so a stopped job would only leave a hidden folder behind among the models.
    """
    from training.train import run_dir_for

    if spec.kind == "train" and spec.out is not None:
        shutil.rmtree(run_dir_for(spec.out), ignore_errors=True)

