"""Atomic writes: a temporary file beside the target, flushed, then renamed over it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Writes ``data`` to ``path`` so that readers see the old file or the new one, never half.

    Raises:
        OSError: if the write fails (a full disk, say); the old file is left untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates the file 0600; give it the mode a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        _silently_remove(Path(tmp))
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Writes UTF-8 text atomically (see ``atomic_write_bytes``)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def replace_directory(staging: Path, target: Path) -> None:
    """Moves a fully written ``staging`` folder to ``target``.

    If ``target`` exists it is moved aside first and deleted only after the new one is in
    place, so a failure leaves the old folder where it was.
    """
    backup = None
    if target.exists():
        backup = target.with_name(f".{target.name}.old-{os.getpid()}")
        if backup.exists():
            shutil.rmtree(backup)
        os.replace(target, backup)
    try:
        os.replace(staging, target)
    except BaseException:
        if backup is not None:
            os.replace(backup, target)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def make_staging_dir(target: Path) -> Path:
    """A new empty folder beside ``target`` with the usual folder mode (not mkdtemp's 0700)."""
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    os.chmod(staging, 0o777 & ~_umask())
    return staging


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _silently_remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
