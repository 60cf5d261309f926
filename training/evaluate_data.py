"""`mojiyomi evaluate`: a bundle's scores on a dataset, through the app's own path."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import DatasetError
from core.recognizer import Recognizer
from training.evaluate import Metrics, score


@dataclass(frozen=True)
class DatasetScores:
    """Metrics of a model on a dataset, with what was left out.

    Attributes:
        metrics: Scores on the samples whose label the model knows.
        unknown_label: Samples left out because the model has no such class.
        unreadable: Samples that could not be read.
        probs: Probabilities (n, classes) of the scored samples.
        y: Their true class indices.
        x: Their model inputs.
    """

    metrics: Metrics
    unknown_label: int
    unreadable: int
    probs: np.ndarray
    y: np.ndarray
    x: np.ndarray

    def __getattr__(self, name: str) -> Any:  # n, top1, ... read straight through
        return getattr(self.metrics, name)

    def to_json(self) -> dict[str, Any]:
        """The metrics with the counts of samples left out, for ``--json`` reports."""
        return {**self.metrics.to_json(), "n_unknown_label": self.unknown_label, "n_unreadable": self.unreadable}


def evaluate_dataset(recognizer: Recognizer, path: str, limit: int | None = None,
                     format: str | None = None) -> DatasetScores:
    """Scores a recognizer on a dataset (an MNIST IDX folder's test split, or any format).

    Every sample is normalized by ``core.preprocess`` with the bundle's preprocessing and run
    through the recognizer, as the app does. Samples whose label the model does not know
    are left out and counted (``unknown_label``), as are unreadable ones. A dataset of one
    class is fine here (it cannot train, but it can be scored).

    Args:
        recognizer: The model to score (TFLite or Keras).
        path: The dataset, in any format ``training.datasets.open_dataset`` reads.
        limit: Read at most this many samples.
        format: Force a format instead of detecting it from the path.

    Returns:
        ``DatasetScores``: ``n``, ``top1``, ``top5``, ``macro_f1`` and ``ms_per_sample`` read
        through to its ``Metrics``. ``ms_per_sample`` is measured: the time spent
        preprocessing the scored samples (reading a picture, drawing an ink, normalizing)
        plus the time the recognizer took on them, divided by ``n``.

    Raises:
        DatasetError: if nothing can be scored (for instance no label the model knows).
    """
    from training.datasets import read_samples

    index = {label: i for i, label in enumerate(recognizer.bundle.labels)}
    samples = read_samples(path, recognizer.bundle.preprocessing, split="test", limit=limit, format=format,
                           keep=index.__contains__)
    if not len(samples):
        raise DatasetError(f"None of the {samples.excluded} samples of {path} has a label the model "
                           f"{recognizer.bundle.name} knows (it knows {len(index)} labels, e.g. "
                           f"{', '.join(list(index)[:5])}).")
    y = np.asarray([index[label] for label in samples.y.tolist()], dtype=np.int64)
    start = time.perf_counter()
    probs = recognizer.predict_many(samples.x.astype(np.float32))
    metrics = score(probs, y, time.perf_counter() - start + samples.seconds)
    return DatasetScores(metrics, samples.excluded, samples.skipped, probs, y, samples.x)
