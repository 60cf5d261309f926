"""Reading what a user hands in, with limits: the one boundary every file crosses.

Every file the user names (a picture, an ink file, a bundle's metadata or labels, a config)
is opened here: it must be a regular file (a FIFO would block forever, ``/dev/zero`` never
ends), its size is checked before a byte is read, and JSON is parsed with a bound on its
length and nesting. Paths named inside files (a bundle's ``files`` entries, a base model's
name) are resolved inside their folder and never escape it.

The functions raise the error class the caller passes (``InputError`` by default), with
a message that says what was wrong and what was received.
"""

from __future__ import annotations

import json
import math
import os
import stat
import unicodedata
from pathlib import Path
from typing import Any

from core.errors import InputError, MojiyomiError

#: Default largest file read whole (pictures, ink, metadata): 256 MB.
MAX_FILE_BYTES = 256 * 1024 * 1024
#: Default deepest JSON nesting accepted (an ink is 3 deep, metadata about 5).
MAX_JSON_DEPTH = 32
#: Longest name made from user text (a bundle or file name), in characters.
MAX_NAME_CHARS = 80

ErrorType = type[MojiyomiError]


def open_regular(path: str | os.PathLike[str], what: str = "file",
                 error: ErrorType = InputError) -> int:
    """Opens a regular file for reading without blocking; returns the file descriptor.

    A FIFO, a device (``/dev/zero``), a socket or a folder is refused, whether named directly
    or through a symlink, so a read can neither block forever nor run without end.

    Raises:
        error: if the file is missing, unreadable or not a regular file.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError as exc:
        raise error(f"The {what} {path} does not exist.") from exc
    except IsADirectoryError as exc:
        raise error(f"The {what} {path} is a folder, not a file.") from exc
    except OSError as exc:
        raise error(f"Cannot read the {what} {path}: {exc.strerror or exc}") from exc
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        raise error(f"Cannot read the {what} {path}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise error(f"The {what} {path} is not a regular file (it is {_kind(mode)}).")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return fd


def read_bytes(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES, what: str = "file",
               error: ErrorType = InputError) -> bytes:
    """Reads a whole regular file of at most ``max_bytes``.

    Raises:
        error: if the file is not a regular file, is unreadable or is larger than the limit.
    """
    fd = open_regular(path, what, error)
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise error(f"The {what} {path} is too large: {_mb(size)} (the limit is {_mb(max_bytes)}).")
        try:
            # Read what the file says it holds (and one byte more, in case it grew): reading
            # max_bytes + 1 would reserve that much for every small file.
            data = handle.read(min(size, max_bytes) + 1)
            if len(data) > size and len(data) <= max_bytes:
                data += handle.read(max_bytes + 1 - len(data))
        except OSError as exc:
            raise error(f"Cannot read the {what} {path}: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise error(f"The {what} {path} is too large: over {_mb(max_bytes)}.")
    return data


def read_text(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES, what: str = "file",
              error: ErrorType = InputError) -> str:
    """Reads a whole regular UTF-8 text file of at most ``max_bytes`` (see ``read_bytes``)."""
    data = read_bytes(path, max_bytes, what, error)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"The {what} {path} is not UTF-8 text (byte {exc.start}).") from exc


def parse_json(text: str | bytes, what: str = "JSON", error: ErrorType = InputError,
               max_depth: int = MAX_JSON_DEPTH, max_chars: int = MAX_FILE_BYTES, allow_nan: bool = False) -> Any:
    """Parses JSON with bounds on its length and nesting; NaN and Infinity are refused.

    ``allow_nan`` reads them as floats instead, for files mojiyomi itself wrote with them
    (bundle metadata recorded NaN metrics before numbers were checked).

    Raises:
        error: if the text is too long, not JSON, nested deeper than ``max_depth`` or holds
            a number that does not fit a float.
    """
    if len(text) > max_chars:
        raise error(f"The {what} is too long: {len(text):,} characters (the limit is {max_chars:,}).")
    try:
        obj = json.loads(text, parse_constant=float if allow_nan else _refuse_constant, parse_int=_bounded_int)
    except RecursionError as exc:
        raise error(f"The {what} is nested too deeply (the limit is {max_depth} levels).") from exc
    except _BadNumber as exc:
        raise error(f"The {what} holds a number that is not allowed. Received: {exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise error(f"The {what} is not valid JSON: {exc}") from exc
    except ValueError as exc:  # e.g. an integer literal past Python's digit limit
        raise error(f"The {what} is not valid JSON: {exc}") from exc
    depth = json_depth(obj, max_depth + 1)
    if depth > max_depth:
        raise error(f"The {what} is nested too deeply: over {max_depth} levels.")
    return obj


def load_json(path: str | os.PathLike[str], what: str = "JSON file", error: ErrorType = InputError,
              max_bytes: int = 16 * 1024 * 1024, max_depth: int = MAX_JSON_DEPTH, allow_nan: bool = False) -> Any:
    """Reads and parses a JSON file with ``read_text``'s and ``parse_json``'s limits."""
    text = read_text(path, max_bytes, what, error)
    return parse_json(text, f"{what} {path}", error, max_depth, max_bytes, allow_nan)


def json_depth(obj: Any, stop_at: int = MAX_JSON_DEPTH + 1) -> int:
    """Nesting depth of parsed JSON (a scalar is 0), counting no further than ``stop_at``."""
    depth = 0
    level: list[Any] = [obj]
    while level and depth < stop_at:
        children: list[Any] = []
        for item in level:
            if isinstance(item, dict):
                children.extend(item.values())
            elif isinstance(item, list):
                children.extend(item)
        if not any(isinstance(item, (dict, list)) for item in level):
            break
        depth += 1
        level = children
    return depth


def finite_number(value: Any, what: str, error: ErrorType = InputError,
                  low: float = -1e9, high: float = 1e9) -> float:
    """``value`` as a finite float within [low, high]; booleans and strings are refused.

    Raises:
        error: naming ``what`` and the value received.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise error(f"{what} must be a number. Received: {_preview(value)}")
    try:
        number = float(value)
    except OverflowError as exc:
        raise error(f"{what} is out of range. Received: {_preview(value)}") from exc
    if not math.isfinite(number) or not low <= number <= high:
        raise error(f"{what} must be a finite number between {low:g} and {high:g}. Received: {_preview(value)}")
    return number


