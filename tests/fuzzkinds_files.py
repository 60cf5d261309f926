"""Fuzz kinds that read files: pictures, ink, ink JSONL, samples databases, NPZ, IDX, Tomoe, ETL.

Each kind has ``<kind>_cases()`` (hand-made cases, each a name and a builder) and
``random_<kind>`` (a seeded mutation of a valid input); see ``tests/fuzzgen.py``.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import sqlite3
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from tests.fuzzbase import (NASTY, RAW, SPECIALS, Builder, Plan, Templates, dumps_raw, evaluate_plan, idx_bytes,
                            mutate_bytes, mutate_json, npz_file, png_chunk_length, recognize_plan, special_file,
                            write_file)


def picture_cases() -> list[tuple[str, Builder]]:
    cases: list[tuple[str, Builder]] = []
    for what in SPECIALS:
        cases.append((f"{what} as a .png", lambda r, u, t, w=what: (Plan(
            recognize_plan(special_file(u, "x.png", w)).argv, isolate=True), "")))
    for name in ("tiff16k.tiff", "webp12k.webp", "jpeg30k-fill.jpg", "jpeg30k.jpg", "png30k.png", "bmp30k.bmp",
                 "gif64k.gif", "pgm144mp-header.pgm"):
        cases.append((f"huge header {name}", lambda r, u, t, n=name: (Plan(
            recognize_plan(write_file(u, n, t.huge[n])).argv, isolate=True), "")))
    cases.append(("144-megapixel PGM, complete", lambda r, u, t: (Plan(recognize_plan(write_file(
        u, "big.pgm", b"P5\n12000 12000\n255\n" + b"\xff" * 144_000_000)).argv, isolate=True), "")))
    cases += [("zero bytes .png", lambda r, u, t: (recognize_plan(write_file(u, "x.png", b"")), "")),
              ("text named .png", lambda r, u, t: (recognize_plan(write_file(u, "x.png", "hello, not a picture\n")), "")),
              ("ink JSON named .jpg", lambda r, u, t: (recognize_plan(write_file(u, "x.jpg", json.dumps(t.ink))), "")),
              ("PNG named .json", lambda r, u, t: (recognize_plan(write_file(u, "x.json", t.pictures[".png"])), "")),
              ("1x1 PNG", lambda r, u, t: (recognize_plan(write_file(u, "x.png", cv2.imencode(
                  ".png", np.zeros((1, 1), np.uint8))[1].tobytes())), "")),
              ("1x20000 PNG", lambda r, u, t: (recognize_plan(write_file(u, "x.png", cv2.imencode(
                  ".png", np.zeros((1, 20000), np.uint8))[1].tobytes())), "")),
              ("16-bit 4-channel PNG", lambda r, u, t: (recognize_plan(write_file(u, "x.png", cv2.imencode(
                  ".png", np.full((30, 30, 4), 65535, np.uint16))[1].tobytes())), "")),
              ("PNG whose IDAT chunk claims 2 GB", lambda r, u, t: (Plan(recognize_plan(write_file(
                  u, "x.png", png_chunk_length(t.pictures[".png"], 0x8000014A))).argv, isolate=True), "")),
              ("missing file", lambda r, u, t: (recognize_plan("missing.png"), ""))]
    return cases


def random_picture(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    ext = rng.choice(sorted(t.pictures))
    data, what = mutate_bytes(rng, t.pictures[ext])
    return recognize_plan(write_file(user, "x" + ext, data)), f"{ext} {what}"


def ink_cases() -> list[tuple[str, Builder]]:
    def ink(mutate: Callable[[dict[str, Any]], Any]) -> Builder:
        def build(r: random.Random, u: Path, t: Templates) -> tuple[Plan, str]:
            obj = json.loads(json.dumps(t.ink))
            result = mutate(obj)
            return recognize_plan(write_file(u, "ink.json", dumps_raw(obj if result is None else result))), ""
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
              ("not UTF-8", lambda r, u, t: (recognize_plan(write_file(u, "ink.json", b"\xff\xfe{\x00")), "")),
              ("empty file", lambda r, u, t: (recognize_plan(write_file(u, "ink.json", b"")), "")),
              ("600 MB sparse", lambda r, u, t: (Plan(recognize_plan(special_file(u, "ink.json", "sparse")).argv,
                                                     isolate=True), ""))]
    for what in SPECIALS:
        cases.append((f"{what} as ink", lambda r, u, t, w=what: (Plan(
            recognize_plan(special_file(u, "ink.json", w)).argv, isolate=True), "")))
    return cases


def random_ink(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    if rng.random() < 0.2:
        data, what = mutate_bytes(rng, json.dumps(t.ink).encode())
        return recognize_plan(write_file(user, "ink.json", data)), what
    text, what = mutate_json(rng, t.ink)
    return recognize_plan(write_file(user, "ink.json", text)), what


def jsonl_cases() -> list[tuple[str, Builder]]:
    def lines(extra: str, name: str = "set.jsonl") -> Builder:
        return lambda r, u, t: (evaluate_plan(write_file(u, name, t.jsonl + extra)), "")

    cases = [("a line nested 1000 deep", lines(RAW["@DEEP@"] + "\n")),
             ("a line with a 400-digit width", lines('{"width":' + RAW["@BIGINT@"] + ',"height":1,"strokes":[]}\n')),
             ("a line with NaN", lines('{"width":NaN,"height":1,"strokes":[[[1,2]]],"label":"1"}\n')),
             ("a line that is a list", lines("[1,2,3]\n")),
             ("a line of garbage", lines("{not json\n")),
             ("labels of 10,000 characters", lines(json.dumps({**json.loads(json.dumps({"strokes": [[[1, 2], [3, 4]]]})),
                                                               "label": "x" * 10000}) + "\n")),
             ("only blank lines", lambda r, u, t: (evaluate_plan(write_file(u, "set.jsonl", "\n\n\n")), "")),
             ("empty", lambda r, u, t: (evaluate_plan(write_file(u, "set.jsonl", "")), "")),
             ("not UTF-8", lambda r, u, t: (evaluate_plan(write_file(u, "set.jsonl", b"\xff\xfe\x00" * 10)), "")),
             ("one line of 50 MB", lambda r, u, t: (evaluate_plan(write_file(u, "set.jsonl", '{"strokes":[' + ",".join(
                 ["[[1,2]]"] * 7_000_000) + "]}\n")), ""))]
    for what in SPECIALS:
        cases.append((f"{what} as .jsonl", lambda r, u, t, w=what: (Plan(
            evaluate_plan(special_file(u, "set.jsonl", w)).argv, isolate=True), "")))
    return cases


def random_jsonl(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    rows = t.jsonl.splitlines()
    n = rng.randrange(len(rows))
    if rng.random() < 0.25:
        data, what = mutate_bytes(rng, t.jsonl.encode())
        return evaluate_plan(write_file(user, "set.jsonl", data)), what
    text, what = mutate_json(rng, json.loads(rows[n]))
    rows[n] = text
    return evaluate_plan(write_file(user, "set.jsonl", "\n".join(rows) + "\n")), f"line {n + 1}: {what}"


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
        return lambda r, u, t: (evaluate_plan(_db(u, t, f"UPDATE samples SET {column}=? WHERE id=1", (value,))), "")

    cases: list[tuple[str, Builder]] = [
        (f"candidates {v}", row("candidates", v)) for v in ("[[]]", '{"a":1}', "[1]", "null", "[[1,2,3]]", "not json",
                                                            RAW["@DEEP@"], '[["a", "@"]]', '[["a", NaN]]')]
    cases += [(f"ink {v[:20]}", row("ink", v)) for v in (RAW["@DEEP@"], "{}", "[]", "null", "not json",
                                                          '{"width":' + RAW["@BIGINT@"] + ',"height":1,"strokes":[]}',
                                                          '{"strokes":[[[NaN,1]]]}', RAW["@DEEPDICT@"])]
    cases += [("label empty", row("label", "")), ("created a string", row("created", "yesterday")),
              ("zero bytes", lambda r, u, t: (evaluate_plan(write_file(u, "samples.sqlite3", b"")), "")),
              ("not a database", lambda r, u, t: (evaluate_plan(write_file(u, "samples.sqlite3", "hello\n" * 100)), "")),
              ("schema of a newer mojiyomi", lambda r, u, t: (evaluate_plan(_db(u, t, "PRAGMA user_version=99")), "")),
              ("table dropped", lambda r, u, t: (evaluate_plan(_db(u, t, "DROP TABLE samples")), "")),
              ("no rows", lambda r, u, t: (evaluate_plan(_db(u, t, "DELETE FROM samples")), ""))]
    for what in SPECIALS:
        cases.append((f"{what} as .sqlite3", lambda r, u, t, w=what: (Plan(
            evaluate_plan(special_file(u, "samples.sqlite3", w)).argv, isolate=True), "")))
    return cases


def random_samples(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    if rng.random() < 0.3:
        data, what = mutate_bytes(rng, t.samples_db)
        return evaluate_plan(write_file(user, "samples.sqlite3", data)), what
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
    return evaluate_plan(_db(user, t, f"UPDATE samples SET {column}=? WHERE id=?", (value, sample_id))), \
        f"row {sample_id} {column}: {what}"


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
        return lambda r, u, t: (evaluate_plan(npz_file(u, **a)), "")

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
            ("y header claims 10^7 entries", lambda r, u, t: (Plan(evaluate_plan(write_file(
                u, "set.npz", _npz_header_claim(t, 10 ** 7))).argv, isolate=True), "")),
            ("y header claims 10^12 entries", lambda r, u, t: (Plan(evaluate_plan(write_file(
                u, "set.npz", _npz_header_claim(t, 10 ** 12))).argv, isolate=True), "")),
            (".npy renamed .npz", lambda r, u, t: (evaluate_plan(write_file(u, "set.npz", _npy(x))), "")),
            ("zero bytes", lambda r, u, t: (evaluate_plan(write_file(u, "set.npz", b"")), "")),
            ("text", lambda r, u, t: (evaluate_plan(write_file(u, "set.npz", "x,y\n1,2\n")), "")),
            *[(f"{w} as .npz", lambda r, u, t, w=w: (Plan(evaluate_plan(special_file(u, "set.npz", w)).argv, isolate=True), ""))
              for w in SPECIALS]]


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def random_npz(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    data, what = mutate_bytes(rng, t.npz)
    return evaluate_plan(write_file(user, "set.npz", data)), what


def _idx_folder(user: Path, t: Templates, changes: dict[str, bytes] | None = None) -> str:
    for name, data in {**t.idx, **(changes or {})}.items():
        write_file(user, f"mnist/{name}", data)
    return "mnist"


def _gzip_bomb(header: bytes, gigabytes: float) -> bytes:
    member = gzip.compress(b"\0" * (64 << 20), compresslevel=9)
    return gzip.compress(header) + member * int(gigabytes * 16)


def idx_cases() -> list[tuple[str, Builder]]:
    labels = "t10k-labels-idx1-ubyte.gz"
    images = "t10k-images-idx3-ubyte.gz"

    def change(name: str, data: bytes, isolate: bool = False) -> Builder:
        return lambda r, u, t: (Plan(evaluate_plan(_idx_folder(u, t, {name: data})).argv, isolate=isolate), "")

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
            ("more labels than images", change(labels, idx_bytes(np.zeros(500, np.uint8)))),
            ("gzip bomb 4.5 GB", change(images, _gzip_bomb(bytes([0, 0, 8, 3, 0, 0, 0x2a, 0xf8, 0, 0, 0, 28,
                                                                  0, 0, 0, 28]), 4.5), isolate=True)),
            ("labels a FIFO", lambda r, u, t: (Plan(evaluate_plan(_fifo_idx(u, t)).argv, isolate=True), "")),
            ("plain file, no gzip", change(labels, gzip.decompress(idx_bytes(np.zeros(24, np.uint8)))))]


def t_gzip_corrupt() -> bytes:
    data = bytearray(idx_bytes(np.zeros((24, 28, 28), np.uint8)))
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
    return evaluate_plan(_idx_folder(user, t, {name: data})), f"{name}: {what}"


def tdic_cases() -> list[tuple[str, Builder]]:
    def text(extra: str) -> Builder:
        return lambda r, u, t: (evaluate_plan(write_file(u, "set.tdic", t.tdic + extra)), "")

    return [("stroke count 10^9", text("x\n:1000000000\n1 (1 2)\n")),
            ("stroke count of 400 digits", text("x\n:" + "9" * 400 + "\n")),
            ("point count of 400 digits", text("x\n:1\n" + "9" * 400 + " (1 2)\n")),
            ("coordinates 1e400", text("x\n:1\n1 (1e400 2)\n")), ("coordinates NaN", text("x\n:1\n1 (nan nan)\n")),
            ("no count line", text("x\n")), ("negative count", text("x\n:-1\n")),
            ("one point of 3 numbers", text("x\n:1\n1 (1 2 3)\n")),
            ("a line of 10 MB", text("x\n:1\n1 " + "(1 2) " * 1_700_000 + "\n")),
            ("not UTF-8", lambda r, u, t: (evaluate_plan(write_file(u, "set.tdic", b"\xff\xfe" * 50)), "")),
            ("empty", lambda r, u, t: (evaluate_plan(write_file(u, "set.tdic", "")), "")),
            *[(f"{w} as .tdic", lambda r, u, t, w=w: (Plan(evaluate_plan(special_file(u, "set.tdic", w)).argv, isolate=True),
                                                      "")) for w in SPECIALS]]


def random_tdic(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    data, what = mutate_bytes(rng, t.tdic.encode())
    return evaluate_plan(write_file(user, "set.tdic", data)), what


def etl_cases() -> list[tuple[str, Builder]]:
    def etl(data: Callable[[Templates], bytes], *extra: str, name: str = "ETL8B2C1") -> Builder:
        return lambda r, u, t: (evaluate_plan(write_file(u, name, data(t)), *extra), "")

    return [("zero bytes", etl(lambda t: b"")), ("one byte", etl(lambda t: b"\1")),
            ("half a record", etl(lambda t: t.etl[:256 + 512])),
            ("all 0xFF", etl(lambda t: b"\xff" * len(t.etl))),
            ("ETL8B read as ETL9G", etl(lambda t: t.etl, "--format", "etl9g")),
            ("ETL8B read as ETL8G", etl(lambda t: t.etl, "--format", "etl8g")),
            ("text named ETL9B", etl(lambda t: b"hello\n" * 100, name="ETL9B")),
            ("a PNG forced as etl", etl(lambda t: t.pictures[".png"], "--format", "etl", name="x.png")),
            ("an empty folder forced as etl", lambda r, u, t: (evaluate_plan(_mkdir(u, "etl"), "--format", "etl"), "")),
            *[(f"{w} as ETL8B", lambda r, u, t, w=w: (Plan(evaluate_plan(special_file(u, "ETL8B2C1", w)).argv, isolate=True),
                                                      "")) for w in SPECIALS]]


def _mkdir(user: Path, name: str) -> str:
    (user / name).mkdir()
    return name


def random_etl(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    data, what = mutate_bytes(rng, t.etl)
    fmt = rng.choice((None, None, "etl8b", "etl9b", "etl8g", "etl9g", "etl"))
    return evaluate_plan(write_file(user, "ETL8B2C1", data), *(("--format", fmt) if fmt else ())), f"{what}, format {fmt}"
