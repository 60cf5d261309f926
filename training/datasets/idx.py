"""MNIST-style IDX files (optionally gzip-compressed), as published by LeCun et al."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from core.errors import DatasetError

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
#: File name stems of the two MNIST splits.
SPLITS = {"train": "train", "test": "t10k"}


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Reads one IDX file (``.gz`` or plain) into an array.

    Raises:
        DatasetError: if the file is missing, truncated or not IDX.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DatasetError(f"Cannot read IDX file {path}: {exc}") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise DatasetError(f"{path} is not an IDX file (magic bytes {raw[:4]!r}).")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    dtype = np.dtype(_DTYPES[raw[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(raw) - header < expected:
        raise DatasetError(f"{path} is truncated: it holds {len(raw) - header} bytes of data, "
                           f"its header promises {expected} for shape {dims}.")
    return np.frombuffer(raw, dtype=dtype, count=int(np.prod(dims)), offset=header).reshape(dims)


def find_split(folder: Path, split: str, kind: str) -> Path:
    """The file of one split (``train``/``test``) and kind (``images``/``labels``) in a folder."""
    stem = SPLITS[split]
    for name in (f"{stem}-{kind}-idx{3 if kind == 'images' else 1}-ubyte",
                 f"{stem}-{kind}.idx{3 if kind == 'images' else 1}-ubyte"):
        for suffix in (".gz", ""):
            if (folder / (name + suffix)).is_file():
                return folder / (name + suffix)
    raise DatasetError(f"No MNIST {split} {kind} file in {folder} "
                       f"(looked for {stem}-{kind}-idx*-ubyte[.gz]).")


def is_idx_folder(path: Path) -> bool:
    """True if the folder holds MNIST-style IDX files."""
    return path.is_dir() and any(path.glob("*-idx[13]-ubyte*"))


def load_mnist(path: str | os.PathLike[str] | None, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Loads one MNIST split as (images uint8 (N, 28, 28), labels int64 (N,)).

    Args:
        path: Folder holding the four IDX files. ``None`` uses ``keras.datasets.mnist``
            (which downloads once and caches; it needs internet the first time).
        split: ``"train"`` or ``"test"``.

    Raises:
        DatasetError: if files are missing or images and labels disagree.
    """
    if split not in SPLITS:
        raise DatasetError(f"Unknown MNIST split. Received: split={split!r}, expected train or test")
    if path is None:
        return _keras_mnist(split)
    folder = Path(path)
    if not folder.is_dir():
        raise DatasetError(f"The MNIST folder {folder} does not exist.")
    images = read_idx(find_split(folder, split, "images"))
    labels = read_idx(find_split(folder, split, "labels")).astype(np.int64)
    if images.ndim != 3 or len(images) != len(labels):
        raise DatasetError(f"MNIST {split} files in {folder} disagree: images {images.shape}, "
                           f"labels {labels.shape}.")
    return images, labels


def _keras_mnist(split: str) -> tuple[np.ndarray, np.ndarray]:
    import keras

    try:
        (xtr, ytr), (xte, yte) = keras.datasets.mnist.load_data()
    except Exception as exc:  # keras.utils.get_file raises a bare Exception when offline
        raise DatasetError(f"Could not download MNIST through keras.datasets ({exc}). It needs internet the "
                           f"first time; without it, pass the folder holding the four MNIST IDX files "
                           f"(train-images-idx3-ubyte.gz ...) instead of keras:mnist.") from exc
    return (xtr, ytr.astype(np.int64)) if split == "train" else (xte, yte.astype(np.int64))
