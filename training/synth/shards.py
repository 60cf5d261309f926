"""NPZ shards of generated samples, and joining them into the one NPZ training reads.

A shard is an uncompressed NPZ with ``x`` (N, s, s, 1) uint8 and ``y`` (N,) label strings,
the format ``training.datasets`` reads. ``merge_shards`` streams shards into one NPZ
without holding them all in memory, so a set of several GB can be joined on a small machine.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from core.atomic import atomic_write_bytes, temporary_beside
from core.errors import DatasetError


def write_shard(path: Path, x: np.ndarray, y: np.ndarray) -> None:
    """Writes one shard atomically.

    Raises:
        DatasetError: if ``x`` is not (N, s, s, 1) uint8 or ``y`` does not have N labels.
    """
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[3] != 1 or len(x) != len(y):
        raise DatasetError(f"A shard needs x (N, s, s, 1) uint8 and N labels. "
                           f"Received: x {x.shape} {x.dtype}, y {y.shape}")
    buffer = io.BytesIO()
    np.savez(buffer, x=x, y=np.asarray(y, dtype=str))
    atomic_write_bytes(path, buffer.getvalue())


def merge_shards(shards: Sequence[Path], target: Path) -> Path:
    """Joins shards into one NPZ (``x``, ``y``), streaming ``x`` shard by shard.

    Args:
        shards: Shard files, in the order their samples should appear.
        target: The NPZ to write; replaced atomically.

    Returns:
        ``target``.

    Raises:
        DatasetError: if there is no shard or shards disagree on the picture size.
    """
    if not shards:
        raise DatasetError("There are no shards to merge. Received: 0 files")
    shapes, labels = [], []
    for shard in shards:
        with np.load(shard) as data:
            shapes.append(data["x"].shape)
            labels.append(data["y"])
    if len({s[1:] for s in shapes}) != 1:
        raise DatasetError(f"Shards hold pictures of different sizes. Received: {sorted({s[1:] for s in shapes})}")
    temporary = temporary_beside(target)
    try:
        write_samples(temporary, (sum(s[0] for s in shapes), *shapes[0][1:]), _shard_pictures(shards),
                      np.concatenate(labels))
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


def _shard_pictures(shards: Sequence[Path]) -> Iterator[np.ndarray]:
    for shard in shards:
        with np.load(shard) as data:
            yield data["x"]


def write_samples(path: Path, shape: tuple[int, ...], pictures: Iterable[np.ndarray], labels: np.ndarray) -> None:
    """Writes an uncompressed NPZ of ``x`` (``shape``, uint8) streamed from ``pictures`` and ``y`` = ``labels``.

    The format of a generated set's ``synth.npz``: ``x``'s rows are written as they come, so a
    set larger than memory is written without holding it (a shard or a chunk at a time).
    """
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.uint8)), "fortran_order": False, "shape": shape}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        with archive.open("x.npy", "w", force_zip64=True) as out:
            np.lib.format.write_array_header_2_0(out, header)
            for rows in pictures:
                out.write(np.ascontiguousarray(rows).tobytes())
        with archive.open("y.npy", "w", force_zip64=True) as out:
            np.lib.format.write_array(out, np.asarray(labels).astype(str))
