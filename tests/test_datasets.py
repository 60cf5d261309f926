"""Dataset readers: every format behind open_dataset, reproducible and writer splits, clear errors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import DatasetError, MojiyomiError
from core.ink import write_ink_dataset
from core.preprocess import Preprocessing
from training.data import prepare_data, three_way_split, writer_split
from training.datasets import open_dataset, read_samples
from tests.datagen import drawn_digits, write_image_folder, write_mnist_like
from tests.strokefont import writer_samples

SPEC = Preprocessing()
TDIC = ("あ\n:2\n2 (54 58) (249 68)\n3 (147 10) (145 201) (182 252)\n\n"
        "く\n:1\n3 (191 43) (70 168) (190 269)\n\n"
        "あ\n:2\n2 (50 60) (240 70)\n3 (150 12) (140 205) (180 250)\n")


def write_npz(path: Path, n: int = 20) -> np.ndarray:
    x, y = drawn_digits(n, seed=4, size=40)
    np.savez(path, x=x, y=y, labels=np.asarray(list("零一二三四五六七八九")), writers=np.arange(n) % 4)
    return y


def write_jsonl(path: Path, per_digit: int = 2, writers: int = 1) -> Path:
    inks = [replace(ink, extra={"writer": f"writer {w}"}) for w in range(writers)
            for ink in writer_samples(per_digit, seed=w, slant=0.1 * w, squash=1.0)]
    write_ink_dataset(inks, path)
    return path


def test_image_folder_skips_unreadable_pictures(tmp_path: Path) -> None:
    write_image_folder(tmp_path / "data", n=30, seed=3, corrupt=1)
    _, y = drawn_digits(30, seed=3)
    dataset = open_dataset(tmp_path / "data", SPEC)
    assert dataset.kind == "folder" and len(dataset) == 31
    assert dataset.labels == tuple(sorted({str(v) for v in y}))
    samples = list(dataset.iter_samples())
    assert len(samples) == 30 and dataset.skipped == 1
    image, label, writer = samples[0]
    assert image.shape == (28, 28, 1) and image.dtype == np.uint8 and image.max() > 200 and writer is None
    assert sorted(s[1] for s in samples) == sorted(str(v) for v in y)


def test_npz_with_label_names_and_writers(tmp_path: Path) -> None:
    y = write_npz(tmp_path / "d.npz")
    dataset = open_dataset(tmp_path / "d.npz", SPEC, limit=8)
    assert len(dataset) == 8 and dataset.labels == tuple(sorted({"零一二三四五六七八九"[v] for v in y[:8]}))
    samples = read_samples(tmp_path / "d.npz", SPEC)
    assert samples.x.shape == (20, 28, 28, 1) and samples.y[0] == "零一二三四五六七八九"[y[0]]
    np.testing.assert_array_equal(samples.writers, np.arange(20) % 4)


def test_ink_dataset_and_tdic(tmp_path: Path) -> None:
    dataset = open_dataset(write_jsonl(tmp_path / "ink.jsonl"), SPEC)
    assert dataset.kind == "ink" and len(dataset) == 20 and dataset.labels == tuple("0123456789")
    assert all(x.shape == (28, 28, 1) and x.max() > 200 for x, _, _ in dataset.iter_samples())
    (tmp_path / "t.tdic").write_text(TDIC, encoding="utf-8")
    tdic = open_dataset(tmp_path / "t.tdic", SPEC)
    assert len(tdic) == 3 and tdic.labels == ("あ", "く")
    assert [s[1] for s in tdic.iter_samples()] == ["あ", "く", "あ"]


def test_a_samples_database_is_a_dataset(tmp_path: Path) -> None:
    from core.samples import SampleStore

    with SampleStore(tmp_path / "samples.sqlite3") as store:
        for ink in writer_samples(1, seed=3, slant=0.2, squash=0.8)[:4]:
            store.add(ink, str(ink.label), "digits", [(str(ink.label), 0.4)])
    dataset = open_dataset(tmp_path / "samples.sqlite3", SPEC)
    assert dataset.kind == "samples" and len(dataset) == 4 and dataset.labels == ("0", "1", "2", "3")
    assert all(x.shape == (28, 28, 1) and x.max() > 200 for x, _, _ in dataset.iter_samples())
    (tmp_path / "other.sqlite3").write_bytes(b"not a database at all" * 100)
    with pytest.raises(MojiyomiError, match="samples database"):
        len(open_dataset(tmp_path / "other.sqlite3", SPEC))


def test_format_can_be_forced(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "inks.txt")
    with pytest.raises(DatasetError, match="not a dataset"):
        open_dataset(tmp_path / "inks.txt", SPEC)
    assert len(list(open_dataset(tmp_path / "inks.txt", SPEC, format="ink").iter_samples())) == 20
    with pytest.raises(DatasetError, match="format='csv'"):
        open_dataset(tmp_path / "inks.txt", SPEC, format="csv")


def test_bad_tdic_line_is_named(tmp_path: Path) -> None:
    (tmp_path / "bad.tdic").write_text("あ\n:2\n2 (54 58) (249 68)\n3 (147 10)\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="line 4"):
        read_samples(tmp_path / "bad.tdic", SPEC)


def test_real_tomoe_dictionary(tomoe_dir: Path) -> None:
    dataset = open_dataset(tomoe_dir / "all.tdic", SPEC)
    labels = set(dataset.labels)
    assert 2900 <= len(dataset) <= 3200 and len(labels) > 2900
    assert {"0", "9", "あ", "ん", "字", "亜"} <= labels
    first = next(dataset.iter_samples())
    assert first[1] == "あ" and first[0].max() > 200


def test_split_is_seeded_and_writer_split_keeps_writers_apart() -> None:
    a, b = three_way_split(1000, 100, seed=5), three_way_split(1000, 100, seed=5)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[1], three_way_split(1000, 100, seed=6)[1])
    assert sorted(np.concatenate(a).tolist()) == list(range(1000)) and len(a[1]) == len(a[2]) == 100
    writers = np.repeat(np.arange(10), 30)
    train, val, test = writer_split(writers, 0.1, seed=2)
    groups = [set(writers[idx].tolist()) for idx in (train, val, test)]
    assert not (groups[0] & groups[1]) and not (groups[0] & groups[2]) and not (groups[1] & groups[2])
    assert len(train) + len(val) + len(test) == 300


@pytest.mark.parametrize("kind", ["folder", "npz", "ink", "tdic", "idx"])
def test_prepare_data_on_each_format(tmp_path: Path, kind: str) -> None:
    if kind == "folder":
        path = write_image_folder(tmp_path / "f", n=40, seed=1, corrupt=1)
    elif kind == "npz":
        path, _ = tmp_path / "d.npz", write_npz(tmp_path / "d.npz", n=40)
    elif kind == "ink":
        path = write_jsonl(tmp_path / "ink.jsonl", per_digit=4)
    elif kind == "tdic":
        path = tmp_path / "t.tdic"
        path.write_text(TDIC * 5, encoding="utf-8")
    else:
        path = write_mnist_like(tmp_path / "mnist", n_train=50, n_test=20)
    data = prepare_data(str(path), SPEC, 0.2, seed=3)
    again = prepare_data(str(path), SPEC, 0.2, seed=3)
    assert len(data.labels) >= 2 and list(data.labels) == sorted(data.labels)
    assert data.train.x.shape[1:] == (28, 28, 1) and data.train.x.dtype == np.uint8
    assert data.test is not None and len(data.val) > 0 and len(data.train) > len(data.val)
    assert int(data.train.y.max()) < len(data.labels)
    np.testing.assert_array_equal(data.val.x, again.val.x)
    assert data.skipped == (1 if kind == "folder" else 0)
    if kind == "idx":  # MNIST keeps its official test split
        assert len(data.train) + len(data.val) == 50 and len(data.test) == 20


def test_writer_split_of_an_npz(tmp_path: Path) -> None:
    write_npz(tmp_path / "d.npz", n=40)
    data = prepare_data(str(tmp_path / "d.npz"), SPEC, 0.25, seed=0, split_by_writer=True)
    assert len(data.val) == len(data.test) == 10 and len(data.train) == 20  # whole writers of 10 each
    inks = prepare_data(str(write_jsonl(tmp_path / "w.jsonl", writers=4)), SPEC, 0.25, seed=0, split_by_writer=True)
    assert (len(inks.train), len(inks.val), len(inks.test)) == (40, 20, 20)  # 20 inks per writer
    with pytest.raises(DatasetError, match="no writer ids"):
        prepare_data(str(write_image_folder(tmp_path / "f", n=20)), SPEC, 0.2, seed=0, split_by_writer=True)


@pytest.mark.parametrize("make, message", [
    (lambda p: p.mkdir(), "holds no dataset.*nothing"),
    (lambda p: None, "does not exist"),
    (lambda p: p.with_suffix(".txt").write_text("x"), "not a dataset"),
])
def test_unusable_paths_say_why(tmp_path: Path, make: object, message: str) -> None:
    path = tmp_path / "d"
    make(path)  # type: ignore[operator]
    target = path.with_suffix(".txt") if message == "not a dataset" else path
    with pytest.raises(DatasetError, match=message):
        open_dataset(target, SPEC)


def test_folder_without_readable_pictures(tmp_path: Path) -> None:
    (tmp_path / "d" / "a").mkdir(parents=True)
    (tmp_path / "d" / "a" / "x.png").write_bytes(b"junk")
    with pytest.raises(DatasetError, match="no readable sample: 1 found, 1 could not be read"):
        prepare_data(str(tmp_path / "d"), SPEC, 0.2, seed=1)


def test_one_class_cannot_train(tmp_path: Path) -> None:
    x, _ = drawn_digits(10, seed=1)
    (tmp_path / "only" / "7").mkdir(parents=True)
    for i, image in enumerate(x):
        cv2.imwrite(str(tmp_path / "only" / "7" / f"{i}.png"), image)
    with pytest.raises(DatasetError, match="only one class"):
        prepare_data(str(tmp_path / "only"), SPEC, 0.2, seed=1)


def test_keras_mnist_offline_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    import keras

    def offline() -> None:
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None -- [Errno -3]")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DatasetError, match="needs internet.*IDX files"):
        prepare_data("keras:mnist", SPEC, 0.1, seed=1)
    with pytest.raises(DatasetError, match="Only keras:mnist"):
        prepare_data("keras:cifar10", SPEC, 0.1, seed=1)


def test_large_datasets_are_memory_mapped_with_the_same_split(tmp_path: Path) -> None:
    from training.datasets.stream import is_on_disk

    write_ink_dataset(writer_samples(6, seed=0, slant=0.1, squash=1.0), tmp_path / "ink.jsonl")
    memory = prepare_data(str(tmp_path / "ink.jsonl"), SPEC, 0.2, seed=3)
    disk = prepare_data(str(tmp_path / "ink.jsonl"), SPEC, 0.2, seed=3, cache_dir=tmp_path / "cache", memory_limit=0)
    assert is_on_disk(disk.train.x) and not is_on_disk(memory.train.x)
    for a, b in ((memory.train, disk.train), (memory.val, disk.val), (memory.test, disk.test)):
        np.testing.assert_array_equal(np.asarray(a.x), np.asarray(b.x))
        np.testing.assert_array_equal(a.y, b.y)


def test_samples_left_out_by_label_are_not_read(tmp_path: Path) -> None:
    folder = write_image_folder(tmp_path / "f", n=30, seed=5)
    (folder / "字").mkdir()
    (folder / "字" / "broken.png").write_bytes(b"not a picture")
    dataset = open_dataset(folder, SPEC)
    kept = list(dataset.iter_samples(keep=lambda label: label.isdigit()))
    assert len(kept) == 30 and dataset.excluded == 1 and dataset.skipped == 0 and dataset.seconds > 0
    assert len(list(dataset.iter_samples())) == 30 and dataset.skipped == 1 and dataset.excluded == 0


def test_a_broken_ink_line_is_named(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "ink.jsonl", per_digit=1)
    path.write_text(path.read_text(encoding="utf-8") + '{"strokes": "oops", "label": "3"}\n', encoding="utf-8")
    with pytest.raises(MojiyomiError, match="line 11"):
        read_samples(path, SPEC)
