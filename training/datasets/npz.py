"""NPZ datasets, checked from the ``.npy`` headers inside the zip before any array is read.

An NPZ holds ``x`` (N, H, W) or (N, H, W, 1) pictures, ``y`` (N,) labels (integers or
strings), and optionally ``labels`` (the names of integer ``y``) and ``writers`` (N,)
integer writer ids. Every member's shape and dtype are read from its header first: a
header that promises more bytes than the member holds, arrays larger than memory,
Python objects (pickles), strings or records as pictures, or arrays that disagree in
length are refused before an array is allocated.
"""

from __future__ import annotations

import os
import tokenize
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
import numpy as np

from core.errors import DatasetError
from core.safeio import open_regular
from training.datasets.stream import memory_limit

#: Largest side of one picture in an NPZ (models read at most 512).
MAX_SIDE = 4096
#: Deflate expands at most about 1032:1; a member claiming more is forged.
_MAX_DEFLATE_RATIO = 1100
_MEMBERS = ("x", "y", "labels", "writers")
#: What reading a damaged member raises: zip and zlib errors (an unknown compression method is
#: NotImplementedError, an encrypted member RuntimeError), and numpy's header parser
#: (``ast.literal_eval`` through ``tokenize``) on a header with flipped bits.
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, SyntaxError, TypeError,
                tokenize.TokenError, NotImplementedError, RuntimeError, MemoryError)


@dataclass(frozen=True)
class ArrayHeader:
    """What a ``.npy`` member's header says: its shape and dtype."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def count(self) -> int:
        """Elements the array holds."""
        return int(np.prod(self.shape, dtype=object))

    @property
    def nbytes(self) -> int:
        """Bytes of data the header promises."""
        return self.count * self.dtype.itemsize


@dataclass(frozen=True)
class NpzArrays:
    """The arrays of a checked NPZ dataset.

    Attributes:
        x: Pictures (N, H, W) or (N, H, W, 1) of a numeric dtype.
        y: Labels (N,): integers (indices into ``labels`` when it is given) or strings.
        labels: Names of integer labels, or None.
        writers: Integer writer ids (N,), or None.
    """

    x: np.ndarray
    y: np.ndarray
    labels: np.ndarray | None
    writers: np.ndarray | None

    def label(self, i: int) -> str:
        """The label of sample ``i`` as a string."""
        return _label(self.y[i], self.labels)


def read_headers(path: Path, limit: int | None = None) -> dict[str, ArrayHeader]:
    """Reads and checks the headers of an NPZ dataset's arrays; no array is read.

    Args:
        path: The ``.npz`` file.
        limit: Bytes the arrays may take together (default ``memory_limit()``).

    Returns:
        The headers of ``x``, ``y`` and, where present, ``labels`` and ``writers``.

    Raises:
        DatasetError: if the file is not a readable NPZ dataset (see the module docstring).
    """
    with _open_zip(path) as archive:
        return _check_headers(path, archive, memory_limit() if limit is None else limit)


def load_npz(path: str | os.PathLike[str], limit: int | None = None) -> NpzArrays:
    """Reads a checked NPZ dataset (``allow_pickle`` stays off).

    Args:
        path: The ``.npz`` file.
        limit: Bytes the arrays may take together (default ``memory_limit()``).

    Raises:
        DatasetError: if the file is not a readable NPZ dataset, or a label is out of range.
    """
    arrays = _load(Path(path), _MEMBERS, limit)
    return NpzArrays(arrays["x"], arrays["y"], arrays.get("labels"), arrays.get("writers"))


def npz_labels(path: str | os.PathLike[str]) -> Iterator[str]:
    """The labels of an NPZ dataset's samples in order, without reading its pictures."""
    arrays = _load(Path(path), ("y", "labels"), None)
    names = arrays.get("labels")
    yield from (_label(value, names) for value in arrays["y"])


def _load(path: Path, members: tuple[str, ...], limit: int | None) -> dict[str, np.ndarray]:
    with _open_zip(path) as archive:
        headers = _check_headers(path, archive, memory_limit() if limit is None else limit)
        arrays = {name: _read_member(path, archive, header) for name, header in headers.items() if name in members}
    _check_values(path, arrays)
    return arrays


def _label(value: np.generic, names: np.ndarray | None) -> str:
    return str(names[int(value)]) if names is not None else str(value)


@contextmanager
def _open_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    with os.fdopen(open_regular(path, "NPZ dataset", DatasetError), "rb") as handle:
        if handle.read(6) == b"\x93NUMPY":
            raise DatasetError(f"{path} is a single .npy array, not an NPZ: save the dataset with "
                               f"numpy.savez(path, x=..., y=...).")
        handle.seek(0)
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
            raise DatasetError(f"{path} is not a readable NPZ (zip) file. Received: {exc}") from exc
        with archive:
            yield archive


