"""Evaluation: accuracy, top-k, macro precision/recall/F1, confusion, timing."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


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
