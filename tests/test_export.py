"""TFLite exports in every format, each loaded by the app's recognizer and checked against Keras."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.bundle import KERAS_FILE, TFLITE_FILE, bundle_writer, load_bundle
from core.errors import DatasetError
from core.preprocess import Preprocessing
from training.export import FORMATS, ExportCheck, check_export, export_bundle, to_tflite, weights_from_tflite


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


def _bundle_of(model: object, folder: Path, content: bytes | None = None) -> Path:
    """A bundle holding ``model`` (and ``content`` as its TFLite file), as training writes it."""
    spec = Preprocessing(size=28, box=20)
    metadata = {"name": folder.name, "version": "0.0.1", "input_shape": [28, 28, 1], "preprocessing": spec.to_json()}
    with bundle_writer(folder, metadata, list("0123456789")) as staging:
        model.save(staging / KERAS_FILE)
        (staging / TFLITE_FILE).write_bytes(content if content is not None else to_tflite(model))
    return folder


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_runs_in_the_app_and_agrees_with_keras(tiny_model: tuple, fmt: str, tmp_path: Path) -> None:
    from core.recognizer import TFLiteRecognizer

    model, x, y = tiny_model

    def representative():  # noqa: ANN202
        for i in range(0, 200, 20):
            yield [x[i:i + 20]]

    content = to_tflite(model, fmt, representative)
    check = check_export(model, content, fmt, x[400:], y[400:])
    assert check.agreement >= (1.0 if fmt == "tflite-float32" else 0.95), check.summary()
    assert check.bytes == len(content)
    recognizer = TFLiteRecognizer(load_bundle(_bundle_of(model, tmp_path / fmt, content)))
    app = recognizer.predict_many(x[400:])
    keras_top1 = np.asarray(model(x[400:])).argmax(1)
    agreement = float(np.mean(app.argmax(1) == keras_top1))
    assert agreement >= (1.0 if fmt == "tflite-float32" else 0.95), f"{fmt}: {agreement:.3f}"
    assert np.allclose(app.sum(axis=1), 1.0, atol=0.02)  # probabilities, also after int8 dequantization
    sizes = {"tflite-float32": 1.0, "tflite-float16": 0.6, "tflite-dynamic": 0.4, "tflite-int8": 0.4}
    assert len(content) <= sizes[fmt] * len(to_tflite(model)) + 4096  # the smaller formats are smaller


def test_a_float_files_weights_rebuild_its_network_which_exports_again(tiny_model: tuple) -> None:
    import keras

    from training.export import run_tflite

    def network(seed: int, first: int = 8) -> object:
        keras.utils.set_random_seed(seed)
        return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(first, 3, activation="relu"),
                                 keras.layers.MaxPooling2D(2), keras.layers.Conv2D(16, 3, activation="relu"),
                                 keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                                 keras.layers.Dense(10, activation="softmax")])

    x = tiny_model[1][:50] / 255.0
    model, fresh = network(1), network(2)
    content = to_tflite(model)
    assert np.abs(np.asarray(fresh(x)) - np.asarray(model(x))).max() > 1e-3  # other weights at first
    weights_from_tflite(fresh, content)
    np.testing.assert_allclose(np.asarray(fresh(x)), np.asarray(model(x)), atol=1e-5)
    np.testing.assert_allclose(run_tflite(to_tflite(fresh), x), run_tflite(content, x), atol=1e-5)
    with pytest.raises(ValueError, match="does not fit"):
        weights_from_tflite(network(3, first=4), content)
    with pytest.raises(ValueError, match="does not fit"):  # weights in int8: not a float32 file
        weights_from_tflite(network(3), to_tflite(model, "tflite-dynamic"))
    with pytest.raises(ValueError, match="convolutions and dense layers"):
        weights_from_tflite(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]), content)


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


def test_export_checks_on_a_dataset_and_calibrates_on_its_training_split(tiny_model: tuple, tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from mojiyomi.cli import main
    from tests.datagen import write_mnist_like

    bundle = _bundle_of(tiny_model[0], tmp_path / "tiny")
    data = write_mnist_like(tmp_path / "digits", n_train=300, n_test=150, seed=4)
    out = tmp_path / "tiny.int8.tflite"
    assert main(["export", "--model", str(bundle), "--format", "tflite-int8", "--data", str(data), "--out", str(out),
                 "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["n"] == 150 and result["agreement"] >= 0.95 and out.is_file()
    assert "top-1 agreement with Keras" in lines[1] and result["file"] == str(out)


def test_export_of_a_bundle_without_samples_says_what_is_missing(tiny_bundle: Path, tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="carries no replay.npz"):
        export_bundle(load_bundle(tiny_bundle), "tflite-float16", tmp_path / "x.tflite")
    assert not (tmp_path / "x.tflite").exists()


@pytest.mark.parametrize("marked", [False, True])
def test_export_checks_on_replay_samples_none_of_which_is_marked_for_validation(tiny_model: tuple, tmp_path: Path,
                                                                                marked: bool) -> None:
    # A checkpoint's bundle of a run with thousands of classes keeps one replay sample a class, and
    # make_replay marks every second one of a class for validation: none. The check uses them all.
    model, x, y = tiny_model
    bundle = _bundle_of(model, tmp_path / "tiny")
    val = np.arange(len(y[400:])) % 2 == 1 if marked else np.zeros(len(y[400:]), bool)
    np.savez_compressed(bundle / "replay.npz", x=x[400:].astype(np.uint8), y=y[400:], val=val)
    _, check = export_bundle(load_bundle(bundle), "tflite-float16", tmp_path / "x.tflite")
    assert check is not None and check.n == (int(val.sum()) if marked else len(val)) and check.agreement >= 0.99


@pytest.mark.parametrize("damage", ["truncated", "not-a-model", "bit-flip"])
def test_a_damaged_keras_file_is_said_in_one_line_before_tensorflow_starts(digits_bundle: Path, tmp_path: Path,
                                                                        damage: str) -> None:
    """export/finetune on a bundle whose model.keras is damaged: one line, and Keras is never imported."""
    import subprocess
    import sys
    import zipfile

    bundle = tmp_path / "bundle"
    shutil.copytree(digits_bundle, bundle)
    keras_file = bundle / KERAS_FILE
    data = keras_file.read_bytes()
    if damage == "truncated":
        keras_file.write_bytes(data[: len(data) // 2])
    elif damage == "not-a-model":
        with zipfile.ZipFile(keras_file, "w") as archive:
            archive.writestr("notes.txt", "hello")
    else:
        with zipfile.ZipFile(keras_file) as archive:
            info = archive.getinfo("model.weights.h5")
        at = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
        keras_file.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:])
    code = ("import sys; from mojiyomi.cli import main; code = main(sys.argv[1:]); "
            "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules, 'Keras was imported'; "
            "sys.exit(code)")
    command = [sys.executable, "-c", code, "export", "--model", str(bundle), "--format", "tflite-float32",
               "--out", str(tmp_path / "out.tflite")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert "cannot be loaded" in lines[0]
