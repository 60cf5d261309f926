"""Atomic writes: a temporary file beside the target, flushed, then renamed over it."""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Writes ``data`` to ``path`` so that readers see the old file or the new one, never half.

    Raises:
        OSError: if the write fails (a full disk, say); the old file is left untouched.
    """
    path = _regular_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_beside(path)
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        _silently_remove(tmp)
        raise


def temporary_beside(target: Path) -> Path:
    """A new empty file ``.<name>.<random>.tmp`` in ``target``'s folder, to be renamed over it.

    It has the mode a plain ``open()`` would give (``mkstemp`` makes it 0600, which would hide
    the file from other users once renamed). The caller removes it if it is never renamed.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
    finally:
        os.close(fd)
    return Path(tmp)


def _regular_target(path: Path) -> Path:
    """The file an atomic write may replace: ``path``, or the file a symlink there points to.

    Renaming over a device, a FIFO or a folder would replace it (``--out /dev/null`` once
    turned /dev/null into a plain file), so anything but a regular file is refused.

    Raises:
        IsADirectoryError, FileExistsError: if ``path`` is a folder, or a device, FIFO or socket.
    """
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return path
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"{path} is a folder; a file was expected there. Nothing was written.")
    if not stat.S_ISREG(mode):
        raise FileExistsError(f"{path} is a device, FIFO or socket, not a file; it is never replaced. "
                              f"Nothing was written.")
    return path


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
    """A new empty folder beside ``target`` with the usual folder mode (not mkdtemp's 0700).

    Its name, ``.<target>.staging-<pid>-<random>``, names the writing process, so that
    ``clean_stale`` can tell a killed writer's leftovers from a running writer's work.
    """
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-{os.getpid()}-", dir=target.parent))
    os.chmod(staging, 0o777 & ~_umask())
    return staging


def clean_stale(folder: Path) -> list[Path]:
    """Removes what killed writers left in ``folder``: staging folders and moved-aside targets.

    A ``.<name>.staging-<pid>-*`` folder of a process that is gone is deleted (it was never
    complete). A ``.<name>.old-<pid>`` folder of a process that is gone is the previous
    version of ``<name>``, moved aside just before the new one was moved in: it is put back
    if ``<name>`` is missing (the writer died between the two moves), else deleted.
    Leftovers of running processes are not touched.

    Returns:
        The leftovers removed or restored.
    """
    handled: list[Path] = []
    try:
        children = [child for child in folder.iterdir() if child.name.startswith(".")]
    except OSError:
        return handled
    for child in children:
        staging, old = _STAGING.fullmatch(child.name), _OLD.fullmatch(child.name)
        match = staging or old
        if match is None or child.is_symlink() or not child.is_dir() or _alive(match["pid"]):
            continue
        target = folder / match["name"]
        try:
            if old and not target.exists() and not target.is_symlink():
                os.replace(child, target)
            else:
                shutil.rmtree(child)
        except OSError:
            continue
        handled.append(child)
    return handled


_STAGING = re.compile(r"\.(?P<name>.+)\.staging-(?:(?P<pid>[0-9]+)-)?[A-Za-z0-9_]+", re.DOTALL)
_OLD = re.compile(r"\.(?P<name>.+)\.old-(?P<pid>[0-9]+)", re.DOTALL)


def _alive(pid_text: str | None) -> bool:
    """Whether the process that wrote a leftover may still be running (when in doubt: yes)."""
    if not pid_text:
        return False  # written before staging folders named their process: long gone
    return process_alive(int(pid_text))


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` may still be running on this machine (when in doubt: yes)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # os.kill(pid, 0) would terminate the process on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _silently_remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
