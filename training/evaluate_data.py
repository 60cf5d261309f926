"""`mojiyomi evaluate`: a bundle's scores on a dataset, through the app's own path."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
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
        return {**self.metrics.to_json(), "n_unknown_label": self.unknown_label, "n_unreadable": self.unreadable}


def evaluate_dataset(recognizer: Recognizer, path: str, limit: int | None = None) -> DatasetScores:
    """Scores a recognizer on a dataset (an MNIST IDX folder's test split, or any format).

    Every sample is normalized by ``core.preprocess`` with the bundle's preprocessing and run
    through the recognizer, as the app does. ``ms_per_sample`` is the mean time to read and
    normalize one sample plus the mean time to recognize one (in batches of 256).

    Raises:
        DatasetError: if nothing can be scored (for instance no label the model knows).
    """
    from training.datasets.readers import read_samples

    spec = recognizer.bundle.preprocessing
    start = time.perf_counter()
    samples = read_samples(Path(path), spec, split="test", limit=limit)
    index = {label: i for i, label in enumerate(recognizer.bundle.labels)}
    known = np.asarray([label in index for label in samples.y.tolist()], dtype=bool)
    if not known.any():
        raise DatasetError(f"None of the {len(samples)} samples of {path} has a label the model "
                           f"{recognizer.bundle.name} knows (it knows {len(index)} labels, e.g. "
                           f"{', '.join(list(index)[:5])}).")
    x = samples.x[known]
    y = np.asarray([index[label] for label in samples.y[known].tolist()], dtype=np.int64)
    read_seconds = (time.perf_counter() - start) / max(1, len(samples) + samples.skipped)
    start = time.perf_counter()
    probs = recognizer.predict_many(x.astype(np.float32))
    metrics = score(probs, y, time.perf_counter() - start + read_seconds * len(y))
    return DatasetScores(metrics, int((~known).sum()), samples.skipped, probs, y, x)
