"""What crosses between a training job and whoever watches it: typed progress events and the fine-tune job's config.

Training code reports progress as these frozen dataclasses (``Reporter``); the terminal
progress bar, the Jobs window and tests read their fields, never dict keys. A job runs in
a spawned child process and sends each event as its ``to_json()`` dict; the parent turns
it back with ``parse_event``, which checks every field's type, so an event that does not
fit is one ``EventError`` line instead of a ``KeyError`` deep in the window. A finished
job's result is typed the same way (``TrainJobResult``, ``FinetuneJobResult``: its
``"kind"`` key says which), so the window reads attributes, never ``.get`` with a default.

This module imports neither TensorFlow nor Qt: both sides import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, NoReturn, TypeAlias

from training.verdict import CAUSES, AdaptResult, RunVerdict

__all__ = ["BatchEvent", "CancelledEvent", "DoneEvent", "EpochEvent", "ErrorEvent", "Event", "EventError",
           "FinetuneJobConfig", "FinetuneJobResult", "FinishedEvent", "JobResult", "LogEvent", "Reporter", "StageEvent",
           "StartEvent", "TrainJobResult", "job_result", "parse_event"]

#: Longest repr of a bad value quoted in an error message.
_PREVIEW_CHARS = 120
#: Most epochs a fine-tune job may ask for.
MAX_FINETUNE_EPOCHS = 10_000


class EventError(ValueError):
    """An event or job config that does not have the fields and types its kind needs."""


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _PREVIEW_CHARS else text[:_PREVIEW_CHARS] + "…"


def _fail(name: str, value: Any, what: str, nullable: bool) -> NoReturn:
    raise EventError(f"{name} must be {what}{' or null' if nullable else ''}. Received: {name}={_preview(value)}")


def _int(value: Any, name: str, nullable: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(name, value, "an integer", nullable)
    return value


def _num(value: Any, name: str, nullable: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(name, value, "a number", nullable)
    return float(value)


def _str(value: Any, name: str, nullable: bool = False) -> str:
    if not isinstance(value, str):
        _fail(name, value, "a string", nullable)
    return value


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise EventError(f"{name} must be true or false. Received: {name}={_preview(value)}")
    return value


def _strs(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise EventError(f"{name} must be a list of strings. Received: {name}={_preview(value)}")
    return tuple(value)


def _opt_int(value: Any, name: str) -> int | None:
    return None if value is None else _int(value, name, nullable=True)


def _opt_num(value: Any, name: str) -> float | None:
    return None if value is None else _num(value, name, nullable=True)


def _opt_str(value: Any, name: str) -> str | None:
    return None if value is None else _str(value, name, nullable=True)


def _logs(value: Any, name: str = "logs") -> dict[str, float]:
    """Keras logs: metric name -> number (NaN allowed: a diverging run reports it)."""
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise EventError(f"{name} must be an object of metric names. Received: {name}={_preview(value)}")
    return {k: _num(v, f"{name}[{k!r}]") for k, v in value.items()}


def _fields(cls: type, obj: Mapping[str, Any], required: tuple[str, ...], what: str = "") -> dict[str, Any]:
    """``obj``'s fields of ``cls``: unknown keys and missing required ones are refused."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(obj) - known - ({"event"} if hasattr(cls, "event") else set()))
    missing = [key for key in required if key not in obj]
    if unknown or missing:
        what = what or f"A {getattr(cls, 'event', '')!r} event"
        raise EventError(f"{what} needs the keys {sorted(required)} and knows only {sorted(known)}. "
                         f"Received keys {sorted(obj)}")
    return dict(obj)


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
        values = _fields(cls, obj, ("text",))
        return cls(text=_str(values["text"], "text"), stage=_opt_int(values.get("stage"), "stage"),
                   t=_opt_num(values.get("t"), "t"))


@dataclass(frozen=True)
class StartEvent(_Base):
    """Fitting of one stage starts: ``epochs`` planned of ``steps`` batches (None: unknown).

    ``first_epoch``: epochs already done before this start (a resumed run), so the next
    epoch is ``first_epoch + 1``.
    """

    event: ClassVar[str] = "start"
    epochs: int | None
    steps: int | None = None
    stage: int | None = None
    first_epoch: int = 0

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> StartEvent:
        """Checks and reads the dict form."""
        values = _fields(cls, obj, ("epochs",))
        return cls(epochs=_opt_int(values["epochs"], "epochs"), steps=_opt_int(values.get("steps"), "steps"),
                   stage=_opt_int(values.get("stage"), "stage"), first_epoch=_int(values.get("first_epoch", 0),
                                                                                  "first_epoch"),
                   t=_opt_num(values.get("t"), "t"))


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
        values = _fields(cls, obj, ("batch",))
        return cls(batch=_int(values["batch"], "batch"), steps=_opt_int(values.get("steps"), "steps"),
                   logs=_logs(values.get("logs", {})), stage=_opt_int(values.get("stage"), "stage"),
                   t=_opt_num(values.get("t"), "t"))


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
        values = _fields(cls, obj, ("epoch",))
        return cls(epoch=_int(values["epoch"], "epoch"),
                   epochs=_opt_int(values.get("epochs"), "epochs"), logs=_logs(values.get("logs", {})),
                   stage=_opt_int(values.get("stage"), "stage"), t=_opt_num(values.get("t"), "t"))


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
        values = _fields(cls, obj, ("bundle", "seconds"))
        return cls(bundle=_opt_str(values["bundle"], "bundle"), seconds=_num(values["seconds"], "seconds"),
                   val_top1=_opt_num(values.get("val_top1"), "val_top1"),
                   test_top1=_opt_num(values.get("test_top1"), "test_top1"), t=_opt_num(values.get("t"), "t"))


