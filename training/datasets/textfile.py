"""Text datasets read line by line from regular files, every line bounded in length."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.errors import DatasetError, MojiyomiError
from core.ink import Ink
from core.safeio import open_regular, parse_json

#: Longest line of a text dataset (one ink of an ink JSONL, one stroke of a Tomoe file).
MAX_LINE_BYTES = 16 * 1024 * 1024


def iter_lines(path: str | os.PathLike[str], what: str) -> Iterator[tuple[int, str]]:
    """Yields (line number from 1, line without its end of line) of a UTF-8 text file.

    The file must be a regular file (a FIFO or a device is refused before a byte is read)
    and no line may be longer than ``MAX_LINE_BYTES``.

    Raises:
        DatasetError: naming the file and the line, if it cannot be read, a line is too
            long or is not UTF-8.
    """
    path = Path(path)
    with os.fdopen(open_regular(path, what, DatasetError), "rb") as handle:
        number = 0
        while True:
            number += 1
            try:
                raw = handle.readline(MAX_LINE_BYTES + 1)
            except OSError as exc:
                raise DatasetError(f"Cannot read the {what} {path}: {exc.strerror or exc}") from exc
            if not raw:
                return
            if len(raw) > MAX_LINE_BYTES:
                raise DatasetError(f"{path}, line {number}: the line is longer than {MAX_LINE_BYTES:,} bytes.")
            try:
                yield number, raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                raise DatasetError(f"{path}, line {number}: not UTF-8 text (byte {exc.start}).") from None


def iter_ink_lines(path: str | os.PathLike[str]) -> Iterator[tuple[int, Ink]]:
    """Yields (line number, ink) of an ink dataset (JSONL), one ink per non-blank line.

    Raises:
        DatasetError: naming the line, if one is not an ink JSON object (see ``Ink.from_json``).
    """
    for number, line in iter_lines(path, "ink dataset"):
        if line.strip():
            yield number, _ink(path, number, line)


def _ink(path: str | os.PathLike[str], number: int, line: str) -> Ink:
    where = f"{path}, line {number}"
    obj: Any = parse_json(line, where, DatasetError)
    try:
        return Ink.from_json(obj)
    except (MojiyomiError, TypeError, ValueError, OverflowError) as exc:  # a user's line, whatever it holds
        raise DatasetError(f"{where}: {exc}") from None
