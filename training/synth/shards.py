"""NPZ shards of generated samples, and joining them into the one NPZ training reads.

A shard is an uncompressed NPZ with ``x`` (N, s, s, 1) uint8 and ``y`` (N,) label strings,
the format ``training.datasets`` reads. ``merge_shards`` streams shards into one NPZ
without holding them all in memory, so a set of several GB can be joined on a small machine.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.atomic import atomic_write_bytes
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
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.uint8)), "fortran_order": False,
              "shape": (sum(s[0] for s in shapes), *shapes[0][1:])}
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    os.chmod(temporary, 0o666 & ~_umask())  # mkstemp's 0600 would hide the set from other users
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            with archive.open("x.npy", "w", force_zip64=True) as out:
                np.lib.format.write_array_header_2_0(out, header)
                for shard in shards:
                    with np.load(shard) as data:
                        out.write(np.ascontiguousarray(data["x"]).tobytes())
            with archive.open("y.npy", "w", force_zip64=True) as out:
                np.lib.format.write_array(out, np.concatenate(labels).astype(str))
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
