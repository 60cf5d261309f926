"""TFLite exports in every format, each checked against the Keras model; the reports."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.bundle import load_bundle
from training.export import FORMATS, ExportCheck, check_export, to_tflite
from training.reports import most_confused, write_reports


@pytest.fixture(scope="module")
def tiny_model() -> tuple[object, np.ndarray, np.ndarray]:
    import keras

    from tests.datagen import drawn_digits

    keras.utils.set_random_seed(0)
    x, y = drawn_digits(600, seed=1)
    x = x[..., None].astype("float32")
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Rescaling(1 / 255),
                              keras.layers.Conv2D(8, 3, activation="relu"), keras.layers.MaxPooling2D(2),
                              keras.layers.Conv2D(16, 3, activation="relu"), keras.layers.MaxPooling2D(2),
                              keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:400], y[:400], epochs=8, batch_size=32, verbose=0)
    assert model.evaluate(x[400:], y[400:], verbose=0)[1] > 0.5  # a model that learned, so argmax is meaningful
    return model, x, y


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_agrees_with_keras(tiny_model: tuple, fmt: str) -> None:
    model, x, y = tiny_model

    def representative():  # noqa: ANN202
        for i in range(0, 200, 20):
            yield [x[i:i + 20]]

    content = to_tflite(model, fmt, representative)
    check = check_export(model, content, fmt, x[400:], y[400:])
    assert check.agreement >= (1.0 if fmt == "tflite-float32" else 0.95), check.summary()
    assert check.bytes == len(content)


def test_int8_without_data_is_refused(tiny_model: tuple) -> None:
    with pytest.raises(ValueError, match="representative"):
        to_tflite(tiny_model[0], "tflite-int8")


def test_int8_that_loses_too_much_says_so() -> None:
    bad = ExportCheck("tflite-int8", 1000, 0.98, 0.99, 0.985, 1000)
    assert not bad.within_budget and "WARNING" in bad.summary()
    assert ExportCheck("tflite-int8", 1000, 1.0, 0.99, 0.989, 1000).within_budget
    assert ExportCheck("tflite-float16", 1000, 0.9, 0.99, 0.5, 1000).within_budget


def test_export_command_writes_a_checked_file(digits_bundle: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from core.bundle import load_bundle as load
    from core.recognizer import TFLiteRecognizer
    from mojiyomi.cli import main

    out = tmp_path / "digits.int8.tflite"
    assert main(["export", "--model", str(digits_bundle), "--format", "tflite-int8", "--out", str(out),
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["agreement"] >= 0.99 and result["within_budget"] and out.stat().st_size < 600_000
    copy = tmp_path / "bundle"
    shutil.copytree(digits_bundle, copy)
    shutil.copy(out, copy / "model.tflite")
    recognizer = TFLiteRecognizer(load(copy))
    assert recognizer.predict(np.zeros((3, 28, 28, 1), np.float32)).shape == (3, 10)


def test_reports_are_written(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, 200)
    probs = np.eye(5)[np.where(rng.random(200) < 0.8, y, (y + 1) % 5)] * 0.9 + 0.02
    x = rng.integers(0, 255, (200, 28, 28, 1)).astype(np.uint8)
    files = write_reports(tmp_path, list("abcde"), y, probs, x)
    rows = list(csv.DictReader(open(files[0], encoding="utf-8")))
    assert [r["label"] for r in rows] == list("abcde") and sum(int(r["support"]) for r in rows) == 200
    assert cv2.imread(str(files[1])) is not None and cv2.imread(str(files[2])) is not None
    matrix = np.zeros((3, 3), int)
    matrix[0, 1], matrix[2, 0], matrix[1, 1] = 5, 2, 9
    assert most_confused(matrix) == [(0, 1, 5), (2, 0, 2)]
    many = write_reports(tmp_path / "many", [chr(0x4E00 + i) for i in range(60)], rng.integers(0, 60, 100),
                         rng.random((100, 60)), x[:100])
    assert cv2.imread(str(many[1])).shape[1] == 520  # the most-confused-pairs table, not a 60x60 matrix

