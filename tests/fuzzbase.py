"""The fuzz's building blocks: valid seed inputs, mutations, and how a case's files are written.

``Templates`` holds valid inputs made once per run (a bundle copied from
``resources/models/digits``, pictures of every format, huge-header pictures, inks, an NPZ,
IDX files, a Tomoe dictionary, ETL records, a samples database). The kinds
(``tests/fuzzkinds_files.py``, ``tests/fuzzkinds_models.py``) copy and damage them with
``mutate_bytes``/``mutate_json`` and the file helpers here; ``tests/fuzzgen.py`` lists them.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import shutil
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np


REPO = Path(__file__).resolve().parent.parent
DIGITS = REPO / "resources" / "models" / "digits"
#: JSON text that ``json.dumps`` cannot write: swapped in for these marker strings.
RAW = {"@BIGINT@": "1" + "0" * 400, "@NEGBIGINT@": "-" + "9" * 400, "@E400@": "1e400", "@NAN@": "NaN",
       "@INF@": "-Infinity", "@DEEP@": "[" * 1000 + "]" * 1000, "@DEEPDICT@": '{"a":' * 1000 + "1" + "}" * 1000}
NASTY: tuple[Any, ...] = (None, True, False, 0, -1, 1.5, "", "x" * 300, "../../escaped", "/etc/passwd", [], {},
                          [[]], {"a": 1}, [1], [None], [[None, None]], 10 ** 12, -(10 ** 12), 1e300, *RAW)



@dataclass(frozen=True)
class Plan:
    """One case: the command (run with ``user/`` as the current folder) and what it may write.

    Attributes:
        argv: ``mojiyomi`` arguments.
        outputs: glob patterns (relative to ``user/``) the command may create or change when it
            succeeds; the data folder is always allowed.
        replaceable: patterns of files the user asked to replace (an existing bundle given as --out).
        isolate: run it in a process of its own (it may block or allocate without bound).
    """

    argv: list[str]
    outputs: tuple[str, ...] = ()
    replaceable: tuple[str, ...] = ()
    isolate: bool = False


@dataclass
class Templates:
    """Valid inputs made once per run; cases copy (or hard-link) and damage them."""

    root: Path
    pictures: dict[str, bytes] = field(default_factory=dict)
    huge: dict[str, bytes] = field(default_factory=dict)
    ink: dict[str, Any] = field(default_factory=dict)
    jsonl: str = ""
    npz: bytes = b""
    idx: dict[str, bytes] = field(default_factory=dict)
    tdic: str = ""
    etl: bytes = b""
    samples_db: bytes = b""

    @property
    def bundle(self) -> Path:
        return self.root / "bundle"


def make_templates(root: Path) -> Templates:
    """Writes the template bundle under ``root`` and makes every valid seed input."""
    from core.samples import SampleStore
    from tests.datagen import drawn_digits, write_etl
    from tests.strokefont import writer_samples

    root.mkdir(parents=True, exist_ok=True)
    t = Templates(root)
    if not t.bundle.exists():
        t.bundle.mkdir()
        for name in ("metadata.json", "labels.txt", "model.tflite", "model.keras", "replay.npz"):
            if (DIGITS / name).exists():
                shutil.copy2(DIGITS / name, t.bundle / name)
    x, y = drawn_digits(48, seed=3)
    picture = 255 - x[0]
    for ext in (".png", ".jpg", ".bmp", ".tiff", ".webp", ".pgm"):
        t.pictures[ext] = cv2.imencode(ext, picture)[1].tobytes()
    t.pictures[".gif"] = gif_bytes(picture)
    t.huge = _huge_pictures(picture)
    inks = writer_samples(4, seed=5, slant=0.1, squash=1.0)
    t.ink = inks[0].to_json()
    t.jsonl = "".join(json.dumps(ink.to_json()) + "\n" for ink in inks)
    buf = io.BytesIO()
    np.savez(buf, x=x, y=y, writers=np.arange(len(y)) % 4)
    t.npz = buf.getvalue()
    for split, n in (("train", 48), ("t10k", 24)):
        t.idx[f"{split}-images-idx3-ubyte.gz"] = idx_bytes(x[:n])
        t.idx[f"{split}-labels-idx1-ubyte.gz"] = idx_bytes(y[:n])
    t.tdic = "".join(f"{ink.label}\n:{len(ink.strokes)}\n" + "".join(
        f"{len(s)} " + " ".join(f"({int(px)} {int(py)})" for px, py in s[:, :2]) + "\n" for s in ink.strokes) + "\n"
        for ink in inks[:12])
    write_etl(root / "ETL8B2C1", "ETL8B", "あいう", 2)
    t.etl = (root / "ETL8B2C1").read_bytes()
    db = root / "samples.sqlite3"
    if not db.exists():
        with SampleStore(db) as store:
            for ink in inks[:12]:
                store.add(ink.with_label(None), str(ink.label), "digits", [(str(ink.label), 0.9), ("1", 0.1)])
        for suffix in ("-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    t.samples_db = db.read_bytes()
    return t


def gif_bytes(grey: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(grey).save(buf, format="GIF")
    return buf.getvalue()


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def _huge_pictures(small: np.ndarray) -> dict[str, bytes]:
    """Pictures whose headers promise far more pixels than the 64-megapixel limit."""
    huge = {}
    white = np.full((16000, 16000), 255, np.uint8)
    huge["tiff16k.tiff"] = cv2.imencode(".tiff", white)[1].tobytes()  # LZW: a few hundred KB
    del white
    huge["webp12k.webp"] = cv2.imencode(".webp", np.full((12000, 12000), 255, np.uint8),
                                        [cv2.IMWRITE_WEBP_QUALITY, 101])[1].tobytes()
    jpeg = cv2.imencode(".jpg", small)[1].tobytes()
    huge["jpeg30k-fill.jpg"] = b"\xff\xd8\xff" + _set_jpeg_size(jpeg, 30000, 30000)[2:]
    huge["jpeg30k.jpg"] = _set_jpeg_size(jpeg, 30000, 30000)
    png = cv2.imencode(".png", small)[1].tobytes()
    huge["png30k.png"] = _set_png_size(png, 30000, 30000)
    bmp = bytearray(cv2.imencode(".bmp", small)[1].tobytes())
    bmp[18:26] = struct.pack("<ii", 30000, 30000)
    huge["bmp30k.bmp"] = bytes(bmp)
    gif = bytearray(gif_bytes(small))
    gif[6:10] = struct.pack("<HH", 65535, 65535)
    huge["gif64k.gif"] = bytes(gif)
    huge["pgm144mp-header.pgm"] = b"P5\n12000 12000\n255\n" + small.tobytes()
    return huge


def _set_png_size(png: bytes, width: int, height: int) -> bytes:
    ihdr = png[12:16] + struct.pack(">II", width, height) + png[24:29]
    return png[:8] + png[8:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + png[33:]


def png_chunk_length(png: bytes, length: int) -> bytes:
    """The PNG with its first chunk after IHDR claiming ``length`` bytes (OpenCV allocates that much)."""
    return png[:33] + struct.pack(">I", length) + png[37:]


def _set_jpeg_size(jpeg: bytes, width: int, height: int) -> bytes:
    data = bytearray(jpeg)
    i = 2
    while i + 9 < len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            data[i + 5:i + 9] = struct.pack(">HH", height, width)
            break
        i += 2 + length
    return bytes(data)


# --- mutations -----------------------------------------------------------------------------

def mutate_bytes(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """A damaged copy of ``data`` and a short description of the damage."""
    op = rng.choice(("truncate", "flip", "overwrite", "insert", "zero-tail", "header-flip"))
    buf = bytearray(data)
    if op == "truncate":
        cut = rng.randrange(0, max(1, len(buf)))
        return bytes(buf[:cut]), f"truncated at {cut}"
    if op in ("flip", "header-flip"):
        span = min(len(buf), 64) if op == "header-flip" else len(buf)
        flips = rng.randint(1, 8)
        for _ in range(flips):
            pos = rng.randrange(max(1, span))
            if pos < len(buf):
                buf[pos] ^= 1 << rng.randrange(8)
        return bytes(buf), f"{flips} bits flipped in the first {span} bytes"
    if op == "overwrite":
        pos, n = rng.randrange(max(1, len(buf))), rng.randint(1, 32)
        buf[pos:pos + n] = bytes(rng.choice((0x00, 0xFF, rng.randrange(256))) for _ in range(n))
        return bytes(buf), f"{n} bytes overwritten at {pos}"
    if op == "insert":
        pos = rng.randrange(max(1, len(buf)))
        return bytes(buf[:pos] + os.urandom(rng.randint(1, 64)) + buf[pos:]), f"random bytes inserted at {pos}"
    pos = rng.randrange(max(1, len(buf)))
    return bytes(buf[:pos]) + b"\0" * (len(buf) - pos), f"zeroed from {pos}"


def mutate_json(rng: random.Random, obj: Any) -> tuple[str, str]:
    """JSON text of ``obj`` with one node replaced, removed or wrapped; and what was done."""
    obj = json.loads(json.dumps(obj))
    paths = list(_json_paths(obj))
    path = rng.choice(paths)
    op = rng.choice(("replace", "replace", "replace", "delete", "wrap", "grow"))
    value: Any = rng.choice(NASTY)
    if not path:
        obj, what = value, f"whole document -> {short(value)}"
    else:
        parent = _json_get(obj, path[:-1])
        key = path[-1]
        old = parent[key]
        if op == "delete":
            del parent[key]
            what = f"{_fmt(path)} deleted"
        elif op == "wrap":
            parent[key] = [old] if rng.random() < 0.5 else {"value": old}
            what = f"{_fmt(path)} wrapped"
        elif op == "grow" and isinstance(old, list) and old:
            parent[key] = old * rng.choice((2, 1000, 20000))
            what = f"{_fmt(path)} repeated to {len(parent[key])} items"
        else:
            parent[key] = value
            what = f"{_fmt(path)} -> {short(value)}"
    return dumps_raw(obj), what


def dumps_raw(obj: Any) -> str:
    """``json.dumps`` with the ``RAW`` markers replaced by text it cannot write."""
    text = json.dumps(obj, ensure_ascii=False)
    for marker, raw in RAW.items():
        text = text.replace(json.dumps(marker), raw)
    return text


def _json_paths(obj: Any, prefix: tuple[Any, ...] = (), limit: int = 400) -> list[tuple[Any, ...]]:
    out = [prefix]
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for key, value in list(items)[:8]:
        out.extend(_json_paths(value, (*prefix, key), limit))
        if len(out) > limit:
            break
    return out


def _json_get(obj: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        obj = obj[key]
    return obj


def _fmt(path: tuple[Any, ...]) -> str:
    return "/".join(str(p) for p in path) or "(root)"


def short(value: Any) -> str:
    if isinstance(value, str) and value in RAW:
        return RAW[value][:12] + "..."
    return repr(value)[:30]


# --- writing a case's files --------------------------------------------------------------

Builder = Callable[[random.Random, Path, Templates], tuple[Plan, str]]
MODEL = ["--model", "digits"]


def recognize_plan(file: str) -> Plan:
    return Plan(["recognize", *MODEL, file])


def evaluate_plan(data: str, *extra: str) -> Plan:
    return Plan(["evaluate", *MODEL, "--data", data, *extra])


def write_file(user: Path, name: str, data: bytes | str) -> str:
    path = user / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return name


def special_file(user: Path, name: str, what: str) -> str:
    """A FIFO, a symlink to a device, a folder, a dangling link or a sparse 300 MB file named ``name``."""
    path = user / name
    if what == "fifo":
        os.mkfifo(path)
    elif what in ("/dev/zero", "/dev/urandom", "/etc/passwd"):
        path.symlink_to(what)
    elif what == "folder":
        path.mkdir()
    elif what == "dangling":
        path.symlink_to(user / "nowhere")
    elif what == "sparse":
        with open(path, "wb") as handle:
            handle.truncate(300 * 1024 * 1024)
    return name


SPECIALS = ("fifo", "/dev/zero", "/dev/urandom", "folder", "dangling", "sparse")


def npz_file(user: Path, name: str = "set.npz", **arrays: Any) -> str:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return write_file(user, name, buf.getvalue())


def copy_bundle(t: Templates, user: Path, name: str = "bundle", metadata: Any = None,
                raw_metadata: str | None = None) -> Path:
    """The template bundle hard-linked into ``user/name`` (metadata written fresh)."""
    target = user / name
    target.mkdir()
    for file in t.bundle.iterdir():
        if file.name != "metadata.json":
            try:
                os.link(file, target / file.name)
            except OSError:
                shutil.copy2(file, target / file.name)
    meta = json.loads((t.bundle / "metadata.json").read_text()) if metadata is None else metadata
    (target / "metadata.json").write_text(raw_metadata if raw_metadata is not None else dumps_raw(meta))
    return target


def template_metadata(t: Templates) -> dict[str, Any]:
    return json.loads((t.bundle / "metadata.json").read_text())


def ink_file(user: Path, t: Templates) -> str:
    return write_file(user, "ink.json", json.dumps(t.ink))
