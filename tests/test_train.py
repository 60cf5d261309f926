"""Training runs: a bundle comes out; failures, cancels and crashes never lose a model."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from core.bundle import load_bundle
from core.errors import DatasetError
from tests.datagen import write_mnist_like
from training.augment import AugmentConfig
from training.config import TrainConfig
from training.events import Event
from training.train import Cancelled, run_dir_for, train


@pytest.fixture(scope="module")
def digits_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_mnist_like(tmp_path_factory.mktemp("data") / "mnist", n_train=1200, n_test=300)


def _config(data: Path, out: Path, **changes: Any) -> TrainConfig:
    base = TrainConfig(data=str(data), out=str(out), epochs=2, batch_size=64, validation_size=200,
                       learning_rate=3e-3, augment=AugmentConfig(rotation_deg=5, zoom=0.05, translation=0.05, shear=0.05))
    return base.replace(**changes)


def test_a_run_writes_a_bundle_that_learned(digits_dir: Path, tmp_path: Path) -> None:
    events: list[Event] = []
    result = train(_config(digits_dir, tmp_path / "out", epochs=3), events.append, command="test")
    bundle = load_bundle(result.bundle)
    assert bundle.labels == tuple("0123456789")
    assert result.val_top1 > 0.6 and result.test_top1 is not None and result.test_top1 > 0.6
    assert bundle.metadata["training"]["command"] == "test"
    assert bundle.metadata["training"]["config"]["epochs"] == 3
    assert bundle.metrics["test"]["n"] == 300
    assert bundle.metadata["tflite_format"] == "tflite-dynamic"  # the app's file in int8; its metrics are of it
    assert [e.epoch for e in events if e.event == "epoch"] == [1, 2, 3]
    assert not run_dir_for(tmp_path / "out").exists()
    reports = bundle.path / "reports"
    assert (reports / "confusion.png").stat().st_size > 1000 and (reports / "misrecognized.png").exists()
    assert len((reports / "per_class.csv").read_text().splitlines()) == 11


def test_cancel_writes_nothing_and_keeps_the_old_model(digits_dir: Path, tiny_bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "digits"
    shutil.copytree(tiny_bundle, out)
    before = (out / "model.tflite").read_bytes()
    with pytest.raises(Cancelled, match="cancelled"):
        train(_config(digits_dir, out), should_stop=lambda: True)
    assert (out / "model.tflite").read_bytes() == before


def test_bad_dataset_fails_clearly_and_keeps_the_old_model(tiny_bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "digits"
    shutil.copytree(tiny_bundle, out)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="empty"):
        train(_config(tmp_path / "empty", out))
    load_bundle(out)


def test_full_disk_during_a_checkpoint_fails_and_keeps_the_old_model(
        digits_dir: Path, tiny_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keras

    out = tmp_path / "digits"
    shutil.copytree(tiny_bundle, out)
    before = (out / "model.tflite").read_bytes()

    def full_disk(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keras.Model, "save_weights", full_disk)
    with pytest.raises(OSError, match="No space left"):
        train(_config(digits_dir, out, epochs=1))
    assert (out / "model.tflite").read_bytes() == before


@pytest.mark.slow  # trains a model: tens of seconds on 2 cores
def test_an_interrupted_run_resumes_from_its_last_epoch(digits_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "resumed"

    finished: list[int] = []

    def crash_in_epoch_2(event: Event) -> None:
        if event.event == "epoch":
            finished.append(event.epoch)
        if event.event == "batch" and finished == [1] and event.batch == 3:
            raise KeyboardInterrupt("power cut")

    with pytest.raises(KeyboardInterrupt):
        train(_config(digits_dir, out, epochs=3), crash_in_epoch_2)
    assert not out.exists() and (run_dir_for(out) / "backup").is_dir()
    events: list[Event] = []
    result = train(_config(digits_dir, out, epochs=99), events.append, resume=True)
    assert [e.epoch for e in events if e.event == "epoch"] == [2, 3]
    assert load_bundle(result.bundle).metadata["training"]["config"]["epochs"] == 3


def test_resume_without_an_interrupted_run_says_so(digits_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no interrupted run"):
        train(_config(digits_dir, tmp_path / "x"), resume=True)


@pytest.mark.parametrize("changes, message", [({"epochs": 0}, "epochs=0"), ({"learning_rate": 5.0}, "learning_rate"),
                                              ({"optimizer": "rmsprop"}, "optimizer"), ({"box": 40}, "box")])
def test_impossible_configs_are_refused(changes: dict, message: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=message):
        _config(tmp_path, tmp_path / "o", **changes)


def test_init_from_keeps_the_label_order_and_grows_for_new_labels(tiny_bundle: Path, tmp_path: Path) -> None:
    import cv2
    import numpy as np

    from tests.datagen import drawn_digits

    x, y = drawn_digits(300, seed=5)
    names = {3: "3", 7: "7"}
    folder = tmp_path / "folder"
    for i, (image, label) in enumerate(zip(x, y)):
        name = names.get(int(label), "X" if label % 2 else "Y")  # two labels the model does not know
        (folder / name).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / name / f"{i}.png"), 255 - image)
    result = train(_config(folder, tmp_path / "out", epochs=1, init_from=str(tiny_bundle), validation_size=60))
    bundle = load_bundle(result.bundle)
    assert bundle.labels == tuple("0123456789") + ("X", "Y")
    parent = load_bundle(tiny_bundle)
    made_from = bundle.metadata["training"]["init_from"]
    assert made_from["name"] == parent.name and made_from["training"]["command"] == parent.metadata["training"]["command"]
    from core.recognizer import TFLiteRecognizer

    assert TFLiteRecognizer(bundle).predict(np.zeros((1, 28, 28, 1), np.float32)).shape == (1, 12)


def test_only_data_classes_keeps_the_models_rows_of_the_datas_classes(tiny_bundle: Path, tmp_path: Path) -> None:
    import cv2
    import numpy as np

    from core.recognizer import TFLiteRecognizer
    from tests.datagen import drawn_digits
    from training.keras_io import load_keras_model
    from training.train import build_for

    x, y = drawn_digits(300, seed=5)
    folder = tmp_path / "folder"
    for i, (image, label) in enumerate(zip(x, y)):
        name = {3: "3", 7: "7", 1: "1"}.get(int(label), "X")  # "X": a label the model does not know
        (folder / name).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / name / f"{i}.png"), 255 - image)
    config = _config(folder, tmp_path / "out", epochs=1, init_from=str(tiny_bundle), validation_size=60,
                     only_data_classes=True)
    parent = load_bundle(tiny_bundle)
    model = build_for(config, ("1", "3", "7", "X"))
    kernel, bias = model.layers[-1].get_weights()
    old_kernel, old_bias = load_keras_model(parent).layers[-1].get_weights()
    assert kernel.shape[1] == 4
    assert np.array_equal(kernel[:, :3], old_kernel[:, [1, 3, 7]]) and np.array_equal(bias[:3], old_bias[[1, 3, 7]])
    assert bias[3] < old_bias.min()  # the new class starts quiet
    result = train(config)
    bundle = load_bundle(result.bundle)
    assert bundle.labels == ("1", "3", "7", "X")
    assert TFLiteRecognizer(bundle).predict(np.zeros((1, 28, 28, 1), np.float32)).shape == (1, 4)


def test_only_data_classes_needs_a_model_to_start_from(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="only_data_classes"):
        _config(tmp_path, tmp_path / "o", only_data_classes=True)


@pytest.mark.slow  # trains a model: tens of seconds on 2 cores
def test_a_dataset_larger_than_memory_trains_from_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import training.datasets.stream as stream
    from core.ink import write_ink_dataset
    from tests.strokefont import writer_samples

    monkeypatch.setattr(stream, "IN_MEMORY_LIMIT", 0)
    served = []
    real = stream.batches
    monkeypatch.setattr(stream, "batches", lambda *a, **k: served.append(a[0]) or real(*a, **k))
    write_ink_dataset(writer_samples(12, seed=1, slant=0.0, squash=1.0), tmp_path / "ink.jsonl")
    result = train(_config(tmp_path / "ink.jsonl", tmp_path / "out", epochs=1, validation_size=0.2))
    assert served and all(stream.is_on_disk(x) for x in served)
    assert load_bundle(result.bundle).labels == tuple("0123456789")


@pytest.mark.slow  # trains a model: tens of seconds on 2 cores
def test_no_augmentation_and_a_generated_dataset_records_its_sources(tmp_path: Path) -> None:
    # An NPZ with a generator's manifest beside it: its attribution goes into the bundle.
    import json

    import numpy as np

    rng = np.random.default_rng(0)
    x = np.zeros((240, 20, 20), np.uint8)
    y = np.array(list("ab") * 120)
    for i, label in enumerate(y):  # a bar, horizontal for "a", vertical for "b"
        k = rng.integers(6, 14)
        if label == "a":
            x[i, k:k + 3, 3:17] = 255
        else:
            x[i, 3:17, k:k + 3] = 255
    data = tmp_path / "gen"
    data.mkdir()
    np.savez(data / "synth.npz", x=x, y=y)
    made_with = {"id": "fit-v1", "size": 20, "box": 14, "stroke_ratio": 0.12, "render_size": 112}
    (data / "manifest.json").write_text(json.dumps({"attribution": "Stroke data: test, CC0", "per_class": 120,
                                                    "preprocessing": made_with}))
    from mojiyomi.cli import build_parser
    from training.cli_train import config_from_args

    # The flags leave the preprocessing out: the run takes the data's, and the bundle records it.
    config = config_from_args(build_parser().parse_args(
        ["train", "--data", str(data / "synth.npz"), "--out", str(tmp_path / "out"), "--epochs", "2",
         "--batch-size", "32", "--validation-size", "40", "--width", "8", "--augment", "none"]))
    # (two epochs of a tiny model: this checks the run and its records, not what it learned)
    result = train(config, lambda event: None, command="test")
    bundle = load_bundle(result.bundle)
    assert bundle.preprocessing.to_json() == made_with
    assert [bundle.metadata["training"]["config"][k] for k in ("input_size", "box", "stroke_ratio")] == [20, 14, 0.12]
    assert bundle.metadata["attribution"] == "Stroke data: test, CC0"
    assert bundle.metadata["training"]["data"]["per_class"] == 120
    assert bundle.metadata["training"]["config"]["width"] == 8
    assert bundle.metadata["training"]["config"]["augment"] == AugmentConfig(0, 0, 0, 0).to_json()


def test_augment_flag_presets_and_pairs() -> None:
    from training.cli_train import parse_augment

    assert parse_augment("none") == {"rotation_deg": 0.0, "zoom": 0.0, "translation": 0.0, "shear": 0.0}
    assert parse_augment("rotation_deg=3,zoom=0")["rotation_deg"] == 3.0
    with pytest.raises(ValueError, match="--augment takes"):
        parse_augment("spin=3")
    with pytest.raises(ValueError, match="too strong"):
        parse_augment("rotation_deg=120")


def test_lineage_keeps_the_base_s_stages_and_checkpoint(tmp_path: Path) -> None:
    """A model continued from a checkpoint of an unfinished run says how that run was made."""
    from tests.test_bundle_safety import fake_bundle
    from training.train import lineage

    stages = [{"command": "mojiyomi train --data d --out o", "seconds": 3600.0, "hardware": "x86_64 CPU x2"},
              {"command": "mojiyomi train --resume --out o", "seconds": 7200.0, "hardware": "x86_64 CPU x2"}]
    checkpoint = {"unfinished": True, "optimizer_steps": 25000, "epochs_done": 3.349}
    base = fake_bundle(tmp_path / "ckpt", version="1.0.0", training={
        "command": "python -m training.checkpoint_bundle --run r", "seconds": 10800.0, "stages": stages,
        "checkpoint": checkpoint, "train_samples": 955400, "history": {"loss": [1.0, 0.5]}})
    made = lineage(load_bundle(base))
    assert made["training"]["stages"] == stages and made["training"]["checkpoint"] == checkpoint
    assert made["training"]["train_samples"] == 955400 and "history" not in made["training"]
