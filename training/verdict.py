"""A training run's verdict against guessing (``training.evaluate.judge_run`` makes it).

Apart from ``training.evaluate`` so that ``training.events`` (a job's result carries a
verdict) needs neither NumPy nor the training recipe.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["CAUSES", "RunVerdict"]

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
    def from_json(cls, data: dict[str, Any]) -> RunVerdict:
        """The verdict from ``to_json``'s dict (a job result crossing a process boundary)."""
        causes = tuple(str(cause) for cause in data["causes"])
        if not set(causes) <= set(CAUSES):
            raise ValueError(f"Unknown verdict cause. Received: causes={causes!r}, expected some of {CAUSES}")
        return cls(bool(data["near_chance"]), float(data["top1"]), float(data["chance"]), float(data["threshold"]),
                   str(data["reason"]), causes, bool(data["measured"]), int(data["classes"]),
                   int(data["train_samples"]), int(data["epochs"]), int(data["steps"]))

    @property
    def samples_per_class(self) -> float:
        """Training samples a class (the ``few_samples`` cause's figure)."""
        return self.train_samples / max(1, self.classes)