def resolve_inside(folder: str | os.PathLike[str], name: Any, what: str = "file",
                   error: ErrorType = InputError) -> Path:
    """The path of ``name`` inside ``folder``; it may not leave the folder.

    ``name`` must be a relative path string without ``..``; after symlinks are resolved
    the path must still lie inside ``folder``.

    Raises:
        error: if ``name`` is not a string, is absolute, climbs out, or a symlink leads out.
    """
    folder = Path(folder)
    if not isinstance(name, str) or not name or "\x00" in name:
        raise error(f"The {what} name in {folder} must be a non-empty string. Received: {_preview(name)}")
    relative = Path(name)
    if relative.is_absolute() or relative.drive or ".." in relative.parts or name.startswith(("/", "\\")):
        raise error(f"The {what} {name!r} named in {folder} must lie inside that folder.")
    target = folder / relative
    try:
        inside = target.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
        raise error(f"The {what} {target} cannot be resolved: {exc}") from exc
    if not inside:
        raise error(f"The {what} {target} leads outside {folder} (through a symlink).")
    return target


def safe_name(text: Any, fallback: str = "model") -> str:
    """A file or folder name made from user text: one path component, never hidden.

    Path separators, control characters and characters Windows forbids become ``-``;
    leading dots and spaces are removed; the name is NFC-normalized and at most
    ``MAX_NAME_CHARS`` long. ``fallback`` is used when nothing is left.
    """
    raw = unicodedata.normalize("NFC", text if isinstance(text, str) else "")
    cleaned = "".join("-" if (ch in '/\\:*?"<>|' or unicodedata.category(ch).startswith("C")) else ch
                      for ch in raw)
    cleaned = cleaned.strip().lstrip(". ").rstrip(". ")[:MAX_NAME_CHARS].rstrip(". ")
    if cleaned in ("", ".", "..") or set(cleaned) <= {"-", "."}:
        return fallback
    return cleaned


class _BadNumber(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _BadNumber(name)


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 30:
        raise _BadNumber(f"an integer of {len(text.lstrip('-'))} digits")
    return int(text)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a plain file"


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size:,} bytes"


def _preview(obj: Any) -> str:
    text = repr(obj)
    return text if len(text) < 80 else text[:77] + "..."
