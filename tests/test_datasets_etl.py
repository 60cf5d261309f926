"""ETL Character Database files, written here record by record in the published layouts."""

from __future__ import annotations

import logging
import struct
from pathlib import Path

import numpy as np
import pytest

from core.errors import DatasetError
from core.preprocess import Preprocessing
from training.data import prepare_data
from training.datasets import open_dataset, read_samples
from training.datasets.etl import FORMATS, count_records, detect_format, encode_record, iter_etl, jis_to_char
from tests.datagen import write_etl

SPEC = Preprocessing()
KANA = "あいうえお"


def test_record_layouts_have_the_published_sizes() -> None:
    assert {name: struct.calcsize(f.layout) for name, f in FORMATS.items()} == {
        "ETL8B": 512, "ETL9B": 576, "ETL8G": 8199, "ETL9G": 8199}


def test_jis_codes_decode() -> None:
    assert jis_to_char(0x2422) == "あ" and jis_to_char(0x3021) == "亜" and jis_to_char(0x2330) == "0"
    assert [jis_to_char(c) for c in (0x2473, 0x2571, 0x3B7A, 0x7426)] == ["ん", "ヱ", "字", "熙"]
    with pytest.raises(DatasetError, match="0x2F7E"):
        jis_to_char(0x2F7E)


@pytest.mark.parametrize("fmt_name", sorted(FORMATS))
def test_etl_round_trip(tmp_path: Path, fmt_name: str) -> None:
    path = tmp_path / f"{fmt_name}_01"
    per_writer = FORMATS[fmt_name].sheets_per_writer
    # the first writer's last sheet, then the second writer's first
    images = write_etl(path, fmt_name, KANA, sheets=[per_writer, per_writer + 1])
    records = list(iter_etl(path))
    assert [r[1] for r in records] == list(KANA) * 2
    assert [r[2] for r in records] == [1] * 5 + [2] * 5
    for (image, _, _), want in zip(records, images):
        np.testing.assert_array_equal(image, want)
    samples = read_samples(path, SPEC)
    assert samples.kind == "etl" and samples.x.shape == (10, 28, 28, 1) and samples.x.max() > 200
    np.testing.assert_array_equal(np.unique(samples.writers), [1, 2])


def test_scanned_paper_background_is_not_taken_for_ink(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    levels = rng.integers(1, 4, (127, 128)).astype(np.uint8)  # grey, noisy paper
    levels[40:80, 50:70] = 15  # the character: a dark bar
    path = tmp_path / "ETL9G_01"
    path.write_bytes(encode_record(FORMATS["ETL9G"], levels * 17, "亜", 7))
    image, label, writer = next(iter_etl(path))
    assert (label, writer) == ("亜", 1)  # sheet 7 of the first ETL9 writer
    assert image[levels < 15].max() < 40 and image[levels == 15].min() == 255
    x = read_samples(path, SPEC).x[0, :, :, 0]
    rows = np.flatnonzero(x.max(axis=1) > 127)
    assert rows[-1] - rows[0] + 1 == SPEC.box  # the bar, not the whole sheet, fills the box


def test_truncated_etl_reads_complete_records_and_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "ETL9B_1"
    write_etl(path, "ETL9B", KANA, sheets=1)
    path.write_bytes(path.read_bytes()[:-100])
    assert count_records(path) == (4, 476)
    with caplog.at_level(logging.WARNING):
        assert [r[1] for r in iter_etl(path)] == list(KANA[:4])
    assert "ETL9B_1 is truncated" in caplog.text and "3356 bytes" in caplog.text and "576" in caplog.text


@pytest.mark.parametrize("fmt_name", ["ETL8B", "ETL9B"])
def test_renamed_b_files_are_recognized_by_size(tmp_path: Path, fmt_name: str) -> None:
    path = tmp_path / "characters.bin"
    write_etl(path, fmt_name, KANA, sheets=2)
    assert detect_format(path).name == fmt_name
    dataset = open_dataset(path, SPEC, format="etl")
    assert len(dataset) == 10 and dataset.labels == tuple(sorted(KANA))


def test_renamed_g_file_needs_the_format_forced(tmp_path: Path) -> None:
    path = tmp_path / "characters.bin"
    write_etl(path, "ETL8G", KANA, sheets=1)
    with pytest.raises(DatasetError, match=r"characters.bin \(40995 bytes\).*force"):
        list(open_dataset(path, SPEC, format="etl").iter_samples())
    samples = list(open_dataset(path, SPEC, format="etl8g").iter_samples())
    assert [s[1] for s in samples] == list(KANA) and {s[2] for s in samples} == {1}
    with pytest.raises(DatasetError, match="etl7x"):
        open_dataset(path, SPEC, format="etl7x")


def test_folder_of_etl_files_splits_by_writer(tmp_path: Path) -> None:
    folder = tmp_path / "ETL8B"
    folder.mkdir()
    write_etl(folder / "ETL8B2C1", "ETL8B", KANA, sheets=6)
    write_etl(folder / "ETL8B2C2", "ETL8B", "かき", sheets=6)
    (folder / "ETL8INFO").write_bytes(b"not records")
    data = prepare_data(str(folder), SPEC, 0.2, seed=1, split_by_writer=True)
    assert data.labels == tuple(sorted(KANA + "かき"))
    assert len(data.train) + len(data.val) + len(data.test) == 42
    assert len(data.val) == len(data.test) == 7  # one sheet (writer) each: 5 + 2 characters
    again = prepare_data(str(folder), SPEC, 0.2, seed=1, split_by_writer=True)
    np.testing.assert_array_equal(data.val.x, again.val.x)
