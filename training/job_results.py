"""A finished job's typed result (train or fine-tune) and the fine-tune job's config, as they cross processes.

A job runs in a spawned child process; its result is sent as ``to_json()`` (the ``"kind"``
key says which result) and read back with ``job_result``, which checks every field, so the
window reads attributes, never ``.get`` with a default. This module imports neither
TensorFlow nor Qt: both sides import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, TypeAlias

from training.verdict import AdaptResult, RunVerdict
from training.wire import (EventError, check_bool, check_fields, check_int, check_num, check_str, check_strs, opt_int,
                           opt_num, opt_str, parse_tagged, preview)

__all__ = ["FinetuneJobConfig", "FinetuneJobResult", "JobResult", "MAX_FINETUNE_EPOCHS", "TrainJobResult",
           "job_result"]

#: Most epochs a fine-tune job may ask for.
MAX_FINETUNE_EPOCHS = 10_000


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
        values = check_fields(cls, _without_kind(obj), ("bundle", "name", "seconds"), "A train job's result")
        return cls(bundle=check_str(values["bundle"], "bundle"), name=check_str(values["name"], "name"),
                   seconds=check_num(values["seconds"], "seconds"),
                   val_top1=opt_num(values.get("val_top1"), "val_top1"),
                   test_top1=opt_num(values.get("test_top1"), "test_top1"),
                   verdict=None if values.get("verdict") is None else RunVerdict.from_json(values["verdict"]))


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
        values = check_fields(cls, _without_kind(obj), _FINETUNE_REQUIRED, "A fine-tune job's result")
        return cls(bundle=check_str(values["bundle"], "bundle"), name=check_str(values["name"], "name"),
                   base=check_str(values["base"], "base"),
                   user_top1_before=opt_num(values["user_top1_before"], "user_top1_before"),
                   user_top1_after=opt_num(values["user_top1_after"], "user_top1_after"),
                   base_top1_before=check_num(values["base_top1_before"], "base_top1_before"),
                   base_top1_after=check_num(values["base_top1_after"], "base_top1_after"),
                   seconds=check_num(values["seconds"], "seconds"), new_labels=check_strs(values["new_labels"], "new_labels"),
                   recommended=check_bool(values["recommended"], "recommended"), reason=check_str(values["reason"], "reason"),
                   refused_labels=check_strs(values.get("refused_labels", ()), "refused_labels"),
                   trained_samples=check_int(values.get("trained_samples", 0), "trained_samples"),
                   held_out_samples=check_int(values.get("held_out_samples", 0), "held_out_samples"),
                   new_top1_after=opt_num(values.get("new_top1_after"), "new_top1_after"),
                   judgement=check_str(values.get("judgement", ""), "judgement"),
                   max_drop=check_num(values.get("max_drop", 0.0), "max_drop"))


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
    return parse_tagged(obj, "kind", _RESULTS, "A job's result", "job result kind", "result=")


def _without_kind(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if key != "kind"}


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
        check_str(self.base, "base")
        check_str(self.samples, "samples")
        opt_str(self.out, "out")
        opt_str(self.holdout, "holdout")
        epochs = opt_int(self.epochs, "epochs")
        if epochs is not None and not 1 <= epochs <= MAX_FINETUNE_EPOCHS:
            raise EventError(f"epochs must be between 1 and {MAX_FINETUNE_EPOCHS}. Received: epochs={epochs}")
        if not isinstance(self.add_labels, bool):
            raise EventError(f"add_labels must be true or false. Received: add_labels={preview(self.add_labels)}")

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
            raise EventError(f"A fine-tune job config must be an object. Received: {preview(obj)}")
        return cls(**check_fields(cls, obj, ("base", "samples"), "A fine-tune job config"))
