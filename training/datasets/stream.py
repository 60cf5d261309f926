"""Feeding data that does not fit in memory: memory-mapped splits served batch by batch."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

#: Datasets whose normalized inputs exceed this many bytes are memory-mapped from disk.
IN_MEMORY_LIMIT = 2 * 1024 ** 3
#: Memory assumed where the system does not say how much it has.
DEFAULT_MEMORY_BYTES = 16 * 1024 ** 3


def memory_limit() -> int:
    """Bytes one dataset's arrays may take in memory: three quarters of the physical memory."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * 3 // 4)
    except (AttributeError, ValueError, OSError):
        return DEFAULT_MEMORY_BYTES


def write_split(source: np.ndarray, indices: np.ndarray, path: Path, chunk: int = 4096) -> np.ndarray:
    """Copies ``source[indices]`` to a memory-mapped ``.npy`` file chunk by chunk; returns the map."""
    out = np.lib.format.open_memmap(path, "w+", source.dtype, (len(indices), *source.shape[1:]))
    for i in range(0, len(indices), chunk):
        out[i:i + chunk] = source[indices[i:i + chunk]]
    out.flush()
    return np.load(path, mmap_mode="r")


def is_on_disk(x: np.ndarray) -> bool:
    """True for arrays memory-mapped from a file (fed batch by batch, never loaded whole)."""
    return isinstance(x, np.memmap) or isinstance(getattr(x, "base", None), np.memmap)


def batches(x: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool, seed: int) -> Any:
    """A ``keras.utils.PyDataset`` reading shuffled batches from (memory-mapped) arrays."""
    import keras

    class _Batches(keras.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__()
            self.rng = np.random.default_rng(seed)
            self.order = self.rng.permutation(len(y)) if shuffle else np.arange(len(y))

        def __len__(self) -> int:
            return -(-len(y) // batch_size)

        def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
            rows = np.sort(self.order[index * batch_size:(index + 1) * batch_size])  # sorted: sequential reads
            return np.asarray(x[rows], dtype=np.float32), np.asarray(y[rows])

        def on_epoch_end(self) -> None:
            if shuffle:
                self.order = self.rng.permutation(len(y))

    return _Batches()
