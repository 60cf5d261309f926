"""Turning a dataset on disk into normalized model inputs, split reproducibly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import DatasetError
from core.preprocess import Preprocessing, normalize_image
from training.datasets.idx import load_mnist


@dataclass(frozen=True)
class ArraySplit:
    """Model inputs (N, size, size, 1) uint8 and integer labels (N,)."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class PreparedData:
    """Training, validation and (if the dataset has one) test splits with class labels.

    ``skipped`` counts samples of the dataset that could not be read (left out, not fatal).
    """

    labels: tuple[str, ...]
    train: ArraySplit
    val: ArraySplit
    test: ArraySplit | None
    skipped: int = 0


def check_data(path: str, spec: Preprocessing, limit: int | None = None, format: str | None = None) -> int:
    """Reads a dataset's labels (not its samples), so a bad dataset is refused before a run starts.

    Keras' MNIST (``keras:mnist``) is not read here: it needs Keras, which a check must not import.

    Returns:
        The number of samples the run will read (0 for ``keras:mnist``).

    Raises:
        DatasetError: if the path is not a dataset, is damaged, or holds no sample.
    """
    from training.datasets import open_dataset

    dataset = open_dataset(path, spec, limit, format)
    if dataset.kind == "keras":
        return 0
    if not dataset.labels:
        raise DatasetError(f"{path} holds no sample.")
    return len(dataset)


def normalize_all(images: np.ndarray, spec: Preprocessing) -> np.ndarray:
    """Normalizes white-on-black pictures (N, H, W) into uint8 model inputs (N, s, s, 1)."""
    out = np.empty((len(images), spec.size, spec.size, 1), dtype=np.uint8)
    for i, image in enumerate(images):
        out[i] = np.clip(np.round(normalize_image(image, spec)), 0, 255).astype(np.uint8)
    return out


def split_indices(n: int, validation: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded shuffle split into (train, validation) indices.

    ``validation`` is a count, or a fraction of ``n`` when below 1; a count larger than a
    fifth of a small dataset is capped there so that most samples still train.
    """
    count = int(round(validation * n)) if validation < 1 else min(int(validation), n // 5)
    count = max(0, min(count, n - 1))
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[count:]), np.sort(order[:count])


def prepare_data(path: str, spec: Preprocessing, validation: float, seed: int,
                 limit: int | None = None, split_by_writer: bool = False,
                 cache_dir: Path | None = None, memory_limit: int | None = None,
                 format: str | None = None) -> PreparedData:
    """Reads and normalizes a dataset, split reproducibly into train, validation and test.

    MNIST (an IDX folder, or ``keras:mnist`` to download through Keras) keeps its official
    test split and takes the validation samples from its training split. Every other
    format is split by a seeded shuffle: ``validation`` samples (a count, or a fraction
    when below 1) for validation, as many for test, the rest for training; with
    ``split_by_writer``, whole writers go to one split (formats with writer ids only).

    With ``cache_dir``, a dataset whose normalized inputs exceed ``memory_limit`` bytes
    (default ``IN_MEMORY_LIMIT``) is normalized once into memory-mapped files there, and
    training reads it batch by batch (``training.datasets.stream``).

    ``format`` forces a format instead of detecting it (see ``training.datasets.open_dataset``).

    Raises:
        DatasetError: if the path is not a dataset, holds too little, or has one class.
    """
    from training.datasets import open_dataset, read_samples
    from training.datasets.stream import IN_MEMORY_LIMIT, write_split

    dataset = open_dataset(path, spec, limit, format)
    if dataset.kind in ("idx", "keras"):
        if split_by_writer:
            raise DatasetError(f"{path} is MNIST, which has no writer ids, so it cannot be split by writer.")
        return _prepare_mnist(path, spec, validation, seed, limit)
    expected = len(dataset) * spec.size * spec.size
    big = expected > (IN_MEMORY_LIMIT if memory_limit is None else memory_limit)
    disk = cache_dir if big else None  # where the inputs go when they do not fit in memory
    if disk is not None:
        disk.mkdir(parents=True, exist_ok=True)
    samples = read_samples(path, spec, limit=limit, cache=disk / "inputs.npy" if disk else None, format=format)
    labels = tuple(sorted(set(samples.y.tolist())))
    if len(labels) < 2:
        raise DatasetError(f"{path} has only one class ({labels[0]!r}); a model needs at least two to learn.")
    y = np.searchsorted(np.asarray(labels), samples.y).astype(np.int64)
    if split_by_writer:
        if samples.writers is None:
            raise DatasetError(f"{path} ({samples.kind}) has no writer ids, so it cannot be split by writer.")
        train_idx, val_idx, test_idx = writer_split(samples.writers, validation, seed)
    else:
        train_idx, val_idx, test_idx = three_way_split(len(y), validation, seed)
    if not len(train_idx) or not len(val_idx):
        raise DatasetError(f"{path} holds too few samples ({len(y)}) for a training and a validation split.")
    x = samples.x

    def split(indices: np.ndarray, name: str) -> ArraySplit:
        if disk is not None:  # each split its own file, so batches read (nearly) sequentially
            return ArraySplit(write_split(x, indices, disk / f"{name}.npy"), y[indices])
        return ArraySplit(x[indices], y[indices])

    return PreparedData(labels, split(train_idx, "train"), split(val_idx, "val"),
                        split(test_idx, "test") if len(test_idx) else None, samples.skipped)


def three_way_split(n: int, validation: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded (train, validation, test) indices; validation and test get the same size."""
    rest, val = split_indices(n, validation, seed)
    count = len(val) if len(rest) > 2 * len(val) else 0
    order = np.random.default_rng(seed + 1).permutation(rest)
    return np.sort(order[count:]), val, np.sort(order[:count])


def writer_split(writers: np.ndarray, validation: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded (train, validation, test) indices where each writer's samples stay in one split."""
    ids = np.unique(writers)
    if len(ids) < 3:
        raise DatasetError(f"Splitting by writer needs at least 3 writers. Received: {len(ids)}")
    fraction = validation if validation < 1 else validation / len(writers)
    count = max(1, int(round(fraction * len(ids))))
    count = min(count, (len(ids) - 1) // 2)
    order = np.random.default_rng(seed).permutation(ids)
    val_w, test_w = order[:count], order[count:2 * count]
    in_val, in_test = np.isin(writers, val_w), np.isin(writers, test_w)
    return (np.flatnonzero(~in_val & ~in_test), np.flatnonzero(in_val), np.flatnonzero(in_test))


def _prepare_mnist(path: str, spec: Preprocessing, validation: float, seed: int,
                   limit: int | None) -> PreparedData:
    folder = None if path.startswith("keras:") else Path(path)
    if path.startswith("keras:") and path != "keras:mnist":
        raise DatasetError(f"Only keras:mnist can be loaded through Keras. Received: {path!r}")
    x, y = load_mnist(folder, "train")
    xt, yt = load_mnist(folder, "test")
    if limit is not None:
        x, y = x[:limit], y[:limit]
    labels = tuple(str(i) for i in range(10))
    x = normalize_all(x, spec)
    train_idx, val_idx = split_indices(len(y), validation, seed)
    return PreparedData(labels, ArraySplit(x[train_idx], y[train_idx]), ArraySplit(x[val_idx], y[val_idx]),
                        ArraySplit(normalize_all(xt, spec), yt))
