"""Datasets a user hands in are checked at the boundary: every bad file is one DatasetError, nothing blows up."""

from __future__ import annotations

import gzip
import io
import os
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.errors import DatasetError
from core.preprocess import Preprocessing
from training.datasets import open_dataset, read_samples

SPEC = Preprocessing()


def _npz(path: Path, **arrays: Any) -> Path:
    np.savez(path, **arrays)
    return path


def _good(n: int = 6) -> dict[str, np.ndarray]:
    x = np.zeros((n, 28, 28), np.uint8)
    x[:, 8:20, 12:16] = 255
    return {"x": x, "y": np.arange(n) % 3}


def _read(path: Path) -> Any:
    dataset = open_dataset(path, SPEC)
    return dataset.labels, len(dataset), read_samples(path, SPEC)


def _npy_bytes(header_shape: tuple[int, ...], dtype: str, data: bytes) -> bytes:
    """A .npy file whose header says ``header_shape`` followed by ``data`` (maybe far less)."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False, "shape": header_shape})
    return buffer.getvalue() + data


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_a_good_npz_reads(tmp_path: Path) -> None:
    path = _npz(tmp_path / "d.npz", **_good(), labels=np.array(["a", "b", "c"]), writers=np.arange(6))
    labels, n, samples = _read(path)
    assert labels == ("a", "b", "c") and n == 6 and samples.writers is not None


@pytest.mark.parametrize("arrays, message", [
    ({"x": np.zeros((4, 28, 28), np.uint8)}, "needs arrays 'x' and 'y'"),
    ({"x": np.zeros((4, 28, 28), np.uint8), "y": np.array([0, 1, -1, 2])}, "y from -1"),
    ({"x": np.zeros((4, 28, 28), np.uint8), "y": np.array([0, 1, 2, 3]), "labels": np.array(["a", "b", "c"])},
     "0 <= y < 3"),
    ({"x": np.zeros((4, 28, 28), np.uint8), "y": np.array([0, 1, 0, 1]), "labels": np.array(["a", "b"]),
      "writers": np.array([1, 2])}, "writers must be one integer id per sample"),
    ({"x": np.zeros((4, 28, 28), np.uint8), "y": np.array(3)}, "shape \\(N,\\)"),
    ({"x": np.zeros((5, 28, 28), np.uint8), "y": np.arange(4)}, "as many samples"),
    ({"x": np.array([["ab"] * 28] * 28 * 4).reshape(4, 28, 28), "y": np.arange(4)}, "x must hold numbers"),
    ({"x": np.zeros((4, 28, 28), dtype=[("a", "u1"), ("b", "u1")]), "y": np.arange(4)}, "x must hold numbers"),
    ({"x": np.zeros((4, 28, 28), "datetime64[s]"), "y": np.arange(4)}, "x must hold numbers"),
    ({"x": np.zeros((4, 28, 28), np.uint8), "y": np.array([0.5, 1, 2, 3])}, "y must hold integer labels"),
    ({"x": np.zeros((4, 28), np.uint8), "y": np.arange(4)}, "x must be pictures"),
    ({"x": np.full((4, 28, 28), np.nan), "y": np.arange(4)}, "NaN"),
])
def test_bad_arrays_are_one_dataset_error(tmp_path: Path, arrays: dict, message: str) -> None:
    path = _npz(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DatasetError, match=message):
        _read(path)


def test_pickled_arrays_are_never_loaded(tmp_path: Path) -> None:
    path = _npz(tmp_path / "pickle.npz", x=np.array([object()] * 4, dtype=object), y=np.arange(4))
    with pytest.raises(DatasetError, match="Python objects"):
        _read(path)


def test_a_npy_renamed_npz_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "renamed.npz"
    np.save(tmp_path / "a.npy", np.zeros((4, 28, 28), np.uint8))
    (tmp_path / "a.npy").rename(path)
    with pytest.raises(DatasetError, match="single .npy array"):
        _read(path)


def test_truncated_and_bit_flipped_files_are_refused(tmp_path: Path) -> None:
    raw = _npz(tmp_path / "good.npz", **_good(40)).read_bytes()
    np.savez_compressed(tmp_path / "packed.npz", **_good(40))
    packed = (tmp_path / "packed.npz").read_bytes()
    broken = 0
    for i, data in enumerate([raw[:len(raw) // 2], raw[:100], packed[:-30]]):
        (tmp_path / f"cut{i}.npz").write_bytes(data)
        with pytest.raises(DatasetError):
            _read(tmp_path / f"cut{i}.npz")
    rng = np.random.default_rng(0)
    for i in range(60):
        flipped = bytearray(packed)
        at = int(rng.integers(len(flipped)))
        flipped[at] ^= 1 << int(rng.integers(8))
        (tmp_path / "flip.npz").write_bytes(bytes(flipped))
        try:
            _read(tmp_path / "flip.npz")
        except DatasetError:
            broken += 1
    assert broken > 30  # the others flipped a bit of a picture, which stays a picture


def test_a_header_promising_millions_of_labels_is_refused_before_allocating(tmp_path: Path) -> None:
    # A 10 KB file whose y header claims 10^7 entries, and one whose x claims terabytes.
    x = _npy_bytes((4, 28, 28), "|u1", bytes(4 * 28 * 28))
    forged = _zip(tmp_path / "forged.npz", {"x.npy": x, "y.npy": _npy_bytes((10 ** 7,), "<i8", bytes(8 * 4))})
    huge = _zip(tmp_path / "huge.npz", {"x.npy": _npy_bytes((10 ** 6, 1000, 1000), "|u1", bytes(1000)),
                                        "y.npy": _npy_bytes((10 ** 6,), "|u1", bytes(10 ** 6))})
    assert forged.stat().st_size < 10_000 and huge.stat().st_size < 20_000
    tracemalloc.start()
    try:
        for path, message in ((forged, "header promises 80,000,000 bytes"), (huge, "damaged|too large")):
            with pytest.raises(DatasetError, match=message):
                _read(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 30_000_000


def test_honest_arrays_larger_than_memory_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import training.datasets.npz as npz

    # 10^7 labels of one value compress to a few KB: the arrays are honest, the memory is not there.
    path = tmp_path / "zeros.npz"
    np.savez_compressed(path, x=np.zeros((10 ** 5, 28, 28), np.uint8), y=np.zeros(10 ** 5, np.uint8))
    monkeypatch.setattr(npz, "memory_limit", lambda: 50_000_000)
    with pytest.raises(DatasetError, match="too large to read"):
        _read(path)


def test_a_dataset_too_large_for_memory_is_refused_before_allocating(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import training.datasets.dataset as dataset

    path = _npz(tmp_path / "d.npz", **_good(600))
    monkeypatch.setattr(dataset, "memory_limit", lambda: 100_000)
    with pytest.raises(DatasetError, match="too large to hold in memory"):
        read_samples(path, SPEC)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_named_as_a_dataset_is_refused_at_once(tmp_path: Path) -> None:
    for name in ("d.npz", "d.jsonl", "d.tdic", "ETL8G_01"):
        os.mkfifo(tmp_path / name)
        with pytest.raises(DatasetError, match="not a regular file|not a dataset"):
            _read_as(tmp_path / name)


def _read_as(path: Path) -> Any:
    fmt = "etl8g" if path.name.startswith("ETL") else None
    dataset = open_dataset(path, SPEC, format=fmt)
    return dataset.labels, len(dataset), list(dataset.iter_samples())


def _idx_bytes(array: np.ndarray, dims: tuple[int, ...] | None = None, code: int = 0x08) -> bytes:
    dims = array.shape if dims is None else dims
    return bytes([0, 0, code, len(dims)]) + b"".join(int(d).to_bytes(4, "big") for d in dims) + array.tobytes()


def _mnist(folder: Path, images: bytes, labels: bytes, gz: bool = True) -> Path:
    from tests.datagen import write_mnist_like

    write_mnist_like(folder, n_train=20, n_test=10)
    pack = gzip.compress if gz else (lambda b: b)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(pack(images))
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(pack(labels))
    return folder


GOOD_IMAGES = np.zeros((20, 28, 28), np.uint8)
GOOD_LABELS = np.arange(20, dtype=np.uint8) % 10


@pytest.mark.parametrize("images, labels, message", [
    (_idx_bytes(GOOD_IMAGES), bytes([0, 0, 8, 0]) + b"\x05", "1 to 4 dimensions"),
    (_idx_bytes(GOOD_IMAGES), _idx_bytes(GOOD_LABELS, (30,)), "truncated"),
    (_idx_bytes(GOOD_IMAGES, (10, 28, 28)), _idx_bytes(GOOD_LABELS[:10]), "longer than its header says"),
    (_idx_bytes(GOOD_IMAGES), _idx_bytes(GOOD_LABELS.reshape(2, 10)), "labels \\(N,\\)"),
    (_idx_bytes(GOOD_IMAGES), _idx_bytes(GOOD_LABELS + 10), "digits 0 to 9"),
    (_idx_bytes(GOOD_IMAGES, (10 ** 5, 10 ** 5, 10 ** 5)), _idx_bytes(GOOD_LABELS), "too large"),
    (b"\x00\x00\x08", _idx_bytes(GOOD_LABELS), "not an IDX file"),
])
def test_bad_idx_files_are_one_dataset_error(tmp_path: Path, images: bytes, labels: bytes, message: str) -> None:
    for gz in (True, False):
        folder = _mnist(tmp_path / f"mnist{gz}", images, labels, gz)
        with pytest.raises(DatasetError, match=message):
            _read(folder)


def test_a_corrupt_gzip_stream_is_refused(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(_idx_bytes(GOOD_LABELS)))
    packed[10] = 0x07  # the first deflate block of a reserved type
    folder = _mnist(tmp_path / "m", gzip.compress(_idx_bytes(GOOD_IMAGES)), b"", gz=False)
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(bytes(packed))
    with pytest.raises(DatasetError, match="gzip stream is corrupt"):
        _read(folder)
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx_bytes(GOOD_LABELS))[:-12])
    with pytest.raises(DatasetError, match="truncated"):
        _read(folder)


def test_a_gzip_bomb_is_inflated_no_further_than_its_header_says(tmp_path: Path) -> None:
    # 20 labels announced, 400 MB of zeros behind them in a 400 KB file.
    bomb = gzip.compress(_idx_bytes(GOOD_LABELS) + bytes(400_000_000), compresslevel=9)
    assert len(bomb) < 1_000_000
    folder = _mnist(tmp_path / "m", gzip.compress(_idx_bytes(GOOD_IMAGES)), b"", gz=False)
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(bomb)
    tracemalloc.start()
    try:
        with pytest.raises(DatasetError, match="longer than its header says"):
            _read(folder)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000


def test_ink_lines_name_their_line_number(tmp_path: Path) -> None:
    good = '{"strokes": [[[0, 0], [10, 10]]], "label": "a"}'
    cases = {"not json": "line 2", "[1, 2]": "line 2", '{"strokes": [[[0, 0]]], "width": [1]}': "line 2",
             "[" * 1000 + "]" * 1000: "line 2.*nested too deeply",
             '{"strokes": [[[1' + "0" * 400 + ', 0]]], "label": "a"}': "line 2",
             '{"strokes": [[[0, 0], [1, 1]]]}': "line 2.*needs a label"}
    for i, (bad, message) in enumerate(cases.items()):
        path = tmp_path / f"ink{i}.jsonl"
        path.write_text(f"{good}\n\n{bad}\n".replace("\n\n", "\n", 1))
        with pytest.raises(DatasetError, match=message):
            _read_as(path)


def test_a_huge_line_is_refused_without_reading_it_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import training.datasets.textfile as textfile

    monkeypatch.setattr(textfile, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "ink.jsonl"
    path.write_text('{"strokes": [[[0, 0], [10, 10]]], "label": "a"}\n' + " " * 5000 + "\n")
    with pytest.raises(DatasetError, match="line 2: the line is longer"):
        _read_as(path)


@pytest.mark.parametrize("text, message", [(":2\n", "line 2: expected ':<stroke count>'"),
                                           ("a\n:²\n", "line 2"), ("a\n:99999999999\n", "line 2"),
                                           ("a\n:1\n2 (1 2) (x 4)\n", "line 3: not a stroke"),
                                           ("a\n:1\n2 (1 2 3 4 5) (3 4)\n", "line 3: not a stroke"),
                                           ("a\n:2\n1 (1 2)\n", "line 4"), ("a\n\xff\n", None)])
def test_bad_tomoe_lines_name_their_line_number(tmp_path: Path, text: str, message: str | None) -> None:
    path = tmp_path / "t.tdic"
    path.write_bytes(text.encode("utf-8") if message else b"a\n:1\n\xff\n")
    with pytest.raises(DatasetError, match=message or "line 3: not UTF-8"):
        _read_as(path)


def test_picture_folders_read_regular_files_only(tmp_path: Path) -> None:
    from tests.datagen import write_image_folder

    folder = write_image_folder(tmp_path / "pics", n=12)
    label = next(p for p in folder.iterdir() if p.is_dir())
    (label / "zero.png").symlink_to("/dev/zero")
    if hasattr(os, "mkfifo"):
        os.mkfifo(label / "fifo.png")
    labels, n, samples = _read(folder)
    assert n == 12 and len(samples) == 12


def test_etl_files_without_a_record_or_with_a_bad_code_are_one_line(tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from tests.datagen import write_etl

    path = tmp_path / "ETL8B2C1"
    path.write_bytes(bytes(700))  # the dummy record and a part of one
    with caplog.at_level(logging.WARNING), pytest.raises(DatasetError, match="no complete ETL8B record"):
        read_samples(path, SPEC)
    write_etl(path, "ETL8B", "あいう", sheets=1)
    raw = bytearray(path.read_bytes())
    raw[512 * 2 + 2:512 * 2 + 4] = b"\xb2\x02"  # the second sample's JIS code
    path.write_bytes(bytes(raw[:-100]))  # and truncated, which alone is worth a warning
    with caplog.at_level(logging.WARNING), pytest.raises(DatasetError, match="record 2: Not a JIS X 0208"):
        read_samples(path, SPEC)
    assert caplog.text == ""  # a refused dataset is said in one line: the error


def test_a_truncated_etl_file_that_is_read_is_still_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from tests.datagen import write_etl

    path = tmp_path / "ETL8B2C1"
    write_etl(path, "ETL8B", "あいう", sheets=2)
    path.write_bytes(path.read_bytes()[:-100])
    with caplog.at_level(logging.WARNING):
        assert len(read_samples(path, SPEC, keep=lambda label: False)) == 0
    assert caplog.text == ""  # nothing used: the caller's error (no label it knows) is the only line
    with caplog.at_level(logging.WARNING):
        assert len(read_samples(path, SPEC)) == 5
    assert "ETL8B2C1 is truncated" in caplog.text


def test_a_npy_header_with_a_flipped_bit_is_one_dataset_error(tmp_path: Path) -> None:
    # numpy parses the header with ast/tokenize: an unclosed brace raises tokenize.TokenError.
    header = bytearray(_npy_bytes((4,), "<i8", b""))
    header[header.index(b"}")] = ord(" ")
    path = _zip(tmp_path / "d.npz", {"x.npy": bytes(header) + bytes(32), "y.npy": bytes(header) + bytes(32)})
    with pytest.raises(DatasetError, match="no readable .npy header"):
        _read(path)


def test_a_member_compressed_with_an_unknown_method_is_one_dataset_error(tmp_path: Path) -> None:
    path = _npz(tmp_path / "d.npz", **_good())
    raw = bytearray(path.read_bytes())
    for at in range(len(raw) - 4):  # every header's compression method (local and central) becomes 99
        if raw[at:at + 4] in (b"PK\x03\x04", b"PK\x01\x02"):
            offset = 8 if raw[at + 2] == 3 else 10
            raw[at + offset:at + offset + 2] = (99).to_bytes(2, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(DatasetError, match="no readable .npy header.*compression"):
        _read(path)
