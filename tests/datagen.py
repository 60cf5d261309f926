"""Small generated datasets for tests: digits drawn with OpenCV's Hershey fonts."""

from __future__ import annotations

import gzip
from pathlib import Path

import cv2
import numpy as np

_FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
          cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_PLAIN)


def drawn_digits(n: int, seed: int = 0, size: int = 28) -> tuple[np.ndarray, np.ndarray]:
    """``n`` white-on-black digit pictures (n, size, size) and their labels, varied by seed."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, size, size), np.uint8)
    labels = rng.integers(0, 10, n)
    for i, label in enumerate(labels):
        canvas = np.zeros((56, 56), np.uint8)
        font = _FONTS[int(rng.integers(len(_FONTS)))]
        cv2.putText(canvas, str(label), (int(rng.integers(8, 16)), int(rng.integers(40, 48))), font,
                    float(rng.uniform(1.2, 1.6)), 255, int(rng.integers(2, 5)), cv2.LINE_AA)
        angle = float(rng.uniform(-12, 12))
        matrix = cv2.getRotationMatrix2D((28, 28), angle, 1.0)
        images[i] = cv2.resize(cv2.warpAffine(canvas, matrix, (56, 56)), (size, size), interpolation=cv2.INTER_AREA)
    return images, labels.astype(np.int64)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Writes an uint8 array as a gzip IDX file."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def write_mnist_like(folder: Path, n_train: int = 600, n_test: int = 200, seed: int = 0) -> Path:
    """An MNIST-style IDX folder of drawn digits."""
    folder.mkdir(parents=True, exist_ok=True)
    for split, stem, n in (("train", "train", n_train), ("test", "t10k", n_test)):
        x, y = drawn_digits(n, seed + (split == "test"))
        write_idx(folder / f"{stem}-images-idx3-ubyte.gz", x)
        write_idx(folder / f"{stem}-labels-idx1-ubyte.gz", y)
    return folder
