"""Bad inputs of every kind issue 10 lists, generated for the fuzz (``bench/fuzz_cli.py``).

A *kind* is a family of inputs with the command that reads them (pictures are recognized,
datasets evaluated, bundles loaded, ``--out`` and ``--config`` given to ``train``...). Case
``i`` of a kind is a named hand-made case from the kind's catalogue while ``i`` is below its
length, then a seeded random mutation (truncation, bit flips, a JSON node replaced by a
nasty value...) of a valid input. ``build_case`` writes the case's files into ``user/`` of
its folder and returns the command line to run there, with the paths the command may write.

Valid seed inputs (a bundle copied from ``resources/models/digits``, pictures, inks, an NPZ,
IDX files, ETL records, a samples database) are made once per fuzz run by ``Templates``.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import shutil
import sqlite3
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
#: Kinds whose command imports TensorFlow (train, export, finetune): seconds per case.
TF_KINDS = ("train", "config", "export", "finetune")
KINDS = ("picture", "ink", "inkjsonl", "samples", "npz", "idx", "tdic", "etl", "bundle", *TF_KINDS)
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
    t.pictures[".gif"] = _gif(picture)
    t.huge = _huge_pictures(picture)
    inks = writer_samples(4, seed=5, slant=0.1, squash=1.0)
    t.ink = inks[0].to_json()
    t.jsonl = "".join(json.dumps(ink.to_json()) + "\n" for ink in inks)
    buf = io.BytesIO()
    np.savez(buf, x=x, y=y, writers=np.arange(len(y)) % 4)
    t.npz = buf.getvalue()
    for split, n in (("train", 48), ("t10k", 24)):
        t.idx[f"{split}-images-idx3-ubyte.gz"] = _idx(x[:n])
        t.idx[f"{split}-labels-idx1-ubyte.gz"] = _idx(y[:n])
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


def _gif(grey: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(grey).save(buf, format="GIF")
    return buf.getvalue()


def _idx(array: np.ndarray) -> bytes:
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
    gif = bytearray(_gif(small))
    gif[6:10] = struct.pack("<HH", 65535, 65535)
    huge["gif64k.gif"] = bytes(gif)
    huge["pgm144mp-header.pgm"] = b"P5\n12000 12000\n255\n" + small.tobytes()
    return huge


def _set_png_size(png: bytes, width: int, height: int) -> bytes:
    ihdr = png[12:16] + struct.pack(">II", width, height) + png[24:29]
    return png[:8] + png[8:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + png[33:]


def _png_chunk_length(png: bytes, length: int) -> bytes:
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
        obj, what = value, f"whole document -> {_short(value)}"
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
            what = f"{_fmt(path)} -> {_short(value)}"
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


def _short(value: Any) -> str:
    if isinstance(value, str) and value in RAW:
        return RAW[value][:12] + "..."
    return repr(value)[:30]


# --- the kinds ------------------------------------------------------------------------------

Builder = Callable[[random.Random, Path, Templates], tuple[Plan, str]]
MODEL = ["--model", "digits"]


def _recognize(file: str) -> Plan:
    return Plan(["recognize", *MODEL, file])


def _evaluate(data: str, *extra: str) -> Plan:
    return Plan(["evaluate", *MODEL, "--data", data, *extra])


def _write(user: Path, name: str, data: bytes | str) -> str:
    path = user / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return name


def _special(user: Path, name: str, what: str) -> str:
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


def picture_cases() -> list[tuple[str, Builder]]:
    cases: list[tuple[str, Builder]] = []
    for what in SPECIALS:
        cases.append((f"{what} as a .png", lambda r, u, t, w=what: (Plan(
            _recognize(_special(u, "x.png", w)).argv, isolate=True), "")))
    for name in ("tiff16k.tiff", "webp12k.webp", "jpeg30k-fill.jpg", "jpeg30k.jpg", "png30k.png", "bmp30k.bmp",
                 "gif64k.gif", "pgm144mp-header.pgm"):
        cases.append((f"huge header {name}", lambda r, u, t, n=name: (Plan(
            _recognize(_write(u, n, t.huge[n])).argv, isolate=True), "")))
    cases.append(("144-megapixel PGM, complete", lambda r, u, t: (Plan(_recognize(_write(
        u, "big.pgm", b"P5\n12000 12000\n255\n" + b"\xff" * 144_000_000)).argv, isolate=True), "")))
    cases += [("zero bytes .png", lambda r, u, t: (_recognize(_write(u, "x.png", b"")), "")),
              ("text named .png", lambda r, u, t: (_recognize(_write(u, "x.png", "hello, not a picture\n")), "")),
              ("ink JSON named .jpg", lambda r, u, t: (_recognize(_write(u, "x.jpg", json.dumps(t.ink))), "")),
              ("PNG named .json", lambda r, u, t: (_recognize(_write(u, "x.json", t.pictures[".png"])), "")),
              ("1x1 PNG", lambda r, u, t: (_recognize(_write(u, "x.png", cv2.imencode(
                  ".png", np.zeros((1, 1), np.uint8))[1].tobytes())), "")),
              ("1x20000 PNG", lambda r, u, t: (_recognize(_write(u, "x.png", cv2.imencode(
                  ".png", np.zeros((1, 20000), np.uint8))[1].tobytes())), "")),
              ("16-bit 4-channel PNG", lambda r, u, t: (_recognize(_write(u, "x.png", cv2.imencode(
                  ".png", np.full((30, 30, 4), 65535, np.uint16))[1].tobytes())), "")),
              ("PNG whose IDAT chunk claims 2 GB", lambda r, u, t: (Plan(_recognize(_write(
                  u, "x.png", _png_chunk_length(t.pictures[".png"], 0x8000014A))).argv, isolate=True), "")),
              ("missing file", lambda r, u, t: (_recognize("missing.png"), ""))]
    return cases


def random_picture(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    ext = rng.choice(sorted(t.pictures))
    data, what = mutate_bytes(rng, t.pictures[ext])
    return _recognize(_write(user, "x" + ext, data)), f"{ext} {what}"


def ink_cases() -> list[tuple[str, Builder]]:
    def ink(mutate: Callable[[dict[str, Any]], Any]) -> Builder:
        def build(r: random.Random, u: Path, t: Templates) -> tuple[Plan, str]:
            obj = json.loads(json.dumps(t.ink))
            result = mutate(obj)
            return _recognize(_write(u, "ink.json", dumps_raw(obj if result is None else result))), ""
        return build

    first = ("strokes", 0, 0, 0)
    cases: list[tuple[str, Builder]] = [
        (f"width {v!r}", ink(lambda o, v=v: o.update(width=v))) for v in ([300], {"w": 1}, "300", "@BIGINT@",
                                                                         "@E400@", "@NAN@", 0, -5, 1e300)]
    cases += [(f"height {v!r}", ink(lambda o, v=v: o.update(height=v))) for v in ([300], {"h": 1}, "@BIGINT@")]
    cases += [(f"x {v!r}", ink(lambda o, v=v: o["strokes"][0][0].__setitem__(0, v)))
              for v in ("@BIGINT@", "@E400@", "@NAN@", "@INF@", "1", None, [1], 1e308)]
    cases += [("nesting 1000 deep", ink(lambda o: o.update(strokes="@DEEP@"))),
              ("dict nesting 1000 deep", ink(lambda o: o.update(extra="@DEEPDICT@"))),
              ("no strokes key", ink(lambda o: o.pop("strokes"))),
              ("strokes []", ink(lambda o: o.update(strokes=[]))),
              ("strokes [], no width or height", ink(lambda o: {"strokes": []})),
              ("strokes [[]]", ink(lambda o: o.update(strokes=[[]]))),
              ("strokes a dict", ink(lambda o: o.update(strokes={"a": 1}))),
              ("points of 7 numbers", ink(lambda o: o.update(strokes=[[[1, 2, 3, 4, 5, 6, 7]] * 3]))),
              ("points of 1 number", ink(lambda o: o.update(strokes=[[[1]] * 3]))),
              ("one stroke of 2,000,000 points", ink(lambda o: o.update(strokes=[[[i % 300, i % 299]
                                                                                  for i in range(2_000_000)]]))),
              ("20,000 strokes of one point", ink(lambda o: o.update(strokes=[[[i % 300, 5]] for i in range(20000)]))),
              ("a list at the top", ink(lambda o: [o])),
              ("NaN document", ink(lambda o: "@NAN@")),
              (f"{first} a string", ink(lambda o: o["strokes"][0].__setitem__(0, "12"))),
              ("label a dict", ink(lambda o: o.update(label={"a": 1}))),
              ("not UTF-8", lambda r, u, t: (_recognize(_write(u, "ink.json", b"\xff\xfe{\x00")), "")),
              ("empty file", lambda r, u, t: (_recognize(_write(u, "ink.json", b"")), "")),
              ("600 MB sparse", lambda r, u, t: (Plan(_recognize(_special(u, "ink.json", "sparse")).argv,
                                                     isolate=True), ""))]
    for what in SPECIALS:
        cases.append((f"{what} as ink", lambda r, u, t, w=what: (Plan(
            _recognize(_special(u, "ink.json", w)).argv, isolate=True), "")))
    return cases


def random_ink(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    if rng.random() < 0.2:
        data, what = mutate_bytes(rng, json.dumps(t.ink).encode())
        return _recognize(_write(user, "ink.json", data)), what
    text, what = mutate_json(rng, t.ink)
    return _recognize(_write(user, "ink.json", text)), what


def jsonl_cases() -> list[tuple[str, Builder]]:
    def lines(extra: str, name: str = "set.jsonl") -> Builder:
        return lambda r, u, t: (_evaluate(_write(u, name, t.jsonl + extra)), "")

    cases = [("a line nested 1000 deep", lines(RAW["@DEEP@"] + "\n")),
             ("a line with a 400-digit width", lines('{"width":' + RAW["@BIGINT@"] + ',"height":1,"strokes":[]}\n')),
             ("a line with NaN", lines('{"width":NaN,"height":1,"strokes":[[[1,2]]],"label":"1"}\n')),
             ("a line that is a list", lines("[1,2,3]\n")),
             ("a line of garbage", lines("{not json\n")),
             ("labels of 10,000 characters", lines(json.dumps({**json.loads(json.dumps({"strokes": [[[1, 2], [3, 4]]]})),
                                                               "label": "x" * 10000}) + "\n")),
             ("only blank lines", lambda r, u, t: (_evaluate(_write(u, "set.jsonl", "\n\n\n")), "")),
             ("empty", lambda r, u, t: (_evaluate(_write(u, "set.jsonl", "")), "")),
             ("not UTF-8", lambda r, u, t: (_evaluate(_write(u, "set.jsonl", b"\xff\xfe\x00" * 10)), "")),
             ("one line of 50 MB", lambda r, u, t: (_evaluate(_write(u, "set.jsonl", '{"strokes":[' + ",".join(
                 ["[[1,2]]"] * 7_000_000) + "]}\n")), ""))]
    for what in SPECIALS:
        cases.append((f"{what} as .jsonl", lambda r, u, t, w=what: (Plan(
            _evaluate(_special(u, "set.jsonl", w)).argv, isolate=True), "")))
    return cases


def random_jsonl(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    rows = t.jsonl.splitlines()
    n = rng.randrange(len(rows))
    if rng.random() < 0.25:
        data, what = mutate_bytes(rng, t.jsonl.encode())
        return _evaluate(_write(user, "set.jsonl", data)), what
    text, what = mutate_json(rng, json.loads(rows[n]))
    rows[n] = text
    return _evaluate(_write(user, "set.jsonl", "\n".join(rows) + "\n")), f"line {n + 1}: {what}"


def _db(user: Path, t: Templates, sql: str = "", args: tuple[Any, ...] = ()) -> str:
    path = user / "samples.sqlite3"
    path.write_bytes(t.samples_db)
    if sql:
        with sqlite3.connect(path) as db:
            db.execute(sql, args)
        db.close()
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    return path.name


def samples_cases() -> list[tuple[str, Builder]]:
    def row(column: str, value: str) -> Builder:
        return lambda r, u, t: (_evaluate(_db(u, t, f"UPDATE samples SET {column}=? WHERE id=1", (value,))), "")

    cases: list[tuple[str, Builder]] = [
        (f"candidates {v}", row("candidates", v)) for v in ("[[]]", '{"a":1}', "[1]", "null", "[[1,2,3]]", "not json",
                                                            RAW["@DEEP@"], '[["a", "@"]]', '[["a", NaN]]')]
    cases += [(f"ink {v[:20]}", row("ink", v)) for v in (RAW["@DEEP@"], "{}", "[]", "null", "not json",
                                                          '{"width":' + RAW["@BIGINT@"] + ',"height":1,"strokes":[]}',
                                                          '{"strokes":[[[NaN,1]]]}', RAW["@DEEPDICT@"])]
    cases += [("label empty", row("label", "")), ("created a string", row("created", "yesterday")),
              ("zero bytes", lambda r, u, t: (_evaluate(_write(u, "samples.sqlite3", b"")), "")),
              ("not a database", lambda r, u, t: (_evaluate(_write(u, "samples.sqlite3", "hello\n" * 100)), "")),
              ("schema of a newer mojiyomi", lambda r, u, t: (_evaluate(_db(u, t, "PRAGMA user_version=99")), "")),
              ("table dropped", lambda r, u, t: (_evaluate(_db(u, t, "DROP TABLE samples")), "")),
              ("no rows", lambda r, u, t: (_evaluate(_db(u, t, "DELETE FROM samples")), ""))]
    for what in SPECIALS:
        cases.append((f"{what} as .sqlite3", lambda r, u, t, w=what: (Plan(
            _evaluate(_special(u, "samples.sqlite3", w)).argv, isolate=True), "")))
    return cases


def random_samples(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    if rng.random() < 0.3:
        data, what = mutate_bytes(rng, t.samples_db)
        return _evaluate(_write(user, "samples.sqlite3", data)), what
    column = rng.choice(("ink", "candidates", "label", "model", "created", "corrected"))
    if column == "ink":
        value, what = mutate_json(rng, t.ink)
    elif column == "candidates":
        value, what = mutate_json(rng, [["1", 0.9], ["7", 0.1]])
    else:
        value = rng.choice(NASTY)
        value, what = (value if isinstance(value, (str, int, float)) or value is None else dumps_raw(value)), repr(value)
        value = RAW.get(value, value) if isinstance(value, str) else value
    if value is None or isinstance(value, int) and not -(2 ** 63) <= value < 2 ** 63:
        value = str(value)  # the columns are NOT NULL and SQLite integers have 64 bits
    sample_id = rng.randint(1, 12)
    return _evaluate(_db(user, t, f"UPDATE samples SET {column}=? WHERE id=?", (value, sample_id))), \
        f"row {sample_id} {column}: {what}"


def _npz(user: Path, name: str = "set.npz", **arrays: Any) -> str:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return _write(user, name, buf.getvalue())


def _npz_header_claim(t: Templates, entries: int) -> bytes:
    """An NPZ whose ``y`` header claims ``entries`` labels (the data is a few bytes)."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        x = io.BytesIO()
        np.save(x, np.zeros((2, 28, 28), np.uint8))
        z.writestr("x.npy", x.getvalue())
        header = "{'descr': '<i8', 'fortran_order': False, 'shape': (%d,), }" % entries
        header += " " * (118 - len(header)) + "\n"
        z.writestr("y.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"\0" * 64)
    return buf.getvalue()


def npz_cases() -> list[tuple[str, Builder]]:
    x = np.zeros((6, 28, 28), np.uint8)
    y = np.arange(6) % 3

    def arrays(**a: Any) -> Builder:
        return lambda r, u, t: (_evaluate(_npz(u, **a)), "")

    return [("without y", arrays(x=x)), ("without x", arrays(y=y)), ("negative labels", arrays(x=x, y=-y - 1)),
            ("labels out of range", arrays(x=x, y=y + 10 ** 9)), ("labels of a huge int64", arrays(x=x, y=y + 2 ** 62)),
            ("writers shorter than y", arrays(x=x, y=y, writers=np.arange(2))),
            ("0-d y", arrays(x=x, y=np.array(3))), ("0-d x", arrays(x=np.array(3), y=y)),
            ("y longer than x", arrays(x=x[:2], y=y)), ("float y with NaN", arrays(x=x, y=np.array([np.nan] * 6))),
            ("string x", arrays(x=np.array(["a"] * 6), y=y)),
            ("structured x", arrays(x=np.zeros(6, dtype=[("a", "i4"), ("b", "f4")]), y=y)),
            ("datetime x", arrays(x=np.array(["2020-01-01"] * 6, dtype="datetime64[D]"), y=y)),
            ("complex x", arrays(x=x.astype(np.complex64), y=y)), ("bool x", arrays(x=x.astype(bool), y=y)),
            ("x of 5 dimensions", arrays(x=np.zeros((6, 2, 2, 2, 2), np.uint8), y=y)),
            ("x 6x1x1", arrays(x=np.zeros((6, 1, 1), np.uint8), y=y)),
            ("x float with inf", arrays(x=np.full((6, 28, 28), np.inf, np.float32), y=y)),
            ("labels an object array", arrays(x=x, y=y, labels=np.array([{"a": 1}] * 3, dtype=object))),
            ("labels an int array", arrays(x=x, y=y, labels=np.arange(3))),
            ("labels shorter than classes", arrays(x=x, y=y, labels=np.array(["a"]))),
            ("y header claims 10^7 entries", lambda r, u, t: (Plan(_evaluate(_write(
                u, "set.npz", _npz_header_claim(t, 10 ** 7))).argv, isolate=True), "")),
            ("y header claims 10^12 entries", lambda r, u, t: (Plan(_evaluate(_write(
                u, "set.npz", _npz_header_claim(t, 10 ** 12))).argv, isolate=True), "")),
            (".npy renamed .npz", lambda r, u, t: (_evaluate(_write(u, "set.npz", _npy(x))), "")),
            ("zero bytes", lambda r, u, t: (_evaluate(_write(u, "set.npz", b"")), "")),
            ("text", lambda r, u, t: (_evaluate(_write(u, "set.npz", "x,y\n1,2\n")), "")),
            *[(f"{w} as .npz", lambda r, u, t, w=w: (Plan(_evaluate(_special(u, "set.npz", w)).argv, isolate=True), ""))
              for w in SPECIALS]]


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def random_npz(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    data, what = mutate_bytes(rng, t.npz)
    return _evaluate(_write(user, "set.npz", data)), what


def _idx_folder(user: Path, t: Templates, changes: dict[str, bytes] | None = None) -> str:
    for name, data in {**t.idx, **(changes or {})}.items():
        _write(user, f"mnist/{name}", data)
    return "mnist"


def _gzip_bomb(header: bytes, gigabytes: float) -> bytes:
    member = gzip.compress(b"\0" * (64 << 20), compresslevel=9)
    return gzip.compress(header) + member * int(gigabytes * 16)


def idx_cases() -> list[tuple[str, Builder]]:
    labels = "t10k-labels-idx1-ubyte.gz"
    images = "t10k-images-idx3-ubyte.gz"

    def change(name: str, data: bytes, isolate: bool = False) -> Builder:
        return lambda r, u, t: (Plan(_evaluate(_idx_folder(u, t, {name: data})).argv, isolate=isolate), "")

    return [("labels ndim 0", change(labels, gzip.compress(bytes([0, 0, 8, 0]) + b"\1\2\3"))),
            ("images ndim 0", change(images, gzip.compress(bytes([0, 0, 8, 0]) + b"\1\2\3"))),
            ("images ndim 1", change(images, gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 3]) + b"\1\2\3"))),
            ("images ndim 255", change(images, gzip.compress(bytes([0, 0, 8, 255]) + b"\0" * 64))),
            ("corrupt gzip stream", change(images, t_gzip_corrupt())),
            ("gzip of nothing", change(labels, gzip.compress(b""))),
            ("labels float64 NaN", change(labels, gzip.compress(bytes([0, 0, 0x0E, 1, 0, 0, 0, 24])
                                                                + np.full(24, np.nan, ">f8").tobytes()))),
            ("labels int32 of 2^31-1", change(labels, gzip.compress(bytes([0, 0, 0x0C, 1, 0, 0, 0, 24])
                                                                  + np.full(24, 2 ** 31 - 1, ">i4").tobytes()))),
            ("header claims 2^32-1 images", change(images, gzip.compress(bytes([0, 0, 8, 3]) + b"\xff" * 12))),
            ("more labels than images", change(labels, _idx(np.zeros(500, np.uint8)))),
            ("gzip bomb 4.5 GB", change(images, _gzip_bomb(bytes([0, 0, 8, 3, 0, 0, 0x2a, 0xf8, 0, 0, 0, 28,
                                                                  0, 0, 0, 28]), 4.5), isolate=True)),
            ("labels a FIFO", lambda r, u, t: (Plan(_evaluate(_fifo_idx(u, t)).argv, isolate=True), "")),
            ("plain file, no gzip", change(labels, gzip.decompress(_idx(np.zeros(24, np.uint8)))))]


