"""What crosses between a training job and whoever watches it: typed progress events (and, re-exported, the job results and config).

Training code reports progress as these frozen dataclasses (``Reporter``); the terminal
progress bar, the Jobs window and tests read their fields, never dict keys. A job runs in
a spawned child process and sends each event as its ``to_json()`` dict; the parent turns
it back with ``parse_event``, which checks every field's type, so an event that does not
fit is one ``EventError`` line instead of a ``KeyError`` deep in the window. A finished
job's result is typed the same way (``TrainJobResult``, ``FinetuneJobResult``: its
``"kind"`` key says which), so the window reads attributes, never ``.get`` with a default:
those and the fine-tune job's config live in ``training.job_results``, the field checks all
three use in ``training.wire``; the wire format is theirs.

This module imports neither TensorFlow nor Qt: both sides import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, TypeAlias

from training.job_results import (MAX_FINETUNE_EPOCHS, FinetuneJobConfig, FinetuneJobResult, JobResult, TrainJobResult,
                                  job_result)
from training.wire import (EventError, check_fields, check_int, check_logs, check_num, check_str, opt_int, opt_num,
                           opt_str, parse_tagged)

__all__ = ["BatchEvent", "CancelledEvent", "DoneEvent", "EpochEvent", "ErrorEvent", "Event", "EventError",
           "FinetuneJobConfig", "FinetuneJobResult", "FinishedEvent", "JobResult", "LogEvent", "MAX_FINETUNE_EPOCHS",
           "Reporter", "StageEvent", "StartEvent", "TrainJobResult", "fraction_done", "job_result", "parse_event",
           "seconds_left"]


@dataclass(frozen=True)
class _Base:
    """Fields every event has. ``t``: when the job's process sent it (unix time), if it did."""

    event: ClassVar[str]
    t: float | None = field(default=None, kw_only=True)

    def to_json(self) -> dict[str, Any]:
        """The dict sent between processes: ``{"event": kind, field: value...}``."""
        return {"event": self.event, **{f.name: getattr(self, f.name) for f in fields(self)}}


@dataclass(frozen=True)
class StageEvent(_Base):
    """A new phase of the run began (``text`` says which; ``stage`` 1 or 2 for a training stage)."""

    event: ClassVar[str] = "stage"
    text: str
    stage: int | None = None

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> StageEvent:
        """Checks and reads the dict form."""
        values = check_fields(cls, obj, ("text",))
        return cls(text=check_str(values["text"], "text"), stage=opt_int(values.get("stage"), "stage"),
                   t=opt_num(values.get("t"), "t"))


@dataclass(frozen=True)
class StartEvent(_Base):
    """Fitting of one stage starts: ``epochs`` planned of ``steps`` batches (None: unknown).

    ``first_epoch``: epochs already done before this start (a resumed run), so the next
    epoch is ``first_epoch + 1``; ``first_batch``: batches of that epoch done before it (a
    run resumed inside an epoch trains only the others).
    """

    event: ClassVar[str] = "start"
    epochs: int | None
    steps: int | None = None
    stage: int | None = None
    first_epoch: int = 0
    first_batch: int = 0

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> StartEvent:
        """Checks and reads the dict form."""
        values = check_fields(cls, obj, ("epochs",))
        return cls(epochs=opt_int(values["epochs"], "epochs"), steps=opt_int(values.get("steps"), "steps"),
                   stage=opt_int(values.get("stage"), "stage"), first_epoch=check_int(values.get("first_epoch", 0),
                                                                                  "first_epoch"),
                   first_batch=check_int(values.get("first_batch", 0), "first_batch"), t=opt_num(values.get("t"), "t"))


@dataclass(frozen=True)
class BatchEvent(_Base):
    """Batch ``batch`` (from 1) of ``steps`` ended with these running ``logs``."""

    event: ClassVar[str] = "batch"
    batch: int
    steps: int | None = None
    logs: dict[str, float] = field(default_factory=dict)
    stage: int | None = None

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> BatchEvent:
        """Checks and reads the dict form."""
        values = check_fields(cls, obj, ("batch",))
        return cls(batch=check_int(values["batch"], "batch"), steps=opt_int(values.get("steps"), "steps"),
                   logs=check_logs(values.get("logs", {})), stage=opt_int(values.get("stage"), "stage"),
                   t=opt_num(values.get("t"), "t"))


@dataclass(frozen=True)
class EpochEvent(_Base):
    """Epoch ``epoch`` (from 1, within its stage) of ``epochs`` ended with these ``logs``."""

    event: ClassVar[str] = "epoch"
    epoch: int
    epochs: int | None = None
    logs: dict[str, float] = field(default_factory=dict)
    stage: int | None = None

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> EpochEvent:
        """Checks and reads the dict form."""
        values = check_fields(cls, obj, ("epoch",))
        return cls(epoch=check_int(values["epoch"], "epoch"),
                   epochs=opt_int(values.get("epochs"), "epochs"), logs=check_logs(values.get("logs", {})),
                   stage=opt_int(values.get("stage"), "stage"), t=opt_num(values.get("t"), "t"))