def _check_headers(path: Path, archive: zipfile.ZipFile, limit: int) -> dict[str, ArrayHeader]:
    names = {info.filename: info for info in archive.infolist()}
    missing = [name for name in ("x", "y") if f"{name}.npy" not in names]
    if missing:
        raise DatasetError(f"{path} is not an NPZ dataset: it needs arrays 'x' and 'y'. "
                           f"Received arrays {sorted(n.removesuffix('.npy') for n in names)[:10]}")
    headers = {name: _header(path, archive, names[f"{name}.npy"], name)
               for name in _MEMBERS if f"{name}.npy" in names}
    _check_shapes(path, headers)
    total = sum(h.nbytes for h in headers.values())
    if total > limit:
        raise DatasetError(f"{path} is too large to read: its arrays take {total / 1e9:.1f} GB, more than "
                           f"{limit / 1e9:.1f} GB of memory. Received shapes "
                           f"{ {n: h.shape for n, h in headers.items()} }")
    return headers


def _header(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> ArrayHeader:
    try:
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise ValueError(f"unsupported .npy format version {version}")
            offset = member.tell()
    except _READ_ERRORS as exc:
        raise DatasetError(f"{path}: the array {name!r} has no readable .npy header. Received: {exc}") from exc
    header = ArrayHeader(name, tuple(int(d) for d in shape), np.dtype(dtype))
    if header.dtype.hasobject:
        raise DatasetError(f"{path}: the array {name!r} holds Python objects (a pickle), which mojiyomi never "
                           f"loads. Received dtype {header.dtype}")
    stored = info.file_size - offset
    if header.nbytes != stored:
        raise DatasetError(f"{path}: the array {name!r} is damaged: its header promises {header.nbytes:,} bytes "
                           f"for shape {header.shape}, the file holds {stored:,}.")
    ratio = {zipfile.ZIP_STORED: 1, zipfile.ZIP_DEFLATED: _MAX_DEFLATE_RATIO}.get(info.compress_type)
    if ratio is not None and info.file_size > max(info.compress_size, 1) * ratio:
        raise DatasetError(f"{path}: the array {name!r} claims {info.file_size:,} bytes from "
                           f"{info.compress_size:,} compressed bytes; the file is damaged or forged.")
    return header


def _check_shapes(path: Path, headers: dict[str, ArrayHeader]) -> None:
    x, y = headers["x"], headers["y"]
    if len(y.shape) != 1:
        raise DatasetError(f"{path}: y must be one label per sample, shape (N,). Received shape {y.shape}")
    if x.dtype.kind not in "biuf" or x.dtype.fields is not None:
        raise DatasetError(f"{path}: x must hold numbers (pixel values). Received dtype {x.dtype}")
    shape = x.shape[:-1] if len(x.shape) == 4 and x.shape[-1] == 1 else x.shape
    if len(shape) != 3 or not all(0 < side <= MAX_SIDE for side in shape[1:]):
        raise DatasetError(f"{path}: x must be pictures (N, H, W) or (N, H, W, 1), sides at most {MAX_SIDE}. "
                           f"Received shape {x.shape}")
    if shape[0] != y.shape[0]:
        raise DatasetError(f"{path}: x and y must hold as many samples. Received x {x.shape}, y {y.shape}")
    labels = headers.get("labels")
    if y.dtype.kind not in "iuU" or (labels is not None and y.dtype.kind == "U"):
        raise DatasetError(f"{path}: y must hold integer labels (indices into 'labels' when it is given) or "
                           f"strings. Received dtype {y.dtype}")
    if labels is not None and (len(labels.shape) != 1 or labels.dtype.kind not in "iuU"):
        raise DatasetError(f"{path}: labels must be a list of names, shape (K,). "
                           f"Received shape {labels.shape}, dtype {labels.dtype}")
    writers = headers.get("writers")
    if writers is not None and (writers.shape != y.shape or writers.dtype.kind not in "iu"):
        raise DatasetError(f"{path}: writers must be one integer id per sample, like y {y.shape}. "
                           f"Received shape {writers.shape}, dtype {writers.dtype}")


def _read_member(path: Path, archive: zipfile.ZipFile, header: ArrayHeader) -> np.ndarray:
    try:
        with archive.open(f"{header.name}.npy") as member:
            array: np.ndarray = np.lib.format.read_array(member, allow_pickle=False)
    except _READ_ERRORS as exc:
        raise DatasetError(f"{path}: the array {header.name!r} is damaged. Received: {exc}") from exc
    if array.shape != header.shape:
        raise DatasetError(f"{path}: the array {header.name!r} is damaged: shape {array.shape}, "
                           f"its header said {header.shape}.")
    return array


def _check_values(path: Path, arrays: dict[str, np.ndarray]) -> None:
    y, names, x = arrays["y"], arrays.get("labels"), arrays.get("x")
    if y.dtype.kind in "iu" and len(y):
        low, high = int(y.min()), int(y.max())
        top = len(names) if names is not None else None
        if low < 0 or (top is not None and high >= top):
            expected = f"0 <= y < {top} (the number of labels)" if top is not None else "y >= 0"
            raise DatasetError(f"{path}: labels out of range: need {expected}. Received: y from {low} to {high}")
    if x is not None and x.dtype.kind == "f" and not np.isfinite(x).all():
        raise DatasetError(f"{path}: x holds NaN or infinite pixel values.")