@dataclass(frozen=True)
class LogEvent(_Base):
    """A line for the job's log."""

    event: ClassVar[str] = "log"
    text: str

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> LogEvent:
        """Checks and reads the dict form."""
        values = _fields(cls, obj, ("text",))
        return cls(text=_str(values["text"], "text"), t=_opt_num(values.get("t"), "t"))


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
        values = _fields(cls, obj, ("message",))
        return cls(message=_str(values["message"], "message"), kind=_str(values.get("kind", ""), "kind"),
                   traceback=_str(values.get("traceback", ""), "traceback"), t=_opt_num(values.get("t"), "t"))


@dataclass(frozen=True)
class CancelledEvent(_Base):
    """The job stopped because it was asked to; ``message`` says what was kept."""

    event: ClassVar[str] = "cancelled"
    message: str

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> CancelledEvent:
        """Checks and reads the dict form."""
        values = _fields(cls, obj, ("message",))
        return cls(message=_str(values["message"], "message"), t=_opt_num(values.get("t"), "t"))


@dataclass(frozen=True)
class TrainJobResult:
    """What a finished train job made (the app's Train new model).

    Attributes:
        bundle: The new bundle's folder.
        name: The bundle's name.
        seconds: Wall time of the run.
        val_top1: Validation top-1 (None: not measured; NaN: the run diverged).
        test_top1: Test top-1 (None: no test split).
        verdict: Whether the model does better than guessing (None: not judged).
    """

    kind: ClassVar[str] = "train"
    bundle: str
    name: str
    seconds: float
    val_top1: float | None = None
    test_top1: float | None = None
    verdict: RunVerdict | None = None

    def to_json(self) -> dict[str, Any]:
        """The dict sent between processes: ``{"kind": "train", field: value...}``."""
        return {"kind": self.kind, "bundle": self.bundle, "name": self.name, "seconds": self.seconds,
                "val_top1": self.val_top1, "test_top1": self.test_top1,
                "verdict": None if self.verdict is None else self.verdict.to_json()}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> TrainJobResult:
        """Checks and reads the dict form (``kind`` already checked by ``job_result``)."""
        values = _fields(cls, _without_kind(obj), ("bundle", "name", "seconds"), "A train job's result")
        return cls(bundle=_str(values["bundle"], "bundle"), name=_str(values["name"], "name"),
                   seconds=_num(values["seconds"], "seconds"),
                   val_top1=_opt_num(values.get("val_top1"), "val_top1"),
                   test_top1=_opt_num(values.get("test_top1"), "test_top1"),
                   verdict=None if values.get("verdict") is None else _verdict(values["verdict"]))


