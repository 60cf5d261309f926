"""The common dataset interface: ``open_dataset`` and the arrays ``read_samples`` fills from it.

A ``Dataset`` streams: ``iter_samples`` normalizes one sample at a time, so a dataset larger
than memory can be fed to training chunk by chunk; ``read_samples`` fills arrays of a size
known in advance, in memory or in a memory-mapped ``.npy`` file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np

from core.errors import DatasetError
from core.preprocess import Preprocessing
from training.datasets.readers import Source, count, iter_labels, iter_lazy, resolve
from training.datasets.stream import memory_limit

log = logging.getLogger(__name__)


@dataclass
class Dataset:
    """A dataset on disk, read sample by sample through the app's preprocessing.

    Attributes:
        source: Where it is and which format it is in.
        spec: The preprocessing of the model that will read the samples.
        limit: Read at most this many samples (None for all).
        skipped: Unreadable samples met by the last ``iter_samples`` (counted, not fatal).
        excluded: Samples the last ``iter_samples`` passed over for their label.
        seconds: Time the last ``iter_samples`` spent preprocessing the samples it yielded.
        notes: What the last ``iter_samples`` found worth telling (a truncated file), not fatal.
    """

    source: Source
    spec: Preprocessing
    limit: int | None = None
    skipped: int = 0
    excluded: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    _labels: tuple[str, ...] | None = field(default=None, init=False, repr=False)
    _len: int | None = field(default=None, init=False, repr=False)

    @property
    def kind(self) -> str:
        """The format: idx, keras, folder, npz, ink, tdic or etl."""
        return self.source.kind

    @property
    def labels(self) -> tuple[str, ...]:
        """The sorted unique labels of the samples (within ``limit``)."""
        if self._labels is None:
            self._labels = tuple(sorted(set(islice(iter_labels(self.source), self.limit))))
        return self._labels

    def __len__(self) -> int:
        """Samples ``iter_samples`` will try to read; unreadable ones are skipped, not yielded."""
        if self._len is None:
            total = count(self.source)
            self._len = total if self.limit is None else min(total, self.limit)
        return self._len

    def iter_samples(self, keep: Callable[[str], bool] | None = None
                     ) -> Iterator[tuple[np.ndarray, str, int | None]]:
        """Yields (model input (s, s, 1) uint8, label, writer id or None) one at a time.

        Args:
            keep: If given, only samples whose label it accepts are preprocessed and
                yielded; the others are counted in ``excluded``.

        Unreadable samples (a corrupt picture, an empty ink or record) are skipped and
        counted in ``skipped``; ``limit`` counts every sample met, so it bounds the work done.
        """
        self.skipped, self.excluded, self.seconds, self.notes = 0, 0, 0.0, []
        for make, label, writer in islice(iter_lazy(self.source, self.notes), self.limit):
            if keep is not None and not keep(label):
                self.excluded += 1
                continue
            start = time.perf_counter()
            image = make(self.spec)
            self.seconds += time.perf_counter() - start
            if image is None:
                self.skipped += 1
                continue
            yield image[:, :, None], label, writer if writer >= 0 else None


def open_dataset(path: str | Path, spec: Preprocessing, limit: int | None = None, format: str | None = None,
                 split: str = "train") -> Dataset:
    """Opens a dataset of any format mojiyomi reads, detected from the path.

    Args:
        path: An MNIST IDX folder, ``keras:mnist``, a folder with one sub-folder of
            pictures per label, a ``.npz`` (``x``, ``y``, optional ``labels``/``writers``),
            an ink ``.jsonl``/``.ndjson``, a Tomoe ``.tdic``, or ETL files (one or a folder).
        spec: The preprocessing of the model that will read the samples.
        limit: Read at most this many samples.
        format: Force a format instead of detecting it: one of
            ``training.datasets.readers.FORMATS`` (``"etl8g"`` reads a renamed ETL8G file).
        split: For MNIST, ``"train"`` or ``"test"``; other formats have one split.

    Returns:
        A ``Dataset``; nothing is read until its labels, length or samples are asked for.

    Raises:
        DatasetError: if the path is missing, not a dataset, or ``format`` is unknown.
    """
    if limit is not None and limit < 1:
        raise DatasetError(f"limit must be at least 1. Received: limit={limit}")
    return Dataset(resolve(path, format, split), spec, limit)


@dataclass(frozen=True)
class Samples:
    """Normalized samples of a dataset.

    Attributes:
        x: Model inputs (N, size, size, 1) uint8 (possibly a ``np.memmap``).
        y: Labels (N,) as strings.
        writers: Writer ids (N,) where the format has them, else None.
        skipped: Samples that could not be read (counted, not fatal).
        kind: The detected format.
        excluded: Samples left out for their label (``keep``).
        seconds: Time spent preprocessing the samples read.
    """

    x: np.ndarray
    y: np.ndarray
    writers: np.ndarray | None
    skipped: int
    kind: str
    excluded: int = 0
    seconds: float = 0.0

    def __len__(self) -> int:
        return len(self.y)


def read_samples(path: str | Path, spec: Preprocessing, split: str = "train", limit: int | None = None,
                 cache: Path | None = None, format: str | None = None,
                 keep: Callable[[str], bool] | None = None) -> Samples:
    """Reads and normalizes a whole dataset into arrays.

    Args:
        path: The dataset (see ``open_dataset``).
        spec: The preprocessing of the model to train or evaluate.
        split: For IDX folders, ``"train"`` or ``"test"``; other formats have one split.
        limit: Read at most this many samples.
        cache: If given, the inputs go to this ``.npy`` file, memory-mapped and filled
            sample by sample (for data larger than memory); otherwise they are held in memory.
        format: Force a format (see ``open_dataset``).
        keep: Read only samples whose label this accepts (see ``Dataset.iter_samples``).

    Returns:
        ``Samples``; empty only when ``keep`` left every sample out.

    Raises:
        DatasetError: if the path is not a dataset or holds no readable sample.
    """
    dataset = open_dataset(path, spec, limit, format, split)
    total = len(dataset)
    shape = (total, spec.size, spec.size, 1)
    if cache is None and total * spec.size ** 2 > memory_limit():
        raise DatasetError(f"{path} is too large to hold in memory: {total:,} samples of {spec.size}x{spec.size} "
                           f"take {total * spec.size ** 2 / 1e9:.1f} GB. Read it with a cache file, or pass a limit.")
    x = np.lib.format.open_memmap(cache, "w+", np.uint8, shape) if cache else np.empty(shape, np.uint8)
    labels: list[str] = []
    writers: list[int] = []
    for image, label, writer in dataset.iter_samples(keep):
        if len(labels) == total:  # a file that grew since it was counted
            break
        x[len(labels)] = image
        labels.append(label)
        writers.append(-1 if writer is None else writer)
    if not labels and not dataset.excluded:
        raise DatasetError(f"{path} holds no readable sample: {total} found, {dataset.skipped} could not be read.")
    n = len(labels)
    # Said only when samples are used: a refused dataset (or one of only excluded labels) gets one line, the error.
    for note in dataset.notes if n else ():
        log.warning("%s", note)
    if dataset.skipped and n:
        log.warning("%s: skipped %d unreadable samples", path, dataset.skipped)
    has_writers = any(w >= 0 for w in writers)
    return Samples(x[:n], np.asarray(labels, dtype=str), np.asarray(writers) if has_writers else None,
                   dataset.skipped, dataset.kind, dataset.excluded, dataset.seconds)
