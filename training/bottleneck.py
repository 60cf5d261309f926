"""Bottleneck caching: run a frozen backbone over the data once and keep its features."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def cached_features(features: Any, x: np.ndarray, cache: Path, batch_size: int = 128) -> np.ndarray:
    """Backbone features of ``x`` (computed in batches, inference mode), kept in a ``.npy`` file.

    The array is memory-mapped from ``cache``, so features of a dataset larger than memory
    never have to fit in it at once. An existing cache of the right shape is reused (a
    resumed run does not recompute it).
    """
    shape = (len(x), *features.output_shape[1:])
    if cache.exists():
        old = np.load(cache, mmap_mode="r")
        if old.shape == shape:
            return old
    out = np.lib.format.open_memmap(cache, "w+", np.float32, shape)
    chunk = 64 * batch_size  # compiled predict over chunks: fast, and memory stays bounded
    for i in range(0, len(x), chunk):
        out[i:i + chunk] = features.predict(x[i:i + chunk].astype(np.float32), batch_size=batch_size, verbose=0)
    out.flush()
    return np.load(cache, mmap_mode="r")
