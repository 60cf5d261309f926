"""Turning a dataset on disk into normalized model inputs, split reproducibly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import DatasetError
from core.preprocess import Preprocessing, normalize_image
from training.datasets.idx import is_idx_folder, load_mnist


@dataclass(frozen=True)
class ArraySplit:
    """Model inputs (N, size, size, 1) uint8 and integer labels (N,)."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class PreparedData:
    """Training, validation and (if the dataset has one) test splits with class labels."""

    labels: tuple[str, ...]
    train: ArraySplit
    val: ArraySplit
    test: ArraySplit | None


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
                 limit: int | None = None) -> PreparedData:
    """Reads and normalizes a dataset held in memory, with a seeded validation split.

    Raises:
        DatasetError: if the path is not a dataset this reader knows, or holds too little.
    """
    folder = Path(path)
    if not is_idx_folder(folder):
        raise DatasetError(f"{path} is not a dataset mojiyomi can read (expected an MNIST IDX folder).")
    x, y = load_mnist(folder, "train")
    if limit is not None:
        x, y = x[:limit], y[:limit]
    xt, yt = load_mnist(folder, "test")
    labels = tuple(str(i) for i in range(10))
    x = normalize_all(x, spec)
    train_idx, val_idx = split_indices(len(y), validation, seed)
    return PreparedData(labels, ArraySplit(x[train_idx], y[train_idx]), ArraySplit(x[val_idx], y[val_idx]),
                        ArraySplit(normalize_all(xt, spec), yt))
