"""`mojiyomi evaluate`: a bundle's scores on a dataset, as the app ranks them and as the raw model does.

The app does not show the model's probabilities as they are: it orders each small kana
and its full-size twin by how large the ink was written (the size cue) and brings a
candidate's same-shape twins (つ/っ, ロ/口...) right after it (``core.recognizer.Recognizer.
recognize``). ``AppScores`` are what the user sees; ``Metrics`` are the raw model's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from core.charsets import order_by_size, size_cue
from core.errors import DatasetError
from core.ink import Ink
from core.recognizer import Recognizer, ink_extent
from training.evaluate import Metrics, score

#: Candidates the app ranks per character (its candidate bar shows 10).
APP_TOP_K = 10


@dataclass(frozen=True)
class AppScores:
    """Scores of the candidates as the app shows them (size cue and same-shape twins applied).

    Attributes:
        n: Samples scored.
        top1: Share whose first candidate is right.
        top5: Share with the right label among the first 5 candidates.
        top10: Share with it among the first 10.
        size_cue: Whether the samples were inks, whose size the app uses (pictures have none).
    """

    n: int
    top1: float
    top5: float
    top10: float
    size_cue: bool

    def to_json(self) -> dict[str, Any]:
        """Plain dict, rounded for reports."""
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class DatasetScores:
    """Metrics of a model on a dataset, with what was left out.

    Attributes:
        metrics: The raw model's scores on the samples whose label the model knows.
        app: The same samples scored as the app ranks its candidates.
        unknown_label: Samples left out because the model has no such class.
        unreadable: Samples that could not be read.
        probs: Probabilities (n, classes) of the scored samples.
        y: Their true class indices.
        x: Their model inputs.
    """

    metrics: Metrics
    app: AppScores
    unknown_label: int
    unreadable: int
    probs: np.ndarray
    y: np.ndarray
    x: np.ndarray

    def __getattr__(self, name: str) -> Any:  # n, top1, ... read straight through
        return getattr(self.metrics, name)

    def to_json(self) -> dict[str, Any]:
        """The raw model's metrics, the app's (``"app"``) and the counts of samples left out, for ``--json``."""
        return {**self.metrics.to_json(), "app": self.app.to_json(), "n_unknown_label": self.unknown_label,
                "n_unreadable": self.unreadable}


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
    cues = ink_size_cues(path, format, limit, index.__contains__, samples.y.tolist())
    app = app_scores(recognizer, probs, y, cues)
    return DatasetScores(metrics, app, samples.excluded, samples.skipped, probs, y, samples.x)


def app_scores(recognizer: Recognizer, probs: np.ndarray, y: np.ndarray,
               cues: list[str | None] | None) -> AppScores:
    """Top-1/5/10 of the candidates the app would show for each probability vector.

    Args:
        recognizer: Ranks the candidates (same-shape twins brought together).
        probs: The raw model's probabilities (n, classes).
        y: True class indices.
        cues: Each sample's size cue (``core.charsets.size_cue``), or None for pictures.
    """
    labels, index = recognizer.bundle.labels, recognizer.label_index
    hits = np.zeros((len(y), 3), bool)
    for i, row in enumerate(probs):
        ordered = order_by_size(row, labels, cues[i], index) if cues else row
        shown = [index[c.label] for c in recognizer.rank(ordered, APP_TOP_K)]
        hits[i] = [y[i] in shown[:k] for k in (1, 5, 10)]
    rates = hits.mean(axis=0) if len(y) else np.zeros(3)
    return AppScores(len(y), float(rates[0]), float(rates[1]), float(rates[2]), cues is not None)


def ink_size_cues(path: str, format: str | None, limit: int | None, keep: Callable[[str], bool],
                  scored: list[str]) -> list[str | None] | None:
    """The size cue of every scored sample of an ink dataset (None for other datasets).

    The inks are read again in the dataset's order, with its limit and label filter; a
    sample the reader skipped (an empty ink) is skipped here too. If the labels do not line
    up with the scored samples one for one, no cue is used (None) rather than a wrong one.
    """
    from training.datasets.readers import resolve

    source = resolve(path, format, "test")
    inks = _inks_of(source.path, source.kind)
    if inks is None:
        return None
    kept = [ink for ink in islice(inks, limit) if keep(str(ink.label)) and not ink.is_empty]
    if [str(ink.label) for ink in kept] != scored:
        return None
    return [size_cue(ink_extent(ink)) for ink in kept]


def _inks_of(path: Path, kind: str) -> Iterable[Ink] | None:
    from core.ink import iter_ink_dataset
    from core.samples import labelled_inks
    from training.datasets.tomoe import iter_tdic

    if kind == "ink":
        return iter_ink_dataset(path)
    if kind == "tdic":
        return iter_tdic(path)
    if kind == "samples":
        return labelled_inks(path)
    return None
