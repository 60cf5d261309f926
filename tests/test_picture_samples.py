"""Picture samples: a corrected character of a picture kept in the samples database as the model
input the recognizer saw, listed with the other samples, undoable, and trained on by a fine-tune."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from core.bundle import resolve_model
from core.errors import InputError
from core.ink import Ink
from core.picture_edit import char_model_input, read_picture_chars
from core.preprocess import Preprocessing
from core.recognizer import TFLiteRecognizer
from core.samples import (MIGRATIONS, SCHEMA_VERSION, LabelledImage, SampleStore, labelled_inks,
                          labelled_samples)
from tests.test_picture import digit_line
from training.adapt import check_samples, inks_to_arrays, split_holdout
from training.datasets.readers import iter_samples
from training.finetune import read_samples


def ink(x: float = 0.0) -> Ink:
    return Ink((np.array([[x, 0.0, 0.0, 1.0], [x + 10.0, 20.0, 1.0, 1.0]]),), 100, 100)


def model_input(seed: int, size: int = 28) -> np.ndarray:
    image = np.zeros((size, size), np.uint8)
    rng = np.random.default_rng(seed)
    image[4:24, 4:24] = rng.integers(0, 256, (20, 20))
    image[10:18, 12] = 255
    return image


def test_the_picture_path_input_of_each_character_is_what_the_recognizer_read() -> None:
    digits = TFLiteRecognizer(resolve_model("digits"))
    reading = read_picture_chars(digit_line("4712"), digits)
    spec = digits.bundle.preprocessing
    for index, char in enumerate(reading.chars):
        line = reading.segmented.lines[char.line]
        seen = reading.segmented.model_input(line, char.members, spec)
        assert np.array_equal(char_model_input(reading, index, spec), np.round(seen[..., 0]).astype(np.uint8))
        probs = digits.predict(char_model_input(reading, index, spec)[None, ..., None].astype(np.float32))[0]
        assert digits.rank(probs, 1)[0].label == char.label


def test_a_picture_sample_is_kept_listed_and_read_back(tmp_path: Path) -> None:
    with SampleStore(tmp_path / "s.sqlite3") as store:
        first = store.add(ink(), "4", "digits", [("4", 0.9)])
        image = model_input(1)
        kept = store.add_picture(image, "7", "digits", [("1", 0.6), ("7", 0.3)], "page.png x=1 y=2 w=3 h=4")
        [sample] = store.get([kept])
        assert sample.kind == "picture" and sample.ink.is_empty and not sample.problem
        assert sample.image is not None and np.array_equal(sample.image, image)
        assert (sample.label, sample.model, sample.source, sample.corrected) == ("7", "digits",
                                                                                "page.png x=1 y=2 w=3 h=4", True)
        infos = store.infos()
        assert [(i.id, i.kind) for i in infos] == [(first, "ink"), (kept, "picture")]
        assert infos[1].source == "page.png x=1 y=2 w=3 h=4"
        assert store.labels() == [("4", 1), ("7", 1)] and store.most_misread(5) == ["7"]


def test_deleting_a_picture_sample_is_undone_with_its_picture(tmp_path: Path) -> None:
    with SampleStore(tmp_path / "s.sqlite3") as store:
        kept = store.add_picture(model_input(2), "7", "digits", [("1", 0.6)], "p.png")
        gone = store.delete([kept])
        assert store.count() == 0
        store.restore(gone)
        [back] = store.get([kept])
        assert (back.id, back.kind, back.label, back.candidates, back.created, back.source) == (
            kept, "picture", "7", (("1", 0.6),), gone[0].created, "p.png")
        assert back.image is not None and np.array_equal(back.image, model_input(2))


@pytest.mark.parametrize("image", [np.zeros((28, 28), np.uint8), np.zeros((28, 28, 3), np.uint8) + 255,
                                   np.full((28, 28), 255.0), np.full((300, 300), 255, np.uint8)])
def test_what_is_not_a_model_input_is_refused(tmp_path: Path, image: np.ndarray) -> None:
    with SampleStore(tmp_path / "s.sqlite3") as store:
        with pytest.raises(InputError, match="picture sample"):
            store.add_picture(image, "7")
        assert store.count() == 0


def test_an_older_database_gains_picture_samples_and_keeps_its_inks(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    for migrate in MIGRATIONS[:2]:
        migrate(db)
    db.execute("PRAGMA user_version=2")
    db.close()
    with SampleStore(path) as store:  # written by the mojiyomi before picture samples
        store_version = store._db.execute("PRAGMA user_version").fetchone()[0]
        assert store_version == SCHEMA_VERSION == 3
        store.add(ink(), "4")
        store.add_picture(model_input(3), "7")
        assert [s.kind for s in store.list()] == ["ink", "picture"]


def test_a_damaged_picture_is_listed_with_its_problem(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with SampleStore(path) as store:
        kept = store.add_picture(model_input(4), "7")
        store._db.execute("UPDATE samples SET image=? WHERE id=?", (b"\x89PNG not really", kept))
        [sample] = store.list()
        assert sample.image is None and "picture cannot be read" in sample.problem
    assert labelled_samples(path)[0].is_empty  # a fine-tune leaves it out


def test_a_finetune_reads_picture_samples_beside_inks(tmp_path: Path) -> None:
    path = tmp_path / "samples.sqlite3"
    images = [model_input(seed) for seed in range(6)]
    with SampleStore(path) as store:
        for n in range(6):
            store.add(ink(float(n)), "4")
        for n, image in enumerate(images):
            store.add_picture(image, "7", "digits", [("1", 0.5)], f"page.png x={n}")
        store.export_jsonl(tmp_path / "out.jsonl")
    samples = read_samples(path)
    pictures = [s for s in samples if isinstance(s, LabelledImage)]
    assert len(samples) == 12 and [s.label for s in pictures] == ["7"] * 6
    assert len(labelled_inks(path)) == 6  # the ink datasets' reader: strokes only
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 6  # JSONL holds inks only
    # The arrays a fine-tune trains on: a picture sample is the model input the recognizer saw.
    spec = Preprocessing(size=28)
    usable = check_samples(samples)
    train, held = split_holdout(usable, 0.25, 0)
    assert {s.label for s in held} == {"4", "7"}
    x, y = inks_to_arrays(usable, ("4", "7"), spec)
    assert x.shape == (12, 28, 28, 1) and list(y) == [0] * 6 + [1] * 6
    for row, image in zip(x[6:], images):
        assert np.array_equal(row[..., 0], image)
    # A model of another input size gets the picture fitted again, not refused.
    bigger, _ = inks_to_arrays(pictures, ("4", "7"), Preprocessing(size=48, box=40))
    assert bigger.shape == (6, 48, 48, 1) and bigger.max() > 128


def test_a_samples_database_as_a_dataset_holds_its_picture_samples(tmp_path: Path) -> None:
    path = tmp_path / "samples.sqlite3"
    with SampleStore(path) as store:
        store.add(ink(), "4")
        store.add_picture(model_input(5), "7")
    spec = Preprocessing(size=28)
    raw = list(iter_samples(path, spec))
    assert [label for _, label, _ in raw] == ["4", "7"]
    assert raw[1][0] is not None and np.array_equal(raw[1][0], model_input(5))