@dataclass(frozen=True)
class FinetuneJobResult(AdaptResult):
    """What a finished fine-tune job made (the app's Fine-tune on my handwriting): the
    fine-tune's ``AdaptResult`` and the bundle it wrote.

    Attributes:
        bundle: The personal bundle's folder.
        name: Its name.
        base: The bundle it was fine-tuned from (folder).
    """

    kind: ClassVar[str] = "finetune"
    bundle: str = field(kw_only=True)
    name: str = field(kw_only=True)
    base: str = field(kw_only=True)

    def to_json(self) -> dict[str, Any]:
        """The dict sent between processes: ``{"kind": "finetune", field: value...}`` (labels as lists)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {"kind": self.kind, **values, "new_labels": list(self.new_labels),
                "refused_labels": list(self.refused_labels)}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> FinetuneJobResult:
        """Checks and reads the dict form (``kind`` already checked by ``job_result``)."""
        values = _fields(cls, _without_kind(obj), _FINETUNE_REQUIRED, "A fine-tune job's result")
        return cls(bundle=_str(values["bundle"], "bundle"), name=_str(values["name"], "name"),
                   base=_str(values["base"], "base"),
                   user_top1_before=_opt_num(values["user_top1_before"], "user_top1_before"),
                   user_top1_after=_opt_num(values["user_top1_after"], "user_top1_after"),
                   base_top1_before=_num(values["base_top1_before"], "base_top1_before"),
                   base_top1_after=_num(values["base_top1_after"], "base_top1_after"),
                   seconds=_num(values["seconds"], "seconds"), new_labels=_strs(values["new_labels"], "new_labels"),
                   recommended=_bool(values["recommended"], "recommended"), reason=_str(values["reason"], "reason"),
                   refused_labels=_strs(values.get("refused_labels", ()), "refused_labels"),
                   trained_samples=_int(values.get("trained_samples", 0), "trained_samples"),
                   held_out_samples=_int(values.get("held_out_samples", 0), "held_out_samples"),
                   new_top1_after=_opt_num(values.get("new_top1_after"), "new_top1_after"),
                   judgement=_str(values.get("judgement", ""), "judgement"),
                   max_drop=_num(values.get("max_drop", 0.0), "max_drop"))


_FINETUNE_REQUIRED = tuple(f.name for f in fields(FinetuneJobResult) if f.default is MISSING)
#: A finished job's result, by the job's kind.
JobResult: TypeAlias = TrainJobResult | FinetuneJobResult
_RESULTS: dict[str, Callable[[Mapping[str, Any]], JobResult]] = {
    cls.kind: cls.from_json for cls in (TrainJobResult, FinetuneJobResult)}


def job_result(obj: Any) -> JobResult:
    """The typed result a ``finished`` event's ``result`` dict describes (its ``kind`` says which).

    Raises:
        EventError: naming what was wrong, if ``obj`` is not a valid result.
    """
    if not isinstance(obj, Mapping) or not all(isinstance(k, str) for k in obj):
        raise EventError(f"A job's result must be an object with a 'kind' key. Received: result={_preview(obj)}")
    kind = obj.get("kind")
    parse = _RESULTS.get(kind) if isinstance(kind, str) else None
    if parse is None:
        raise EventError(f"Unknown job result kind. Received: kind={_preview(kind)}, expected one of {sorted(_RESULTS)}")
    return parse(obj)


def _without_kind(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if key != "kind"}


def _verdict(value: Any) -> RunVerdict:
    """A ``RunVerdict`` from its ``to_json`` dict, every field checked."""
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise EventError(f"verdict must be an object or null. Received: verdict={_preview(value)}")
    values = _fields(RunVerdict, value, tuple(f.name for f in fields(RunVerdict)), "A run verdict")
    causes = _strs(values["causes"], "verdict.causes")
    if not set(causes) <= set(CAUSES):
        raise EventError(f"verdict.causes must be some of {CAUSES}. Received: verdict.causes={_preview(causes)}")
    return RunVerdict(near_chance=_bool(values["near_chance"], "verdict.near_chance"),
                      top1=_num(values["top1"], "verdict.top1"), chance=_num(values["chance"], "verdict.chance"),
                      threshold=_num(values["threshold"], "verdict.threshold"),
                      reason=_str(values["reason"], "verdict.reason"), causes=causes,
                      measured=_bool(values["measured"], "verdict.measured"),
                      classes=_int(values["classes"], "verdict.classes"),
                      train_samples=_int(values["train_samples"], "verdict.train_samples"),
                      epochs=_int(values["epochs"], "verdict.epochs"), steps=_int(values["steps"], "verdict.steps"))


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
        values = _fields(cls, obj, ("result",))
        return cls(result=job_result(values["result"]), t=_opt_num(values.get("t"), "t"))


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
    if not isinstance(obj, Mapping) or not all(isinstance(k, str) for k in obj):
        raise EventError(f"An event must be an object with an 'event' key. Received: {_preview(obj)}")
    kind = obj.get("event")
    parse = _KINDS.get(kind) if isinstance(kind, str) else None
    if parse is None:
        raise EventError(f"Unknown event kind. Received: event={_preview(kind)}, expected one of {sorted(_KINDS)}")
    return parse(obj)


@dataclass(frozen=True)
class FinetuneJobConfig:
    """What a fine-tune job runs on (the app's Fine-tune on my handwriting).

    Attributes:
        base: The bundle to start from (folder).
        samples: The labelled samples: a samples database or an ink JSONL file.
        out: Where the personal bundle goes (None: a new folder among the user's models).
        holdout: Samples to measure on instead of a held-out share of ``samples``.
        epochs: Epochs of the fine-tune (None: ``training.adapt.AdaptConfig``'s schedule).
        add_labels: Whether labels the base does not know may become new classes.
    """

    base: str
    samples: str
    out: str | None = None
    holdout: str | None = None
    epochs: int | None = None
    add_labels: bool = True

    def __post_init__(self) -> None:
        _str(self.base, "base")
        _str(self.samples, "samples")
        _opt_str(self.out, "out")
        _opt_str(self.holdout, "holdout")
        epochs = _opt_int(self.epochs, "epochs")
        if epochs is not None and not 1 <= epochs <= MAX_FINETUNE_EPOCHS:
            raise EventError(f"epochs must be between 1 and {MAX_FINETUNE_EPOCHS}. Received: epochs={epochs}")
        if not isinstance(self.add_labels, bool):
            raise EventError(f"add_labels must be true or false. Received: add_labels={_preview(self.add_labels)}")

    def to_json(self) -> dict[str, Any]:
        """Plain dict form."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, obj: Any) -> FinetuneJobConfig:
        """Checks and reads the dict form.

        Raises:
            EventError: naming what was wrong.
        """
        if not isinstance(obj, Mapping):
            raise EventError(f"A fine-tune job config must be an object. Received: {_preview(obj)}")
        return cls(**_fields(cls, obj, ("base", "samples"), "A fine-tune job config"))