@dataclass(frozen=True)
class DoneEvent(_Base):
    """The run wrote ``bundle`` (None: a worker that writes nothing) after ``seconds``."""

    event: ClassVar[str] = "done"
    bundle: str | None
    seconds: float
    val_top1: float | None = None
    test_top1: float | None = None

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> DoneEvent:
        """Checks and reads the dict form."""
        values = check_fields(cls, obj, ("bundle", "seconds"))
        return cls(bundle=opt_str(values["bundle"], "bundle"), seconds=check_num(values["seconds"], "seconds"),
                   val_top1=opt_num(values.get("val_top1"), "val_top1"),
                   test_top1=opt_num(values.get("test_top1"), "test_top1"), t=opt_num(values.get("t"), "t"))


@dataclass(frozen=True)
class LogEvent(_Base):
    """A line for the job's log."""

    event: ClassVar[str] = "log"
    text: str

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> LogEvent:
        """Checks and reads the dict form."""
        values = check_fields(cls, obj, ("text",))
        return cls(text=check_str(values["text"], "text"), t=opt_num(values.get("t"), "t"))


@dataclass(frozen=True)
class ErrorEvent(_Base):
    """The job failed: ``message`` for the user, ``kind`` the exception's type (or ``crash``)."""

    event: ClassVar[str] = "error"
    message: str
    kind: str = ""
    traceback: str = ""

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> ErrorEvent:
        """Checks and reads the dict form."""
        values = check_fields(cls, obj, ("message",))
        return cls(message=check_str(values["message"], "message"), kind=check_str(values.get("kind", ""), "kind"),
                   traceback=check_str(values.get("traceback", ""), "traceback"), t=opt_num(values.get("t"), "t"))


@dataclass(frozen=True)
class CancelledEvent(_Base):
    """The job stopped because it was asked to; ``message`` says what was kept."""

    event: ClassVar[str] = "cancelled"
    message: str

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> CancelledEvent:
        """Checks and reads the dict form."""
        values = check_fields(cls, obj, ("message",))
        return cls(message=check_str(values["message"], "message"), t=opt_num(values.get("t"), "t"))


@dataclass(frozen=True)
class FinishedEvent(_Base):
    """The job ended well: ``result`` names the new bundle and its measurements."""

    event: ClassVar[str] = "finished"
    result: JobResult

    def to_json(self) -> dict[str, Any]:
        """The dict sent between processes: ``{"event": "finished", "result": {"kind": ..., ...}, "t": ...}``."""
        return {"event": self.event, "result": self.result.to_json(), "t": self.t}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> FinishedEvent:
        """Checks and reads the dict form (the result's every field too)."""
        values = check_fields(cls, obj, ("result",))
        return cls(result=job_result(values["result"]), t=opt_num(values.get("t"), "t"))


#: Any progress or job event.
Event: TypeAlias = (StageEvent | StartEvent | BatchEvent | EpochEvent | DoneEvent | LogEvent | ErrorEvent
                    | CancelledEvent | FinishedEvent)
#: Receives progress events (training code calls it; the CLI draws them, a job sends them on).
Reporter: TypeAlias = Callable[[Event], None]

_KINDS: dict[str, Callable[[Mapping[str, Any]], Event]] = {
    cls.event: cls.from_json for cls in (StageEvent, StartEvent, BatchEvent, EpochEvent, DoneEvent, LogEvent,
                                         ErrorEvent, CancelledEvent, FinishedEvent)}


def parse_event(obj: Any) -> Event:
    """The event a dict describes (what a job's process sent).

    Args:
        obj: ``{"event": kind, ...}`` as made by an event's ``to_json``.

    Returns:
        The typed event.

    Raises:
        EventError: naming what was wrong, if ``obj`` is not a valid event.
    """
    return parse_tagged(obj, "event", _KINDS, "An event", "event kind")


def fraction_done(epochs_done: int, batch: int, steps: int | None, epochs: int) -> float:
    """The share of ``epochs`` done at batch ``batch`` (of ``steps``) of the epoch after ``epochs_done``.

    The terminal's progress line and the app's Jobs window both draw it. A fit starts where its
    ``StartEvent`` says (``first_epoch``, ``first_batch``: a resumed run's), and ``BatchEvent``
    counts batches within the whole epoch.

    Args:
        epochs_done: Epochs finished.
        batch: Batches of the next epoch done.
        steps: Batches of an epoch (None or 0: unknown; only whole epochs count).
        epochs: Epochs of the run.

    Returns:
        A fraction from 0 to 1 (0 when ``epochs`` is not known).
    """
    if epochs <= 0:
        return 0.0
    within = batch / steps if steps else 0.0
    return min(1.0, (epochs_done + within) / epochs)


def seconds_left(elapsed: float, done: float, since: float) -> float | None:
    """Seconds left of a run, extrapolated from its pace since the fit started.

    Args:
        elapsed: Seconds since the fit started.
        done: The share of the run done now (``fraction_done``).
        since: The share done when the fit started (a resumed run's, or its stages' before).

    Returns:
        The seconds; None until the share done has grown.
    """
    if done <= since:
        return None
    return max(0.0, elapsed * (1.0 - done) / (done - since))
