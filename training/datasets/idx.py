"""MNIST-style IDX files (optionally gzip-compressed), as published by LeCun et al."""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import numpy as np

from core.errors import DatasetError
from core.safeio import open_regular
from training.datasets.stream import memory_limit

_DTYPES: dict[int, str] = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
#: File name stems of the two MNIST splits.
SPLITS = {"train": "train", "test": "t10k"}
#: Largest IDX file read (compressed or not): 4 GB.
MAX_IDX_BYTES = 4 * 1024 ** 3


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Reads one IDX file (``.gz`` or plain) into an array.

    The header's dimensions decide how many bytes are read: a file (or gzip stream) that
    holds fewer or more bytes than its header says is refused, and a gzip stream is never
    inflated beyond that size (a gzip bomb stops there).

    Raises:
        DatasetError: if the file is missing, not a regular file, corrupt, truncated, too
            large for memory or not IDX.
    """
    path = Path(path)
    with os.fdopen(open_regular(path, "IDX file", DatasetError), "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_IDX_BYTES:
            raise DatasetError(f"The IDX file {path} is too large: {size:,} bytes (the limit is {MAX_IDX_BYTES:,}).")
        try:
            raw = handle.read(size + 1)
        except OSError as exc:
            raise DatasetError(f"Cannot read IDX file {path}: {exc.strerror or exc}") from exc
    if len(raw) > size:
        raise DatasetError(f"The IDX file {path} grew while it was read.")
    stream = _Inflater(raw, path) if raw[:2] == b"\x1f\x8b" else _Plain(raw)
    magic = stream.read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in _DTYPES:
        raise DatasetError(f"{path} is not an IDX file (magic bytes {magic!r}).")
    ndim = magic[3]
    if not 1 <= ndim <= 4:
        raise DatasetError(f"{path}: an IDX file has 1 to 4 dimensions. Received: ndim={ndim}")
    head = stream.read(4 * ndim)
    if len(head) < 4 * ndim:
        raise DatasetError(f"{path} is truncated inside its header.")
    dims = [int.from_bytes(head[4 * i:4 * i + 4], "big") for i in range(ndim)]
    dtype = np.dtype(_DTYPES[magic[2]])
    expected = int(np.prod(dims, dtype=object)) * dtype.itemsize
    if expected > memory_limit():
        raise DatasetError(f"{path} is too large to read: its header promises {expected / 1e9:.1f} GB "
                           f"for shape {dims}.")
    data = stream.read(expected + 1)
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "longer than its header says"
        raise DatasetError(f"{path} is {what}: its header promises {expected:,} bytes of data for shape {dims}, "
                           f"it holds {'more' if len(data) > expected else f'{len(data):,}'}.")
    return np.frombuffer(data, dtype=dtype).reshape(dims)


class _Plain:
    """An uncompressed IDX file read from the start."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.at = 0

    def read(self, n: int) -> bytes:
        self.at += n
        return self.raw[self.at - n:self.at]


class _Inflater:
    """A gzip stream inflated on demand, never past what is asked for."""

    def __init__(self, raw: bytes, path: Path) -> None:
        self.inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.tail = raw
        self.path = path

    def read(self, n: int) -> bytes:
        out = bytearray()
        try:
            while len(out) < n and not self.inflate.eof:
                chunk = self.inflate.decompress(self.tail, n - len(out))
                self.tail = self.inflate.unconsumed_tail
                if not chunk and not self.tail:
                    break
                out += chunk
        except zlib.error as exc:
            raise DatasetError(f"Cannot read IDX file {self.path}: the gzip stream is corrupt ({exc}).") from exc
        if len(out) < n and self.inflate.eof and self.inflate.unused_data:
            out += b"\0"  # a second gzip member: more data than the header says
        return bytes(out)


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
    labels = read_idx(find_split(folder, split, "labels"))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DatasetError(f"MNIST {split} files in {folder} disagree: need images (N, H, W) and labels (N,). "
                           f"Received images {images.shape}, labels {labels.shape}.")
    if labels.dtype.kind not in "iu" or (len(labels) and not 0 <= int(labels.min()) <= int(labels.max()) <= 9):
        low, high = (labels.min(), labels.max()) if len(labels) else (None, None)
        raise DatasetError(f"MNIST {split} labels in {folder} must be digits 0 to 9. "
                           f"Received: {labels.dtype} labels from {low} to {high}")
    return images, labels.astype(np.int64)


def _keras_mnist(split: str) -> tuple[np.ndarray, np.ndarray]:
    import keras

    try:
        (xtr, ytr), (xte, yte) = keras.datasets.mnist.load_data()
    except Exception as exc:  # keras.utils.get_file raises a bare Exception when offline
        raise DatasetError(f"Could not download MNIST through keras.datasets ({exc}). It needs internet the "
                           f"first time; without it, pass the folder holding the four MNIST IDX files "
                           f"(train-images-idx3-ubyte.gz ...) instead of keras:mnist.") from exc
    return (xtr, ytr.astype(np.int64)) if split == "train" else (xte, yte.astype(np.int64))
