"""Dataset readers: every format, reproducible and writer splits, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import DatasetError
from core.ink import write_ink_dataset
from core.preprocess import Preprocessing
from training.data import prepare_data, three_way_split, writer_split
from training.datasets.etl import FORMATS, count_records, encode_record, iter_etl, jis_to_char
from training.datasets.readers import detect_kind, read_samples
from tests.datagen import drawn_digits, write_mnist_like
from tests.strokefont import writer_samples

SPEC = Preprocessing()
KANA = "あいうえお"


def _etl_image(fmt_name: str, char_index: int) -> np.ndarray:
    width, height = FORMATS[fmt_name].size
    image = np.zeros((height, width), np.uint8)
    cv2.putText(image, str(char_index), (width // 4, 3 * height // 4), cv2.FONT_HERSHEY_SIMPLEX,
                width / 40, 255, max(1, width // 20))
    return image


def write_etl(path: Path, fmt_name: str, chars: str, sheets: int) -> list[np.ndarray]:
    fmt = FORMATS[fmt_name]
    images, records = [], []
    if fmt.dummy_first:
        records.append(b"\0" * fmt.record)
    for sheet in range(sheets):
        for i, ch in enumerate(chars):
            image = _etl_image(fmt_name, i)
            if fmt.bits == 4:
                image = (image // 17 * 17).astype(np.uint8)
            images.append(image)
            records.append(encode_record(fmt, image, ch, sheet + 1))
    path.write_bytes(b"".join(records))
    return images


def test_jis_codes_decode() -> None:
    assert jis_to_char(0x2422) == "あ" and jis_to_char(0x3021) == "亜" and jis_to_char(0x2330) == "0"
    with pytest.raises(DatasetError, match="0x2F7E"):
        jis_to_char(0x2F7E)


@pytest.mark.parametrize("fmt_name", sorted(FORMATS))
def test_etl_round_trip(tmp_path: Path, fmt_name: str) -> None:
    path = tmp_path / f"{fmt_name}_01"
    images = write_etl(path, fmt_name, KANA, sheets=2)
    records = list(iter_etl(path))
    assert [r[1] for r in records] == list(KANA) * 2
    assert [r[2] for r in records] == [1] * 5 + [2] * 5
    expected = [(im > 127) * 255 if FORMATS[fmt_name].bits == 1 else im for im in images]
    for (image, _, _), want in zip(records, expected):
        np.testing.assert_array_equal(image, want)
    samples = read_samples(path, SPEC)
    assert samples.kind == "etl" and samples.x.shape == (10, 28, 28, 1) and samples.x.max() > 200
    np.testing.assert_array_equal(np.unique(samples.writers), [1, 2])


def test_truncated_etl_reads_complete_records(tmp_path: Path) -> None:
    path = tmp_path / "ETL9B_1"
    write_etl(path, "ETL9B", KANA, sheets=1)
    path.write_bytes(path.read_bytes()[:-100])
    assert count_records(path) == (4, 476)
    assert [r[1] for r in iter_etl(path)] == list(KANA[:4])


def test_image_folder_skips_unreadable_pictures(tmp_path: Path) -> None:
    x, y = drawn_digits(30, seed=3)
    for i, (image, label) in enumerate(zip(x, y)):
        (tmp_path / "data" / str(label)).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(tmp_path / "data" / str(label) / f"{i}.png"), 255 - image)
    (tmp_path / "data" / str(y[0]) / "broken.png").write_bytes(b"\x89PNG not really")
    samples = read_samples(tmp_path / "data", SPEC)
    assert samples.kind == "folder" and len(samples) == 30 and samples.skipped == 1
    assert sorted(samples.y.tolist()) == sorted(str(v) for v in y)


def test_npz_with_label_names_and_writers(tmp_path: Path) -> None:
    x, y = drawn_digits(20, seed=4, size=40)
    np.savez(tmp_path / "d.npz", x=x, y=y, labels=np.asarray(list("零一二三四五六七八九")), writers=np.arange(20) % 4)
    samples = read_samples(tmp_path / "d.npz", SPEC)
    assert samples.x.shape == (20, 28, 28, 1) and samples.y[0] == "零一二三四五六七八九"[y[0]]
    np.testing.assert_array_equal(samples.writers, np.arange(20) % 4)


def test_ink_dataset_and_tdic(tmp_path: Path) -> None:
    inks = writer_samples(2, seed=0, slant=0.1, squash=1.0)
    write_ink_dataset(inks, tmp_path / "ink.jsonl")
    samples = read_samples(tmp_path / "ink.jsonl", SPEC)
    assert samples.kind == "ink" and len(samples) == 20 and set(samples.y.tolist()) == set("0123456789")
    (tmp_path / "t.tdic").write_text("あ\n:2\n2 (54 58) (249 68)\n3 (147 10) (145 201) (182 252)\n\n"
                                     "く\n:1\n3 (191 43) (70 168) (190 269)\n", encoding="utf-8")
    tdic = read_samples(tmp_path / "t.tdic", SPEC)
    assert tdic.y.tolist() == ["あ", "く"] and tdic.x.max() > 200


def test_bad_tdic_line_is_named(tmp_path: Path) -> None:
    (tmp_path / "bad.tdic").write_text("あ\n:2\n2 (54 58) (249 68)\n3 (147 10)\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="line 4"):
        read_samples(tmp_path / "bad.tdic", SPEC)


def test_real_tomoe_dictionary(tomoe_dir: Path) -> None:
    from training.datasets.tomoe import iter_tdic

    inks = list(iter_tdic(tomoe_dir / "all.tdic"))
    labels = {i.label for i in inks}
    assert len(inks) > 3000 and {"0", "9", "あ", "ん", "字", "亜"} <= labels


def test_split_is_seeded_and_writer_split_keeps_writers_apart() -> None:
    a, b = three_way_split(1000, 100, seed=5), three_way_split(1000, 100, seed=5)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert sorted(np.concatenate(a).tolist()) == list(range(1000)) and len(a[1]) == len(a[2]) == 100
    writers = np.repeat(np.arange(10), 30)
    train, val, test = writer_split(writers, 0.1, seed=2)
    groups = [set(writers[idx].tolist()) for idx in (train, val, test)]
    assert not (groups[0] & groups[1]) and not (groups[0] & groups[2]) and not (groups[1] & groups[2])
    assert len(train) + len(val) + len(test) == 300


def test_prepare_data_on_a_folder_of_etl_files(tmp_path: Path) -> None:
    folder = tmp_path / "etl"
    folder.mkdir()
    write_etl(folder / "ETL8B2C1", "ETL8B", KANA, sheets=6)
    data = prepare_data(str(folder), SPEC, 0.2, seed=1, split_by_writer=True)
    assert data.labels == tuple(sorted(KANA))
    assert len(data.train) + len(data.val) + len(data.test) == 30


@pytest.mark.parametrize("make, message", [
    (lambda p: p.mkdir(), "holds no dataset"),
    (lambda p: None, "does not exist"),
    (lambda p: p.with_suffix(".txt").write_text("x"), "not a dataset"),
])
def test_unusable_paths_say_why(tmp_path: Path, make: object, message: str) -> None:
    path = tmp_path / "d"
    make(path)  # type: ignore[operator]
    target = path.with_suffix(".txt") if message == "not a dataset" else path
    with pytest.raises(DatasetError, match=message):
        detect_kind(target)


def test_one_class_cannot_train(tmp_path: Path) -> None:
    x, _ = drawn_digits(10, seed=1)
    (tmp_path / "only" / "7").mkdir(parents=True)
    for i, image in enumerate(x):
        cv2.imwrite(str(tmp_path / "only" / "7" / f"{i}.png"), image)
    with pytest.raises(DatasetError, match="only one class"):
        prepare_data(str(tmp_path / "only"), SPEC, 0.2, seed=1)


def test_evaluate_command_prints_the_json_keys(tmp_path: Path, tiny_bundle: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from mojiyomi.cli import main

    data = write_mnist_like(tmp_path / "mnist", n_train=10, n_test=50)
    assert main(["evaluate", "--model", str(tiny_bundle), "--data", str(data), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"top1", "top5", "macro_f1", "ms_per_sample", "n"} <= set(result) and result["n"] == 50
    inks = writer_samples(1, seed=0, slant=0.0, squash=1.0)
    write_ink_dataset([*inks, inks[0].with_label("字")], tmp_path / "ink.jsonl")
    assert main(["evaluate", "--model", str(tiny_bundle), "--data", str(tmp_path / "ink.jsonl")]) == 0
    assert "1 with labels the model does not know left out" in capsys.readouterr().out
    assert main(["evaluate", "--model", str(tiny_bundle), "--data", str(tmp_path / "nothing")]) == 1
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.slow
def test_digits_model_on_the_mnist_test_set(digits_bundle: Path, mnist_dir: Path) -> None:
    from core.bundle import load_bundle
    from core.recognizer import open_recognizer
    from training.evaluate_data import evaluate_dataset

    scores = evaluate_dataset(open_recognizer(load_bundle(digits_bundle)), str(mnist_dir))
    assert scores.n == 10000 and scores.top1 >= 0.995


def test_large_datasets_are_memory_mapped_with_the_same_split(tmp_path: Path) -> None:
    from training.datasets.stream import is_on_disk

    inks = writer_samples(6, seed=0, slant=0.1, squash=1.0)
    write_ink_dataset(inks, tmp_path / "ink.jsonl")
    memory = prepare_data(str(tmp_path / "ink.jsonl"), SPEC, 0.2, seed=3)
    disk = prepare_data(str(tmp_path / "ink.jsonl"), SPEC, 0.2, seed=3, cache_dir=tmp_path / "cache", memory_limit=0)
    assert is_on_disk(disk.train.x) and not is_on_disk(memory.train.x)
    for a, b in ((memory.train, disk.train), (memory.val, disk.val), (memory.test, disk.test)):
        np.testing.assert_array_equal(np.asarray(a.x), np.asarray(b.x))
        np.testing.assert_array_equal(a.y, b.y)
