"""What a run concluded: a training run's verdict against guessing (``training.evaluate.judge_run``
makes it) and a fine-tune's before/after figures (``training.adapt.adapt`` makes them).

Apart from ``training.evaluate`` and ``training.adapt`` so that ``training.events`` (a job's
result carries them) needs neither NumPy nor the training recipe; a verdict is read back from a
job's result with ``training.wire``'s field checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from training.wire import EventError, check_bool, check_fields, check_int, check_num, check_str, check_strs, preview

__all__ = ["CAUSES", "AdaptResult", "RunVerdict"]

#: What probably made a run near chance (``RunVerdict.causes``): too few samples a class,
#: too few training steps, else the data or the settings. The desktop words them in its language.
CAUSES = ("few_samples", "short_run", "data_or_settings")


@dataclass(frozen=True)
class RunVerdict:
    """Whether a trained model does better than guessing, and if not, what probably went wrong.

    Attributes:
        near_chance: True when ``top1`` is below ``threshold``: the model must not be offered
            as a good one.
        top1: The accuracy judged (test, or validation when there is no test split).
        chance: The accuracy of guessing (1 / classes).
        threshold: The accuracy a useful model must reach (see ``judge_run``).
        reason: What probably went wrong, in English words (empty when not near chance).
        causes: The kinds of cause ``reason`` names (``CAUSES``' names; empty when not near chance).
        measured: False when no accuracy could be measured (``top1`` is then 0).
        classes: Output classes.
        train_samples: Samples the model trained on.
        epochs: Epochs it trained.
        steps: Training steps those epochs made.
    """

    near_chance: bool
    top1: float
    chance: float
    threshold: float
    reason: str
    causes: tuple[str, ...] = ()
    measured: bool = True
    classes: int = 0
    train_samples: int = 0
    epochs: int = 0
    steps: int = 0

    def to_json(self) -> dict[str, Any]:
        """Plain dict (all numbers finite) for job results and ``--json``."""
        return asdict(self)

    @classmethod
    def from_json(cls, value: Any) -> RunVerdict:
        """The verdict from ``to_json``'s dict (a job result crossing a process boundary), every field checked.

        Raises:
            EventError: naming the field, if ``value`` is not such a dict.
        """
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise EventError(f"verdict must be an object or null. Received: verdict={preview(value)}")
        values = check_fields(cls, value, tuple(f.name for f in fields(cls)), "A run verdict")
        causes = check_strs(values["causes"], "verdict.causes")
        if not set(causes) <= set(CAUSES):
            raise EventError(f"verdict.causes must be some of {CAUSES}. Received: verdict.causes={preview(causes)}")
        return cls(near_chance=check_bool(values["near_chance"], "verdict.near_chance"),
                   top1=check_num(values["top1"], "verdict.top1"), chance=check_num(values["chance"], "verdict.chance"),
                   threshold=check_num(values["threshold"], "verdict.threshold"),
                   reason=check_str(values["reason"], "verdict.reason"), causes=causes,
                   measured=check_bool(values["measured"], "verdict.measured"),
                   classes=check_int(values["classes"], "verdict.classes"),
                   train_samples=check_int(values["train_samples"], "verdict.train_samples"),
                   epochs=check_int(values["epochs"], "verdict.epochs"), steps=check_int(values["steps"], "verdict.steps"))

    @property
    def samples_per_class(self) -> float:
        """Training samples a class (the ``few_samples`` cause's figure)."""
        return self.train_samples / max(1, self.classes)


@dataclass(frozen=True)
class AdaptResult:
    """Before/after accuracies of a fine-tune, and whether switching is recommended.

    Accuracies are fractions on the same label space before and after: the grown one, in
    which the base model (before) reads every sample of a new class wrong. ``user_top1_*``
    and ``new_top1_after`` are None when there is nothing to measure them on (no
    held-out samples, no new class): never NaN.

    Attributes:
        user_top1_before: The base model on the user's held-out samples.
        user_top1_after: The fine-tuned model on them.
        base_top1_before: The base model on the bundle's replay validation samples.
        base_top1_after: The fine-tuned model on them.
        seconds: Wall time of the fine-tune.
        new_labels: Labels added as new classes.
        recommended: Whether switching to the new model is advised.
        reason: Why (or why not), in English words.
        refused_labels: Unknown labels with too few samples (under ``MIN_NEW_CLASS_SAMPLES``):
            their samples were not used.
        trained_samples: User samples the model trained on.
        held_out_samples: User samples held out to measure it.
        new_top1_after: The fine-tuned model on held-out samples of the new classes.
        judgement: ``JUDGEMENTS``' kind of ``reason`` (for a translated sentence).
        max_drop: The largest fall of the original data's accuracy (points) that still advises switching.
    """

    user_top1_before: float | None
    user_top1_after: float | None
    base_top1_before: float
    base_top1_after: float
    seconds: float
    new_labels: tuple[str, ...]
    recommended: bool
    reason: str
    refused_labels: tuple[str, ...] = ()
    trained_samples: int = 0
    held_out_samples: int = 0
    new_top1_after: float | None = None
    judgement: str = ""
    max_drop: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """Plain dict for reports and the CLI (JSON-safe: no NaN)."""
        return asdict(self)

    def summary(self) -> str:
        """The before/after figures in one line of words ("no held-out samples" when there are none)."""
        if self.user_top1_before is None or self.user_top1_after is None:
            user = "no held-out samples of yours to measure on"
        else:
            user = (f"your top-1 {self.user_top1_before:.1%} -> {self.user_top1_after:.1%} on "
                    f"{self.held_out_samples} held-out samples")
        added = f"; new classes {' '.join(self.new_labels)}" if self.new_labels else ""
        if self.new_top1_after is not None:
            added += f" (read {self.new_top1_after:.1%} of their held-out samples)"
        return (f"{user}, original data {self.base_top1_before:.2%} -> {self.base_top1_after:.2%}{added}, "
                f"trained on {self.trained_samples} samples in {self.seconds:.0f}s")
