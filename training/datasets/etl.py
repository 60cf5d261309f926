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

None of these layouts has a writer field: the serial sheet number stands for the writer.
In ETL9 each writer filled 20 consecutive sheets (4,000 sheets for 200 writers), so sheets
are grouped by 20 into one writer id; in ETL8 the sheet number is the writer id. (Grouping
sheets never splits one, so a split by writer can at worst be coarser than needed.)

Records are read as they are: ETL8B2C3 ends with 956 printed model characters and
ETL9B's last file with 3,036 samples the database marks uncertain.
"""

from __future__ import annotations

import logging
import os
import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.binarize import stretch
from core.errors import DatasetError
from core.safeio import open_regular

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EtlFormat:
    """One ETL record layout.

    Attributes:
        name: ETL8B, ETL9B, ETL8G or ETL9G.
        record: Bytes per record.
        layout: ``struct`` format of a record; the first field is the sheet number, the
            second the JIS code, the last the packed image.
        size: (width, height) of the image.
        bits: Bits per pixel (1 or 4).
        dummy_first: The file starts with a dummy record.
        sheets_per_writer: Consecutive sheets filled by one writer.
    """

    name: str
    record: int
    layout: str
    size: tuple[int, int]
    bits: int
    dummy_first: bool
    sheets_per_writer: int

    def writer(self, sheet: int) -> int:
        """The writer id (from 1) of a serial sheet number."""
        return (sheet - 1) // self.sheets_per_writer + 1


FORMATS = {
    "ETL8B": EtlFormat("ETL8B", 512, ">HH4s504s", (64, 63), 1, True, 1),
    "ETL9B": EtlFormat("ETL9B", 576, ">HH4s504s64x", (64, 63), 1, True, 20),
    "ETL8G": EtlFormat("ETL8G", 8199, ">HH8sI4B4H2B30x8128s11x", (128, 127), 4, False, 1),
    "ETL9G": EtlFormat("ETL9G", 8199, ">HH8sI4B4H2B34x8128s7x", (128, 127), 4, False, 20),
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


def detect_format(path: Path, forced: str | None = None) -> EtlFormat:
    """The format of an ETL file: forced, else from its name, else from its size.

    The database ships files named ETL8B2C1, ETL9B_1, ETL8G_01, ETL9G_01...; a renamed
    file is recognized when its size is a multiple of exactly one record size (ETL8G and
    ETL9G share theirs, so a renamed G file needs ``forced``).

    Args:
        path: The ETL file.
        forced: ``"ETL8B"``, ``"ETL9B"``, ``"ETL8G"`` or ``"ETL9G"`` (any case), or None.

    Raises:
        DatasetError: if ``forced`` is unknown or neither name nor size tells the format.
    """
    if forced is not None:
        key = forced.upper()
        if key not in FORMATS:
            raise DatasetError(f"Unknown ETL format. Received: {forced!r}, expected one of {', '.join(FORMATS)}")
        return FORMATS[key]
    by_name = _format_from_name(path)
    if by_name is not None:
        return by_name
    size = _size(path)
    fits = sorted({f.record for f in FORMATS.values() if size and size % f.record == 0})
    if len(fits) == 1 and fits[0] != FORMATS["ETL8G"].record:
        return next(f for f in FORMATS.values() if f.record == fits[0])
    raise DatasetError(f"Cannot tell the ETL format of {path.name} ({size} bytes): name it as the database "
                       f"does (ETL8B2C1, ETL9B_1, ETL8G_01, ETL9G_01) or force the format "
                       f"(format='etl8g'). Record sizes: ETL8B 512, ETL9B 576, ETL8G/ETL9G 8199 bytes.")


def _format_from_name(path: Path) -> EtlFormat | None:
    upper = path.name.upper()
    return next((fmt for key, fmt in FORMATS.items() if upper.startswith(key)), None)


def is_etl_path(path: Path) -> bool:
    """True for an ETL file, or a folder holding ETL files (recognized by name)."""
    if path.is_dir():
        return any(_is_etl_name(p) for p in path.iterdir())
    return _is_etl_name(path)


def _is_etl_name(path: Path) -> bool:
    # The ETL8INFO/ETL9INFO tables and the documents shipped beside the data are not records.
    return path.is_file() and _format_from_name(path) is not None and path.suffix.lower() not in (".txt", ".pdf")


def etl_files(path: Path) -> list[Path]:
    """The ETL files at ``path`` (the file itself or those in the folder), sorted."""
    return sorted(p for p in path.iterdir() if _is_etl_name(p)) if path.is_dir() else [path]


def count_records(path: Path, fmt: EtlFormat | None = None) -> tuple[int, int]:
    """(complete records holding samples, bytes of a truncated last record) of a file."""
    fmt = fmt or detect_format(path)
    size = _size(path)
    records, tail = divmod(size, fmt.record)
    return max(0, records - (1 if fmt.dummy_first else 0)), tail


def iter_etl(path: Path, fmt: EtlFormat | None = None,
             notes: list[str] | None = None) -> Iterator[tuple[np.ndarray, str, int]]:
    """Yields (white-on-black uint8 picture, label, writer id) for every record of a file.

    A truncated file (its size not a multiple of the record size, as when a download was
    cut short) is not fatal: its complete records are read and a note names the file, its
    size and the record size.

    Args:
        path: The ETL file.
        fmt: Its layout; None detects it (``detect_format``).
        notes: Where the note of a truncated file goes; None logs it as a warning.

    Raises:
        DatasetError: if the file cannot be read, holds no complete record, or a code is not
            a JIS X 0208 character.
    """
    fmt = fmt or detect_format(path)
    layout = struct.Struct(fmt.layout)
    with os.fdopen(open_regular(path, "ETL file", DatasetError), "rb") as handle:
        note = _truncation(path, fmt)
        if note and notes is not None:
            notes.append(note)
        elif note:
            log.warning("%s", note)
        if fmt.dummy_first:
            handle.read(fmt.record)
        number = 0
        while len(raw := handle.read(fmt.record)) == fmt.record:
            number += 1
            fields = layout.unpack(raw)
            yield _decode_image(fields[-1], fmt), _char(path, fields[1], number), fmt.writer(int(fields[0]))


def iter_etl_labels(path: Path, fmt: EtlFormat | None = None) -> Iterator[str]:
    """The labels of a file's records, in order, without decoding the pictures."""
    fmt = fmt or detect_format(path)
    records, _ = count_records(path, fmt)
    with os.fdopen(open_regular(path, "ETL file", DatasetError), "rb") as handle:
        for i in range(records):
            handle.seek((i + fmt.dummy_first) * fmt.record + 2)
            yield _char(path, int.from_bytes(handle.read(2), "big"), i + 1)