def t_gzip_corrupt() -> bytes:
    data = bytearray(_idx(np.zeros((24, 28, 28), np.uint8)))
    data[20:40] = b"\xff" * 20
    return bytes(data)


def _fifo_idx(user: Path, t: Templates) -> str:
    folder = _idx_folder(user, t)
    (user / folder / "t10k-labels-idx1-ubyte.gz").unlink()
    os.mkfifo(user / folder / "t10k-labels-idx1-ubyte.gz")
    return folder


def random_idx(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    name = rng.choice(sorted(t.idx))
    raw = gzip.decompress(t.idx[name]) if rng.random() < 0.6 else t.idx[name]
    data, what = mutate_bytes(rng, raw)
    if raw is not t.idx[name] and rng.random() < 0.8:
        data = gzip.compress(data)
    return _evaluate(_idx_folder(user, t, {name: data})), f"{name}: {what}"


def tdic_cases() -> list[tuple[str, Builder]]:
    def text(extra: str) -> Builder:
        return lambda r, u, t: (_evaluate(_write(u, "set.tdic", t.tdic + extra)), "")

    return [("stroke count 10^9", text("x\n:1000000000\n1 (1 2)\n")),
            ("stroke count of 400 digits", text("x\n:" + "9" * 400 + "\n")),
            ("point count of 400 digits", text("x\n:1\n" + "9" * 400 + " (1 2)\n")),
            ("coordinates 1e400", text("x\n:1\n1 (1e400 2)\n")), ("coordinates NaN", text("x\n:1\n1 (nan nan)\n")),
            ("no count line", text("x\n")), ("negative count", text("x\n:-1\n")),
            ("one point of 3 numbers", text("x\n:1\n1 (1 2 3)\n")),
            ("a line of 10 MB", text("x\n:1\n1 " + "(1 2) " * 1_700_000 + "\n")),
            ("not UTF-8", lambda r, u, t: (_evaluate(_write(u, "set.tdic", b"\xff\xfe" * 50)), "")),
            ("empty", lambda r, u, t: (_evaluate(_write(u, "set.tdic", "")), "")),
            *[(f"{w} as .tdic", lambda r, u, t, w=w: (Plan(_evaluate(_special(u, "set.tdic", w)).argv, isolate=True),
                                                      "")) for w in SPECIALS]]


def random_tdic(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    data, what = mutate_bytes(rng, t.tdic.encode())
    return _evaluate(_write(user, "set.tdic", data)), what


def etl_cases() -> list[tuple[str, Builder]]:
    def etl(data: Callable[[Templates], bytes], *extra: str, name: str = "ETL8B2C1") -> Builder:
        return lambda r, u, t: (_evaluate(_write(u, name, data(t)), *extra), "")

    return [("zero bytes", etl(lambda t: b"")), ("one byte", etl(lambda t: b"\1")),
            ("half a record", etl(lambda t: t.etl[:256 + 512])),
            ("all 0xFF", etl(lambda t: b"\xff" * len(t.etl))),
            ("ETL8B read as ETL9G", etl(lambda t: t.etl, "--format", "etl9g")),
            ("ETL8B read as ETL8G", etl(lambda t: t.etl, "--format", "etl8g")),
            ("text named ETL9B", etl(lambda t: b"hello\n" * 100, name="ETL9B")),
            ("a PNG forced as etl", etl(lambda t: t.pictures[".png"], "--format", "etl", name="x.png")),
            ("an empty folder forced as etl", lambda r, u, t: (_evaluate(_mkdir(u, "etl"), "--format", "etl"), "")),
            *[(f"{w} as ETL8B", lambda r, u, t, w=w: (Plan(_evaluate(_special(u, "ETL8B2C1", w)).argv, isolate=True),
                                                      "")) for w in SPECIALS]]


def _mkdir(user: Path, name: str) -> str:
    (user / name).mkdir()
    return name


def random_etl(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    data, what = mutate_bytes(rng, t.etl)
    fmt = rng.choice((None, None, "etl8b", "etl9b", "etl8g", "etl9g", "etl"))
    return _evaluate(_write(user, "ETL8B2C1", data), *(("--format", fmt) if fmt else ())), f"{what}, format {fmt}"


# --- bundles and TensorFlow commands ---------------------------------------------------------

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


def _meta(t: Templates) -> dict[str, Any]:
    return json.loads((t.bundle / "metadata.json").read_text())


def _ink_file(user: Path, t: Templates) -> str:
    return _write(user, "ink.json", json.dumps(t.ink))


def bundle_cases() -> list[tuple[str, Builder]]:
    def meta(change: Callable[[dict[str, Any]], None], isolate: bool = False) -> Builder:
        def build(r: random.Random, u: Path, t: Templates) -> tuple[Plan, str]:
            m = _meta(t)
            change(m)
            copy_bundle(t, u, metadata=m)
            return Plan(["recognize", "--model", "bundle", _ink_file(u, t)], isolate=isolate), ""
        return build

    def labels_to(what: str) -> Builder:
        def build(r: random.Random, u: Path, t: Templates) -> tuple[Plan, str]:
            b = copy_bundle(t, u)
            (b / "labels.txt").unlink()
            _special(b, "labels.txt", what)
            return Plan(["recognize", "--model", "bundle", _ink_file(u, t)], isolate=True), ""
        return build

    cases: list[tuple[str, Builder]] = []
    for key in ("format_version", "classes", "files", "input_shape", "preprocessing", "name", "version"):
        for value in (None, "1", [1], {"a": 1}, -1, "@BIGINT@", "@NAN@"):
            cases.append((f"{key} {_short(value)}", meta(lambda m, k=key, v=value: m.__setitem__(k, v))))
    for key in ("tflite", "keras", "labels"):
        for value in ("../../escaped", "/etc/passwd", "/dev/zero", "..", "", None, 5, "metadata.json"):
            cases.append((f"files.{key} {value!r}", meta(lambda m, k=key, v=value: m["files"].__setitem__(k, v),
                                                         isolate=True)))
    cases += [("render_size 1000000", meta(lambda m: m["preprocessing"].__setitem__("render_size", 1_000_000),
                                           isolate=True)),
              ("size 100000", meta(lambda m: (m["preprocessing"].__setitem__("size", 100000),
                                              m.__setitem__("input_shape", [100000, 100000, 1])), isolate=True)),
              ("box -5", meta(lambda m: m["preprocessing"].__setitem__("box", -5))),
              ("stroke_ratio NaN", meta(lambda m: m["preprocessing"].__setitem__("stroke_ratio", "@NAN@"))),
              ("base_name ../../escaped", meta(lambda m: m.__setitem__("base_name", "../../escaped"))),
              ("metadata 1000 deep", lambda r, u, t: (Plan(["recognize", "--model", str(copy_bundle(
                  t, u, raw_metadata=RAW["@DEEP@"]).name), _ink_file(u, t)]), "")),
              ("metadata empty", lambda r, u, t: (Plan(["recognize", "--model", str(copy_bundle(
                  t, u, raw_metadata="").name), _ink_file(u, t)]), "")),
              ("labels via a symlink out of the bundle", lambda r, u, t: _labels_link(u, t)),
              *[(f"labels.txt -> {w}", labels_to(w)) for w in ("fifo", "/dev/zero", "/etc/passwd", "folder",
                                                               "sparse")]]
    return cases


def _labels_link(user: Path, t: Templates) -> tuple[Plan, str]:
    b = copy_bundle(t, user)
    (user / "outside.txt").write_text((b / "labels.txt").read_text())
    (b / "labels.txt").unlink()
    (b / "labels.txt").symlink_to(user / "outside.txt")
    return Plan(["recognize", "--model", "bundle", _ink_file(user, t)]), ""


def random_bundle(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    target = rng.random()
    if target < 0.6:
        text, what = mutate_json(rng, _meta(t))
        copy_bundle(t, user, raw_metadata=text)
    else:
        b = copy_bundle(t, user)
        name = "labels.txt" if target < 0.8 else "model.tflite"
        data, what = mutate_bytes(rng, (b / name).read_bytes())
        (b / name).unlink()
        (b / name).write_bytes(data)
        what = f"{name} {what}"
    return Plan(["recognize", "--model", "bundle", _ink_file(user, t)], isolate=target >= 0.8), what


TRAIN = ["--epochs", "1", "--limit", "48", "--validation-size", "8", "--batch-size", "16"]


def _train(user: Path, t: Templates, out: str, *extra: str) -> list[str]:
    data = _write(user, "set.npz", t.npz)
    return ["train", "--data", data, "--backbone", "simple-cnn", "--out", out, *TRAIN, *extra]


def _sentinel_folder(user: Path, name: str = "out") -> str:
    (user / name).mkdir(parents=True)
    (user / name / "thesis.txt").write_text("a user's own file\n")
    return name


def train_cases() -> list[tuple[str, Builder]]:
    def plan(argv: Callable[[Path, Templates], list[str]], outputs: tuple[str, ...] = ("out", "out/**"),
             replaceable: tuple[str, ...] = ()) -> Builder:
        return lambda r, u, t: (Plan(argv(u, t), outputs, replaceable), "")

    return [("--out an existing folder with a user file", plan(lambda u, t: _train(u, t, _sentinel_folder(u)))),
            ("--out an existing file", plan(lambda u, t: _train(u, t, _write(u, "out", "a user's own file\n")))),
            ("--out an existing bundle", plan(lambda u, t: _train(u, t, copy_bundle(t, u, "out").name),
                                              replaceable=("out/*",))),
            ("--out a nested new folder", plan(lambda u, t: _train(u, t, "a/b/out"), ("a", "a/**"))),
            ("--out ..", plan(lambda u, t: _train(u, t, ".."))),
            ("--out .", plan(lambda u, t: _train(u, t, "."))),
            ("--out /dev/null", plan(lambda u, t: _train(u, t, "/dev/null"))),
            ("--out under a file", plan(lambda u, t: _train(u, t, _write(u, "afile", "x") + "/out"))),
            ("--init-from a broken bundle", plan(lambda u, t: _train(u, t, "out", "--init-from", copy_bundle(
                t, u, "base", raw_metadata="{}").name))),
            ("--init-from metadata 1000 deep", plan(lambda u, t: _train(u, t, "out", "--init-from", copy_bundle(
                t, u, "base", raw_metadata=RAW["@DEEP@"]).name))),
            ("--data a FIFO", lambda r, u, t: (Plan(["train", "--data", _special(u, "set.npz", "fifo"), "--out", "out",
                                                     *TRAIN], ("out", "out/**"), isolate=True), "")),
            *[(f"{flag} {value}", plan(lambda u, t, f=flag, v=value: _train(u, t, "out", f, v)))
              for flag, value in (("--input-size", "0"), ("--input-size", "-28"), ("--input-size", "100000"),
                                  ("--box", "1000"), ("--stroke-ratio", "nan"), ("--learning-rate", "inf"),
                                  ("--validation-size", "2.5"), ("--validation-size", "-1"), ("--batch-size", "0"),
                                  ("--width", "0"), ("--dropout", "1.5"), ("--augment", "strong"),
                                  ("--augment", "rotation_deg=1e400"), ("--augment", "zoom=nan"),
                                  ("--name", "../../escaped"), ("--name", "/etc"), ("--limit", "-5"),
                                  ("--early-stopping", "-1"), ("--stage2-epochs", "-3"), ("--unfreeze", "x"),
                                  ("--weights", "/dev/zero"), ("--backbone", "nonsense"), ("--format", "ink"))]]


FLAG_VALUES = {"--epochs": ("0", "-1", "x"), "--input-size": ("0", "1", "3", "-28", "100000", "29"),
               "--box": ("0", "-1", "1000", "28"), "--stroke-ratio": ("0", "-1", "nan", "inf", "1e9"),
               "--learning-rate": ("0", "-1", "nan", "inf", "1e9"), "--validation-size": ("0", "-1", "0.999", "1e9"),
               "--batch-size": ("0", "-1", "1000000"), "--width": ("0", "-4", "1"), "--dropout": ("-1", "1", "nan"),
               "--augment": ("", "x=1", "rotation_deg", "rotation_deg=x", "zoom=-5", "shear=nan", ",,,"),
               "--name": ("", "..", "a/b", "\x01", "x" * 500), "--title": ("", "x" * 5000),
               "--seed": ("-1", "99999999999999999999"), "--format": ("idx", "tdic", "samples", "keras", "folder"),
               "--early-stopping": ("-1", "0"), "--limit": ("0", "-1", "1")}


def random_train(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    flags = rng.sample(sorted(FLAG_VALUES), rng.randint(1, 2))
    extra = [x for f in flags for x in (f, rng.choice(FLAG_VALUES[f]))]
    argv = _train(user, t, "out", *extra)
    if rng.random() < 0.3:
        data, what = mutate_bytes(rng, t.npz)
        _write(user, "set.npz", data)
        extra.append(f"npz {what}")
    return Plan(argv, ("out", "out/**")), " ".join(extra)


def _config(user: Path, text: str, with_flags: bool = True) -> list[str]:
    cfg = _write(user, "cfg.json", text)
    return ["train", "--config", cfg, *(("--data", "set.npz", "--out", "out", *TRAIN) if with_flags else ())]


def config_cases() -> list[tuple[str, Builder]]:
    def cfg(text: str, with_flags: bool = True) -> Builder:
        def build(r: random.Random, u: Path, t: Templates) -> tuple[Plan, str]:
            _write(u, "set.npz", t.npz)
            return Plan(_config(u, text, with_flags), ("out", "out/**")), ""
        return build

    texts = ['{"epochs": 1}', '{"epochs": "ten"}', "null", '{"augment": "strong"}', RAW["@DEEP@"], RAW["@DEEPDICT@"],
             "[]", '"x"', "", "{", '{"epochs": 1e400}', '{"epochs": ' + RAW["@BIGINT@"] + "}", '{"epochs": NaN}',
             '{"nonsense": 1}', '{"input_size": 100000}', '{"batch_size": 0}', '{"out": "../../escaped"}',
             '{"data": "/dev/zero"}', '{"augment": {"rotation_deg": "x"}}', '{"backbone": null}',
             '{"learning_rate": -1}', '{"limit": -1}', '{"validation_size": [1]}']
    cases = [(f"config {text[:30]!r}", cfg(text)) for text in texts]
    cases += [(f"config {text[:30]!r}, no --data/--out flags", cfg(text, False))
              for text in ('{"epochs": 1}', '{"data": "set.npz", "out": "out", "epochs": 1, "limit": 48}', "null")]
    cases += [("config not UTF-8", lambda r, u, t: (Plan(["train", "--config", _write(u, "cfg.json", b"\xff\xfe{"),
                                                          "--data", _write(u, "set.npz", t.npz), "--out", "out",
                                                          *TRAIN]), "")),
              ("config a FIFO", lambda r, u, t: (Plan(["train", "--config", _special(u, "cfg.json", "fifo"),
                                                       "--data", _write(u, "set.npz", t.npz), "--out", "out", *TRAIN],
                                                      isolate=True), "")),
              ("config /dev/zero", lambda r, u, t: (Plan(["train", "--config", _special(u, "cfg.json", "/dev/zero"),
                                                          "--data", _write(u, "set.npz", t.npz), "--out", "out",
                                                          *TRAIN], isolate=True), ""))]
    return cases


CONFIG_SEED = {"data": "set.npz", "out": "out", "backbone": "simple-cnn", "epochs": 1, "limit": 48,
               "validation_size": 8, "batch_size": 16, "input_size": 28, "box": 20, "stroke_ratio": 0.1,
               "augment": {"rotation_deg": 1.0, "zoom": 0.1, "translation": 0.05, "shear": 0.1}, "seed": 1,
               "learning_rate": 0.002, "optimizer": "adam", "dropout": 0.4, "early_stopping": 0}


def random_config(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    _write(user, "set.npz", t.npz)
    text, what = mutate_json(rng, CONFIG_SEED)
    with_flags = rng.random() < 0.5
    return Plan(_config(user, text, with_flags), ("out", "out/**")), f"{what}{'' if with_flags else ', no flags'}"


def export_cases() -> list[tuple[str, Builder]]:
    def exp(argv: Callable[[Path, Templates], list[str]], outputs: tuple[str, ...] = ("out*",)) -> Builder:
        return lambda r, u, t: (Plan(["export", "--format", "tflite-float16", *argv(u, t)], outputs), "")

    return [("bundled digits without --out", exp(lambda u, t: ["--model", "digits"])),
            ("user bundle without --out", exp(lambda u, t: ["--model", copy_bundle(t, u).name], ("bundle/*",))),
            ("--out an existing user file", exp(lambda u, t: ["--model", "digits", "--out", _write(u, "out", "x\n")])),
            ("--out a folder with a user file", exp(lambda u, t: ["--model", "digits", "--out", _sentinel_folder(u)])),
            ("--out ..", exp(lambda u, t: ["--model", "digits", "--out", ".."])),
            ("--out /dev/null", exp(lambda u, t: ["--model", "digits", "--out", "/dev/null"])),
            ("--out under a file", exp(lambda u, t: ["--model", "digits", "--out", _write(u, "afile", "x") + "/o"])),
            ("--data a FIFO", lambda r, u, t: (Plan(["export", "--format", "tflite-float16", "--model", "digits",
                                                     "--out", "out.tflite", "--data", _special(u, "set.npz", "fifo")],
                                                    ("out*",), isolate=True), "")),
            ("--data an NPZ without y", exp(lambda u, t: ["--model", "digits", "--out", "out.tflite", "--data",
                                                          _npz(u, x=np.zeros((4, 28, 28), np.uint8))])),
            ("--limit -1", exp(lambda u, t: ["--model", "digits", "--out", "out.tflite", "--limit", "-1"])),
            ("--model a bundle with a corrupt model.keras", exp(lambda u, t: ["--model", _corrupt_keras(u, t),
                                                                              "--out", "out.tflite"])),
            ("--model a bundle whose keras file is ../", exp(lambda u, t: ["--model", copy_bundle(t, u, metadata={
                **_meta(t), "files": {"keras": "../model.keras"}}).name, "--out", "out.tflite"]))]


def _corrupt_keras(user: Path, t: Templates) -> str:
    b = copy_bundle(t, user)
    data = (b / "model.keras").read_bytes()
    (b / "model.keras").unlink()
    (b / "model.keras").write_bytes(data[: len(data) // 2])
    return b.name


def random_export(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    b = copy_bundle(t, user)
    if rng.random() < 0.5:
        text, what = mutate_json(rng, _meta(t))
        (b / "metadata.json").write_text(text)
    else:
        data, what = mutate_bytes(rng, (b / "model.keras").read_bytes())
        (b / "model.keras").unlink()
        (b / "model.keras").write_bytes(data)
        what = f"model.keras {what}"
    fmt = rng.choice(("tflite-float32", "tflite-float16", "tflite-dynamic", "tflite-int8"))
    return Plan(["export", "--model", "bundle", "--format", fmt, "--out", "out.tflite", "--limit", "64"],
                ("out.tflite*",)), what


def _finetune(user: Path, t: Templates, *extra: str, model: str = "bundle", samples: str | None = None) -> list[str]:
    samples = samples or _write(user, "mine.jsonl", t.jsonl)
    return ["finetune", "--model", model, "--samples", samples, "--epochs", "1", *extra]


def finetune_cases() -> list[tuple[str, Builder]]:
    def ft(argv: Callable[[Path, Templates], list[str]], outputs: tuple[str, ...] = ("out", "out/**")) -> Builder:
        return lambda r, u, t: (Plan(argv(u, t), outputs), "")

    def base(change: Callable[[dict[str, Any]], None]) -> Callable[[Path, Templates], list[str]]:
        def argv(u: Path, t: Templates) -> list[str]:
            m = _meta(t)
            change(m)
            copy_bundle(t, u, metadata=m)
            return _finetune(u, t)
        return argv

    return [("base_name ../../escaped", ft(base(lambda m: m.__setitem__("base_name", "../../escaped")))),
            ("base_name /tmp/abs", ft(base(lambda m: m.__setitem__("base_name", "/tmp/mojiyomi-fuzz-abs")))),
            ("base_name a list", ft(base(lambda m: m.__setitem__("base_name", ["a"])))),
            ("name ../../escaped", ft(base(lambda m: m.__setitem__("name", "../../escaped")))),
            ("version ../x", ft(base(lambda m: m.__setitem__("version", "../../x")))),
            ("--out an existing folder with a user file", ft(lambda u, t: _own(u, t, "--out", _sentinel_folder(u)))),
            ("--out an existing file", ft(lambda u, t: _own(u, t, "--out", _write(u, "out", "a user's own file\n")))),
            ("--out ..", ft(lambda u, t: _own(u, t, "--out", ".."))),
            ("--model digits, default output", ft(lambda u, t: _finetune(u, t, model="digits"), ())),
            ("samples a zero-byte .sqlite3", ft(lambda u, t: _own(u, t, samples=_write(u, "mine.sqlite3", b"")))),
            ("samples with labels the model lacks", ft(lambda u, t: _own(u, t, samples=_write(
                u, "mine.jsonl", t.jsonl.replace('"label": "', '"label": "zz'))))),
            ("samples: one line nested 1000 deep", ft(lambda u, t: _own(u, t, samples=_write(
                u, "mine.jsonl", t.jsonl + RAW["@DEEP@"] + "\n")))),
            ("--holdout /dev/zero", lambda r, u, t: (Plan(_own(u, t, "--holdout", _special(u, "h.jsonl", "/dev/zero")),
                                                          isolate=True), "")),
            ("--epochs -1", ft(lambda u, t: _own(u, t, "--epochs", "-1"))),
            ("replay.npz corrupt", ft(lambda u, t: _replay_corrupt(u, t)))]


def _own(user: Path, t: Templates, *extra: str, samples: str | None = None) -> list[str]:
    """``finetune`` of a copy of the template bundle."""
    copy_bundle(t, user)
    return _finetune(user, t, *extra, samples=samples)


def _replay_corrupt(user: Path, t: Templates) -> list[str]:
    b = copy_bundle(t, user)
    if (b / "replay.npz").exists():
        (b / "replay.npz").unlink()
        (b / "replay.npz").write_bytes(t.npz[:100])
    return _finetune(user, t)


def random_finetune(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    b = copy_bundle(t, user)
    if rng.random() < 0.5:
        text, what = mutate_json(rng, _meta(t))
        (b / "metadata.json").write_text(text)
        argv = _finetune(user, t)
    else:
        rows = t.jsonl.splitlines()
        n = rng.randrange(len(rows))
        rows[n], what = mutate_json(rng, json.loads(rows[n]))
        argv = _finetune(user, t, samples=_write(user, "mine.jsonl", "\n".join(rows) + "\n"))
        what = f"samples line {n + 1}: {what}"
    return Plan(argv, ()), what


KIND_BUILDERS: dict[str, tuple[Callable[[], list[tuple[str, Builder]]], Builder]] = {
    "picture": (picture_cases, random_picture), "ink": (ink_cases, random_ink),
    "inkjsonl": (jsonl_cases, random_jsonl), "samples": (samples_cases, random_samples),
    "npz": (npz_cases, random_npz), "idx": (idx_cases, random_idx), "tdic": (tdic_cases, random_tdic),
    "etl": (etl_cases, random_etl), "bundle": (bundle_cases, random_bundle), "train": (train_cases, random_train),
    "config": (config_cases, random_config), "export": (export_cases, random_export),
    "finetune": (finetune_cases, random_finetune)}


def catalogue_size(kind: str) -> int:
    """How many hand-made cases a kind has (they come first)."""
    return len(KIND_BUILDERS[kind][0]())


def build_case(kind: str, index: int, seed: int, user: Path, t: Templates) -> tuple[Plan, str]:
    """Writes case ``index`` of ``kind`` into ``user`` (which must exist); its plan and description."""
    catalogue, random_case = KIND_BUILDERS[kind]
    cases = catalogue()
    rng = random.Random(f"{seed}:{kind}:{index}")
    if index < len(cases):
        name, build = cases[index]
        plan, _ = build(rng, user, t)
        return plan, name[:80]
    plan, what = random_case(rng, user, t)
    return plan, f"random: {what}"[:120]
