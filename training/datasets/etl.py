"""The ETL Character Database (AIST) binary formats ETL8B, ETL9B, ETL8G and ETL9G.

Record layouts, as published with the database (big-endian):

* ETL8B2 (512 bytes) and ETL9B (576 bytes): serial sheet number (2), JIS X 0208 code (2),
  JIS typical reading (4 ASCII), a 64x63 image at 1 bit per pixel (504 bytes; 1 = ink);
  ETL9B adds 64 unused bytes. The first record of every file is a dummy.
* ETL8G and ETL9G (8,199 bytes): serial sheet number (2), JIS code (2), reading (8),
  serial data number (4), evaluations, sex and age of the writer (4 x 1), industry,
  occupation, gathering and scanning dates (4 x 2), sample position (2 x 1), unused
  (ETL8G 30, ETL9G 34), a 128x127 image at 4 bits per pixel (8,128 bytes; larger = darker
  ink), unused (ETL8G 11, ETL9G 7).

The sheet serial number identifies the writer's sheet and serves as the writer id.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import DatasetError


@dataclass(frozen=True)
class EtlFormat:
    """One ETL record layout."""

    name: str
    record: int
    layout: str
    size: tuple[int, int]  # (width, height)
    bits: int
    dummy_first: bool


FORMATS = {
    "ETL8B": EtlFormat("ETL8B", 512, ">HH4s504s", (64, 63), 1, True),
    "ETL9B": EtlFormat("ETL9B", 576, ">HH4s504s64x", (64, 63), 1, True),
    "ETL8G": EtlFormat("ETL8G", 8199, ">HH8sI4B4H2B30x8128s11x", (128, 127), 4, False),
    "ETL9G": EtlFormat("ETL9G", 8199, ">HH8sI4B4H2B34x8128s7x", (128, 127), 4, False),
}


def jis_to_char(code: int) -> str:
    """The Unicode character of a JIS X 0208 code (e.g. 0x2422 -> "あ").

    Full-width Latin letters and digits (row 3) become their ASCII forms, the labels the
    rest of mojiyomi uses (0x2330 -> "0").

    Raises:
        DatasetError: if the code is not a JIS X 0208 character.
    """
    hi, lo = code >> 8, code & 0xFF
    try:
        char = bytes([0x1B, 0x24, 0x42, hi, lo, 0x1B, 0x28, 0x42]).decode("iso2022_jp")
    except UnicodeDecodeError:
        raise DatasetError(f"Not a JIS X 0208 character code. Received: 0x{code:04X}") from None
    if "\uFF10" <= char <= "\uFF5A" and char.isalnum():
        return chr(ord(char) - 0xFEE0)
    return char


def char_to_jis(char: str) -> int:
    """The JIS X 0208 code of a character (the inverse of ``jis_to_char``)."""
    if char.isascii() and char.isalnum():
        char = chr(ord(char) + 0xFEE0)
    raw = char.encode("iso2022_jp")
    return (raw[3] << 8) | raw[4]


def detect_format(path: Path) -> EtlFormat:
    """The format of an ETL file from its name (ETL8B2C1, ETL9G_01, ...).

    Raises:
        DatasetError: if the name does not say which ETL format it is.
    """
    upper = path.name.upper()
    for key in ("ETL8B", "ETL9B", "ETL8G", "ETL9G"):
        if upper.startswith(key):
            return FORMATS[key]
    raise DatasetError(f"Cannot tell the ETL format of {path.name}: expected a name starting with "
                       f"ETL8B, ETL9B, ETL8G or ETL9G as the database ships them.")


def is_etl_path(path: Path) -> bool:
    """True for an ETL file, or a folder holding ETL files."""
    if path.is_dir():
        return any(_is_etl_name(p) for p in path.iterdir())
    return _is_etl_name(path)


def _is_etl_name(path: Path) -> bool:
    return path.is_file() and path.name.upper()[:5] in FORMATS and not path.suffix.lower() in (".txt", ".pdf")


def etl_files(path: Path) -> list[Path]:
    """The ETL files at ``path`` (the file itself or those in the folder), sorted."""
    return sorted(p for p in path.iterdir() if _is_etl_name(p)) if path.is_dir() else [path]


def count_records(path: Path, fmt: EtlFormat | None = None) -> tuple[int, int]:
    """(complete records holding samples, bytes of a truncated last record) of a file."""
    fmt = fmt or detect_format(path)
    size = os.path.getsize(path)
    records, tail = divmod(size, fmt.record)
    return max(0, records - (1 if fmt.dummy_first else 0)), tail


def iter_etl(path: Path, fmt: EtlFormat | None = None) -> Iterator[tuple[np.ndarray, str, int]]:
    """Yields (white-on-black uint8 picture, label, writer id) for every record of a file.

    A truncated last record (a file cut short) is skipped; ``count_records`` tells its size.

    Raises:
        DatasetError: if the file cannot be read or a code is not a character.
    """
    fmt = fmt or detect_format(path)
    layout = struct.Struct(fmt.layout)
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise DatasetError(f"Cannot read the ETL file {path}: {exc}") from exc
    with handle:
        if fmt.dummy_first:
            handle.read(fmt.record)
        while True:
            raw = handle.read(fmt.record)
            if len(raw) < fmt.record:
                return
            fields = layout.unpack(raw)
            yield _decode_image(fields[-1], fmt), jis_to_char(fields[1]), int(fields[0])


def _decode_image(data: bytes, fmt: EtlFormat) -> np.ndarray:
    width, height = fmt.size
    packed = np.frombuffer(data, dtype=np.uint8)
    if fmt.bits == 1:
        bits = np.unpackbits(packed)[: width * height]
        return (bits.reshape(height, width) * 255).astype(np.uint8)
    nibbles = np.empty(packed.size * 2, dtype=np.uint8)
    nibbles[0::2] = packed >> 4
    nibbles[1::2] = packed & 0x0F
    return (nibbles[: width * height].reshape(height, width) * 17).astype(np.uint8)


def encode_record(fmt: EtlFormat, image: np.ndarray, char: str, sheet: int) -> bytes:
    """One record in ``fmt``'s layout (for writing test files; ``image`` white ink on black)."""
    width, height = fmt.size
    pixels = np.asarray(image, dtype=np.uint8).reshape(height, width)
    if fmt.bits == 1:
        bits = (pixels > 127).astype(np.uint8).ravel()
        bits = np.concatenate([bits, np.zeros(504 * 8 - bits.size, np.uint8)])
        data = np.packbits(bits).tobytes()
        return struct.pack(fmt.layout, sheet, char_to_jis(char), b"    ", data)
    nib = (pixels.ravel() // 17).astype(np.uint8)
    data = ((nib[0::2] << 4) | nib[1::2]).astype(np.uint8).tobytes()
    return struct.pack(fmt.layout, sheet, char_to_jis(char), b"        ", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, data)
