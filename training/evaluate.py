"""Evaluation: accuracy, top-k, macro precision/recall/F1, confusion, timing."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from training.verdict import CAUSES, RunVerdict  # here for callers of judge_run; defined apart for training.events


@dataclass(frozen=True)
class Metrics:
    """Scores of a model on labelled samples."""

    n: int
    top1: float
    top5: float
    top10: float
    macro_precision: float
    macro_recall: float
    macro_f1: float
    ms_per_sample: float

    def to_json(self) -> dict[str, Any]:
        """Plain dict, rounded for reports."""
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def top_k_accuracy(probs: np.ndarray, y: np.ndarray, k: int) -> float:
    """Fraction of rows whose true class is among the ``k`` highest scores."""
    if not len(y):
        return 0.0
    k = min(k, probs.shape[1])
    top = np.argpartition(-probs, k - 1, axis=1)[:, :k]
    return float(np.mean((top == y[:, None]).any(axis=1)))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, classes: int) -> np.ndarray:
    """Counts (classes, classes): rows are true classes, columns predictions."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def per_class_scores(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall, F1 and support per class from a confusion matrix."""
    tp = np.diag(matrix).astype(np.float64)
    predicted = matrix.sum(axis=0).astype(np.float64)
    support = matrix.sum(axis=1).astype(np.float64)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return precision, recall, f1, support


def score(probs: np.ndarray, y: np.ndarray, seconds: float = 0.0) -> Metrics:
    """Metrics of predicted probabilities against true labels.

    Macro averages are taken over the classes present in ``y`` (a class never seen in
    the evaluation data does not count as a zero).
    """
    pred = np.argmax(probs, axis=1)
    matrix = confusion_matrix(y, pred, probs.shape[1])
    precision, recall, f1, support = per_class_scores(matrix)
    present = support > 0
    n = len(y)
    return Metrics(n, top_k_accuracy(probs, y, 1), top_k_accuracy(probs, y, 5), top_k_accuracy(probs, y, 10),
                   float(precision[present].mean()) if n else 0.0, float(recall[present].mean()) if n else 0.0,
                   float(f1[present].mean()) if n else 0.0, 1000.0 * seconds / max(n, 1))


def evaluate_arrays(recognizer: Any, x: np.ndarray, y: np.ndarray, batch_size: int = 256) -> tuple[Metrics, np.ndarray]:
    """Runs a recognizer over model inputs and scores it. Returns (metrics, probabilities)."""
    start = time.perf_counter()
    probs = recognizer.predict_many(x.astype(np.float32), batch_size)
    return score(probs, y, time.perf_counter() - start), probs


#: Training samples per class below which a near-chance run is blamed on too few samples.
FEW_SAMPLES_PER_CLASS = 20
#: Training steps below which a near-chance run is blamed on too short a run.
FEW_STEPS = 150


def near_chance_threshold(classes: int) -> float:
    """The top-1 below which a model of ``classes`` outputs is no better than guessing.

    Twice chance, or chance plus 5 points when that is more (3,146 classes: 5.03%), but
    never above chance plus a quarter of the way to 100% (2 classes: 62.5%, not 100%).
    """
    chance = 1.0 / max(1, classes)
    return min(chance + max(chance, 0.05), chance + 0.25 * (1.0 - chance))


def judge_run(top1: float | None, classes: int, train_samples: int, epochs: int, batch_size: int) -> RunVerdict:
    """Judges a finished training run against guessing.

    Args:
        top1: Test top-1 (or validation's when there is no test split); None or NaN
            counts as near chance (nothing could be measured).
        classes: Output classes.
        train_samples: Samples the model trained on.
        epochs: Epochs it trained (of its one stage, or its first).
        batch_size: Samples per step.

    Returns:
        The verdict; its reason names too few samples and/or too few training steps.
    """
    chance = 1.0 / max(1, classes)
    threshold = near_chance_threshold(classes)
    value = float(top1) if top1 is not None and np.isfinite(top1) else None
    measured = value is not None
    value = value or 0.0
    steps = -(-train_samples // max(1, batch_size)) * epochs
    verdict = RunVerdict(False, value, chance, threshold, "", (), measured, classes, train_samples, epochs, steps)
    if measured and value >= threshold:
        return verdict
    per_class = train_samples / max(1, classes)
    causes = ([CAUSES[0]] if per_class < FEW_SAMPLES_PER_CLASS else []) + ([CAUSES[1]] if steps < FEW_STEPS else [])
    causes = causes or [CAUSES[2]]
    words = {CAUSES[0]: f"too few samples ({per_class:.0f} per class; at least {FEW_SAMPLES_PER_CLASS} help)",
             CAUSES[1]: f"too short a run ({epochs} epochs of {train_samples} samples are {steps} training steps; "
                        f"more epochs help)",
             CAUSES[2]: "the data or the settings (check the labels, or try a lower learning rate)"}
    head = (f"The model reads {value:.2%}, no better than guessing among {classes} classes "
            f"({chance:.2%}; a useful model reaches {threshold:.2%} at least)" if measured else
            "The model's accuracy could not be measured")
    reason = f"{head}. Probably {' and '.join(words[cause] for cause in causes)}."
    return replace(verdict, near_chance=True, reason=reason, causes=tuple(causes))


def bundle_verdict(bundle: Any) -> RunVerdict:
    """``judge_run`` on what a trained bundle's metadata records (test top-1, else validation's).

    Args:
        bundle: A ``core.bundle.ModelBundle`` written by ``training.train``.

    Returns:
        The verdict.
    """
    from training.recipe import short_run_batch_size

    metrics, made = bundle.metadata.get("metrics", {}), bundle.metadata.get("training", {})
    scores = metrics.get("test") or metrics.get("val") or {}
    config = made.get("config", {})
    samples, epochs = int(made.get("train_samples", 0)), int(config.get("epochs", 1))
    batch = short_run_batch_size(int(config.get("batch_size", 128)), samples, epochs)
    return judge_run(scores.get("top1"), len(bundle.labels), samples, epochs, batch)
