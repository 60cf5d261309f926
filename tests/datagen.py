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


def write_image_folder(folder: Path, n: int = 30, seed: int = 0, corrupt: int = 0) -> Path:
    """A folder with one sub-folder of black-on-white digit PNGs per label, plus ``corrupt`` broken files."""
    x, y = drawn_digits(n, seed)
    for i, (image, label) in enumerate(zip(x, y)):
        (folder / str(label)).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / str(label) / f"{i}.png"), 255 - image)
    for i in range(corrupt):
        (folder / str(y[i]) / f"broken{i}.png").write_bytes(b"\x89PNG not really")
    return folder


def etl_image(fmt_name: str, index: int) -> np.ndarray:
    """A white-on-black 0/255 picture of an ETL format's size, different for each index."""
    from training.datasets.etl import FORMATS

    width, height = FORMATS[fmt_name].size
    image = np.zeros((height, width), np.uint8)
    cv2.putText(image, str(index), (width // 4, 3 * height // 4), cv2.FONT_HERSHEY_SIMPLEX,
                width / 40, 255, max(1, width // 20))
    return np.where(image > 127, 255, 0).astype(np.uint8)


def write_etl(path: Path, fmt_name: str, chars: str, sheets: int | list[int]) -> list[np.ndarray]:
    """An ETL file in the published layout: (a B format's dummy record, then) each char once per sheet."""
    from training.datasets.etl import FORMATS, encode_record

    fmt = FORMATS[fmt_name]
    images, records = [], [b"\0" * fmt.record] if fmt.dummy_first else []
    for sheet in range(1, sheets + 1) if isinstance(sheets, int) else sheets:
        for i, char in enumerate(chars):
            images.append(etl_image(fmt_name, i))
            records.append(encode_record(fmt, images[-1], char, sheet))
    path.write_bytes(b"".join(records))
    return images