def _char(path: Path, code: int, number: int) -> str:
    try:
        return jis_to_char(code)
    except DatasetError as exc:
        raise DatasetError(f"{path}, record {number}: {exc}") from None


def _truncation(path: Path, fmt: EtlFormat) -> str | None:
    """What to say of a file whose size is not a whole number of records (None if it is)."""
    records, tail = count_records(path, fmt)
    if not records:
        dummy = ", after a dummy first record" if fmt.dummy_first else ""
        raise DatasetError(f"{path} holds no complete {fmt.name} record ({fmt.record} bytes each{dummy}). "
                           f"Received: {_size(path)} bytes")
    if not tail:
        return None
    return (f"{path} is truncated: {_size(path)} bytes is not a multiple of the {fmt.name} record size "
            f"({fmt.record} bytes); reading its {records} complete records and ignoring the last {tail} bytes.")


def _size(path: Path) -> int:
    """The size of an ETL file, which must be a regular file (a FIFO would block the reader)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise DatasetError(f"Cannot read the ETL file {path}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise DatasetError(f"The ETL file {path} is not a regular file.")
    return info.st_size


def _decode_image(data: bytes, fmt: EtlFormat) -> np.ndarray:
    width, height = fmt.size
    packed = np.frombuffer(data, dtype=np.uint8)
    if fmt.bits == 1:
        bits = np.unpackbits(packed)[: width * height]
        return (bits.reshape(height, width) * 255).astype(np.uint8)
    nibbles = np.empty(packed.size * 2, dtype=np.uint8)
    nibbles[0::2] = packed >> 4
    nibbles[1::2] = packed & 0x0F
    grey = nibbles[: width * height].reshape(height, width).astype(np.int32)
    # A scanned sheet is not black: the paper reads as a low, noisy level that
    # normalize_image would take for ink. The commonest level is the paper; one above it
    # is still noise. What stands above it is stretched as the picture path stretches ink
    # (faint ETL8G pencil becomes as firm as ink, not a dim grey).
    paper = int(np.median(grey)) + 1
    return stretch(np.clip(grey - paper, 0, None).astype(np.float32))


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
