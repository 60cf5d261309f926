"""The two-stage transfer recipe, the bottleneck cache, configs and the ``mojiyomi train`` flags."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.datagen import drawn_digits, write_mnist_like
from training.config import TrainConfig
from training.data import ArraySplit, PreparedData
from training.events import Event, StageEvent
from training.recipe import fit_head_on_bottleneck, run_stages
from training.transfer import build_transfer, split_model


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A MobileNetV3Small weights file standing in for ImageNet's (no download in tests).

    Random weights with batch-norm statistics calibrated on one batch of digits, so that in
    inference mode the base gives features a head can learn from, as ImageNet weights do.
    """
    import keras

    keras.utils.set_random_seed(3)
    base = keras.applications.MobileNetV3Small(include_top=False, weights=None, input_shape=(32, 32, 3),
                                               include_preprocessing=True)
    norms = [layer for layer in base.layers if isinstance(layer, keras.layers.BatchNormalization)]
    for layer in norms:
        layer.momentum = 0.0  # one training-mode pass sets the moving statistics to the batch's
    x, _ = drawn_digits(64, seed=9, size=32)
    base(np.repeat(x[..., None], 3, axis=-1).astype("float32"), training=True)
    path = tmp_path_factory.mktemp("weights") / "mnv3s.weights.h5"
    base.save_weights(str(path))
    return str(path)


def _data(n: int = 200, size: int = 32) -> PreparedData:
    x, y = drawn_digits(n, seed=0, size=size)
    x = x[..., None]
    cut = n * 4 // 5
    return PreparedData(tuple("0123456789"), ArraySplit(x[:cut], y[:cut]), ArraySplit(x[cut:], y[cut:]), None)


def _config(tmp_path: Path, **changes: Any) -> TrainConfig:
    base = TrainConfig(data="-", out=str(tmp_path / "out"), backbone="mobilenet-v3-small", input_size=32, box=22,
                       epochs=1, batch_size=32)
    return base.replace(**changes)


def _base_weights(model: Any) -> dict[str, list[np.ndarray]]:
    """Every backbone weight by layer, batch-norm moving statistics included."""
    base = split_model(model)[0].get_layer("base")
    return {layer.name: [np.array(w) for w in layer.weights] for layer in base.layers if layer.weights}


def _changed(before: dict, after: dict) -> set[str]:
    return {name for name in before if any(not np.array_equal(a, b) for a, b in zip(before[name], after[name]))}


@pytest.mark.slow  # trains a model: tens of seconds on 2 cores
@pytest.mark.parametrize("bottleneck", [False, True])
def test_stage_one_freezes_the_base_and_stage_two_trains_only_its_top(
        tmp_path: Path, pretrained: str, bottleneck: bool) -> None:
    config = _config(tmp_path, weights=pretrained, bottleneck=bottleneck, stage2_epochs=1, unfreeze_layers=3)
    model = build_transfer("mobilenet-v3-small", (32, 32, 1), 10, weights=pretrained)
    start, head_start = _base_weights(model), [np.array(w) for w in split_model(model)[1].weights]
    after_stage1: dict = {}
    events: list[Event] = []

    def report(event: Event) -> None:
        if event.event == "stage" and event.stage == 2:
            after_stage1.update(_base_weights(model))
        events.append(event)

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    run_stages(config, model, _data(), report, lambda: False, run_dir)
    assert _changed(start, after_stage1) == set()  # kernels and batch-norm moving statistics stayed put
    assert any(not np.array_equal(a, b) for a, b in zip(head_start, split_model(model)[1].weights))
    base = split_model(model)[0].get_layer("base")
    top3 = [layer.name for layer in base.layers if layer.weights and "BatchNorm" not in type(layer).__name__][-3:]
    moved = _changed(after_stage1, _base_weights(model))
    assert moved and moved <= set(top3)
    texts = [e.text for e in events if e.event == "stage"]
    assert texts[0] == "Stage 1: training the head (base frozen)" and texts[-1].startswith("Stage 2:")
    assert any("bottleneck" in t for t in texts) == bottleneck
    assert [(e.stage, e.epoch) for e in events if e.event == "epoch"] == [(1, 1), (2, 1)]
    assert {e.stage for e in events if e.event == "batch"} == {1, 2}
    assert (run_dir / "bottleneck-train.npy").exists() == bottleneck


@pytest.mark.slow  # trains a model: tens of seconds on 2 cores
def test_the_head_learns_from_the_bottleneck_cache(tmp_path: Path, pretrained: str) -> None:
    import keras

    keras.utils.set_random_seed(0)
    config = _config(tmp_path, weights=pretrained, bottleneck=True, epochs=30, learning_rate=3e-3)
    model = build_transfer("mobilenet-v3-small", (32, 32, 1), 10, weights=pretrained, head_dropout=0.0)
    data = _data()
    events: list[Event] = []
    fit_head_on_bottleneck(config, split_model(model), data, events.append, lambda: False, tmp_path)
    cache = np.load(tmp_path / "bottleneck-train.npy", mmap_mode="r")
    assert cache.shape == (len(data.train), 1, 1, 576)
    probs = np.asarray(model(data.train.x.astype("float32")))  # the whole model has the trained head
    np.testing.assert_allclose(probs, np.asarray(split_model(model)[1](np.asarray(cache))), rtol=1e-4, atol=1e-5)
    accuracy = [e.logs["accuracy"] for e in events if e.event == "epoch"]
    assert len(accuracy) == 30 and accuracy[-1] > 0.5 > accuracy[0] + 0.2  # from chance (0.1) to learned
    # The best epoch on validation is kept, whichever it is (the head overfits these 160 digits:
    # with OpenCV 5.1's drawing the first epoch is the best, and the kept head reads the training
    # digits at 30%, where a threshold of "over 30%" had been asked).
    val_accuracy = [e.logs["val_accuracy"] for e in events if e.event == "epoch"]
    kept = float(np.mean(np.asarray(model(data.val.x.astype("float32"))).argmax(1) == data.val.y))
    assert kept == pytest.approx(max(val_accuracy), abs=1e-6)


@pytest.mark.slow  # trains a model: tens of seconds on 2 cores
def test_without_pretrained_weights_the_whole_network_trains_in_one_stage(tmp_path: Path) -> None:
    import keras

    keras.utils.set_random_seed(0)
    config = _config(tmp_path, epochs=2)
    model = build_transfer("mobilenet-v3-small", (32, 32, 1), 10)
    start = _base_weights(model)
    events: list[Event] = []
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    data = _data(200)
    run_stages(config, model, data, events.append, lambda: False, run_dir)
    moved = _changed(start, _base_weights(model))
    norms = {layer.name for layer in split_model(model)[0].get_layer("base").layers
             if "BatchNorm" in type(layer).__name__}
    assert len(moved) > len(start) // 2 and moved & norms  # kernels and batch-norm statistics learned
    # Batch-norm statistics followed the data even in a short run, so the features the head sees
    # in inference mode are of the size it trained on (with MobileNetV3's own 0.999 momentum they
    # were ~1e-11 of it and the model answered at chance while training accuracy looked fine).
    features = split_model(model)[0]
    x = data.val.x.astype("float32")
    assert np.std(features(x, training=False)) > 0.1 * np.std(features(x, training=True))
    assert [e.text for e in events if e.event == "stage"] == [
        "Training all of mobilenet-v3-small from scratch in one stage (no pretrained weights to freeze)"]


@pytest.mark.parametrize("changes, message", [
    ({"adapter": "rgb"}, "adapter='rgb'"),
    ({"head": "max"}, "head='max'"),
    ({"stage2_learning_rate": 0}, "stage2_learning_rate=0"),
    ({"unfreeze_layers": -2}, "unfreeze_layers=-2"),
    ({"bottleneck": True}, "need pretrained weights"),
    ({"stage2_epochs": 2}, "need pretrained weights"),
    ({"backbone": "resnet50"}, "backbone='resnet50'"),
    ({"weights": "imagenet.txt"}, "weights='imagenet.txt'"),
    ({"backbone": "simple-cnn", "weights": "imagenet"}, "not simple-cnn"),
    ({"optimizer": "rmsprop"}, "optimizer='rmsprop'")])
def test_impossible_configs_are_refused(tmp_path: Path, changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match="Impossible training config. Received: .*" + message.replace("(", r"\(")):
        _config(tmp_path, **changes)


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as info:
        _config(tmp_path, adapter="rgb", head="max", epochs=0)
    assert all(part in str(info.value) for part in ("adapter='rgb'", "head='max'", "epochs=0"))


def test_a_config_round_trips_through_its_file(tmp_path: Path) -> None:
    config = _config(tmp_path, weights="imagenet", adapter="conv1x1", head="flatten", head_batchnorm=True,
                     bottleneck=True, stage2_epochs=3, unfreeze_layers=20, stage2_learning_rate=5e-5,
                     optimizer="adamax")
    config.save(tmp_path / "run.json")
    assert TrainConfig.load(tmp_path / "run.json") == config


def _parse(*flags: str) -> Any:
    from mojiyomi.cli import build_parser

    return build_parser().parse_args(["train", *flags])


def test_train_flags_make_the_config() -> None:
    from training.cli_train import config_from_args

    config = config_from_args(_parse("--data", "d", "--out", "o", "--backbone", "efficientnet-b0", "--weights",
                                     "imagenet", "--adapter", "conv1x1", "--stage1-epochs", "4", "--stage2-epochs",
                                     "2", "--unfreeze", "all", "--bottleneck", "--optimizer", "sgd",
                                     "--input-size", "48"))
    assert (config.backbone, config.weights, config.adapter, config.epochs, config.stage2_epochs) == \
           ("efficientnet-b0", "imagenet", "conv1x1", 4, 2, )
    assert (config.unfreeze_layers, config.bottleneck, config.optimizer, config.input_size) == (-1, True, "sgd", 48)
    assert config.box == 34  # MNIST's 20-in-28 framing
    assert config_from_args(_parse("--data", "d", "--out", "o", "--unfreeze", "12")).unfreeze_layers == 12
    with pytest.raises(ValueError, match="--stage1-epochs is another name for --epochs"):
        config_from_args(_parse("--data", "d", "--out", "o", "--epochs", "3", "--stage1-epochs", "4"))


@pytest.mark.slow  # trains a model: tens of seconds on 2 cores
def test_train_command_runs_both_stages_and_ends_with_json(tmp_path: Path, pretrained: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from core.bundle import load_bundle
    from mojiyomi.cli import main

    data = write_mnist_like(tmp_path / "digits", n_train=300, n_test=60)
    status = main(["train", "--data", str(data), "--out", str(tmp_path / "bundle"), "--backbone", "mobilenet-v3-small",
                   "--weights", pretrained, "--input-size", "32", "--stage1-epochs", "1", "--stage2-epochs", "1",
                   "--unfreeze", "5", "--bottleneck", "--optimizer", "adamax", "--validation-size", "60", "--json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert set(summary) >= {"bundle", "val_top1", "seconds"} and 0 <= summary["val_top1"] <= 1
    assert summary["verdict"]["chance"] == 0.1  # judged against guessing among 10 digits
    assert ("WARNING: The model reads" in out) == summary["verdict"]["near_chance"]
    assert "Stage 1: training the head (base frozen)" in err and "Stage 2: fine-tuning the top 5" in err
    bundle = load_bundle(summary["bundle"])
    saved = TrainConfig.from_json(bundle.metadata["training"]["config"])
    assert (saved.bottleneck, saved.stage2_epochs, saved.unfreeze_layers, saved.optimizer) == (True, 1, 5, "adamax")
    assert bundle.input_shape == (32, 32, 1)
    assert {p.name for p in (bundle.path / "reports").iterdir()} == {"per_class.csv", "confusion.png",
                                                                    "misrecognized.png"}


@pytest.mark.slow  # trains a model: tens of seconds on 2 cores
def test_a_run_interrupted_in_stage_two_resumes_there(tmp_path: Path, pretrained: str) -> None:
    config = _config(tmp_path, weights=pretrained, bottleneck=True, stage2_epochs=2, unfreeze_layers=2)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    data = _data(120)
    epochs: list[tuple[int, int]] = []

    def power_cut_in_stage_2_epoch_2(event: Event) -> None:
        if event.event == "epoch":
            epochs.append((event.stage, event.epoch))
        if event.event == "batch" and event.stage == 2 and epochs[-1] == (2, 1):
            raise KeyboardInterrupt("power cut")

    model = build_transfer("mobilenet-v3-small", (32, 32, 1), 10, weights=pretrained)
    with pytest.raises(KeyboardInterrupt):
        run_stages(config, model, data, power_cut_in_stage_2_epoch_2, lambda: False, run_dir)
    assert epochs == [(1, 1), (2, 1)]
    events: list[Event] = []
    fresh = build_transfer("mobilenet-v3-small", (32, 32, 1), 10, weights=pretrained)
    run_stages(config, fresh, data, events.append, lambda: False, run_dir)
    assert [(e.stage, e.epoch) for e in events if e.event == "epoch"] == [(2, 2)]
    assert not any(isinstance(e, StageEvent) and e.text.startswith("Stage 1") for e in events)


def _norm_input_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.mean(axis=0), x.var(axis=0)


def test_recalibration_records_the_inference_time_statistics_of_the_data() -> None:
    import keras

    from training.recipe import recalibrate_batchnorm

    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    norm = keras.layers.BatchNormalization(name="bn")
    model = keras.Model(inputs, norm(keras.layers.Dropout(0.5)(inputs)))
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(640, 4)) * [1, 2, 3, 4] + [5, -5, 0, 10]).astype("float32")
    x = x[np.argsort(x[:, 0])]  # data stored in order of some key: the first batches are not typical
    used = recalibrate_batchnorm(model, x, batch_size=32, batches=20)
    mean, var = _norm_input_stats(x)
    assert used == 20
    # The average over all the data the model sees at inference (no dropout, which would double
    # the second moment), not the statistics of the first sorted batches nor their initial 0 and 1.
    np.testing.assert_allclose(np.asarray(norm.moving_mean), mean, atol=0.05)
    np.testing.assert_allclose(np.asarray(norm.moving_variance), var, rtol=0.1)
    assert norm.momentum == 0.99 and model.layers[1].rate == 0.5  # both put back


def test_a_simple_cnn_trained_from_scratch_has_recalibrated_batchnorm(tmp_path: Path) -> None:
    import keras

    from training.backbones import build_model

    keras.utils.set_random_seed(0)
    config = TrainConfig(data="-", out=str(tmp_path / "out"), epochs=1, batch_size=32)
    model = build_model("simple-cnn", (28, 28, 1), 10, width=8)
    data = _data(160, 28)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    run_stages(config, model, data, lambda event: None, lambda: False, run_dir)
    head_input = keras.Model(model.inputs, model.get_layer("head_conv").output)
    mean, _ = _norm_input_stats(np.asarray(head_input(data.train.x.astype("float32"), training=False)).reshape(
        len(data.train), -1))
    # 4 steps at momentum 0.99 would leave the moving mean at ~4% of the data's.
    np.testing.assert_allclose(np.asarray(model.get_layer("head_bn").moving_mean), mean,
                               atol=0.1 * float(np.abs(mean).max()) + 1e-3)


@pytest.mark.parametrize("batch, samples, epochs, expected", [
    (128, 2400, 2, 32), (128, 60000, 2, 128), (128, 2400, 5, 64), (16, 10, 1, 16), (256, 40000, 1, 256)])
def test_a_short_run_trains_with_smaller_batches(batch: int, samples: int, epochs: int, expected: int) -> None:
    from training.recipe import short_run_batch_size

    assert short_run_batch_size(batch, samples, epochs) == expected


def test_a_short_run_says_it_shrank_its_batches(tmp_path: Path) -> None:
    import keras

    from training.backbones import build_model

    keras.utils.set_random_seed(0)
    config = TrainConfig(data="-", out=str(tmp_path / "out"), epochs=1, batch_size=128)
    events: list[Event] = []
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    run_stages(config, build_model("simple-cnn", (28, 28, 1), 10, width=8), _data(160, 28), events.append,
               lambda: False, run_dir)
    assert [e.steps for e in events if e.event == "start"] == [4]  # 128 samples in batches of 32
    assert "batches of 32 instead of 128" in [e.text for e in events if e.event == "stage"][0]


@pytest.mark.slow
def test_two_epochs_of_3000_mnist_digits_read_90_percent(tmp_path: Path, mnist_dir: Path) -> None:
    from training.train import train

    config = TrainConfig(data=str(mnist_dir), out=str(tmp_path / "digits"), epochs=2, limit=3000)
    result = train(config)
    assert result.test_top1 is not None and result.test_top1 >= 0.90, result


@pytest.mark.parametrize("top1, classes, near", [
    (0.1139, 10, True), (0.199, 10, True), (0.2, 10, False), (0.6, 2, True), (0.63, 2, False),
    (0.04, 3146, True), (0.06, 3146, False), (float("nan"), 10, True), (None, 10, True)])
def test_a_run_near_chance_is_judged_so(top1: float | None, classes: int, near: bool) -> None:
    from training.evaluate import RunVerdict, judge_run

    verdict = judge_run(top1, classes, train_samples=60000, epochs=10, batch_size=128)
    assert verdict.near_chance == near
    assert bool(verdict.reason) == near and np.isfinite(verdict.top1)
    assert RunVerdict.from_json(json.loads(json.dumps(verdict.to_json(), allow_nan=False))) == verdict


def test_the_verdict_names_what_probably_went_wrong() -> None:
    from training.evaluate import judge_run

    assert "too few samples (5 per class" in judge_run(0.1, 10, 50, 100, 32).reason
    assert "too short a run (1 epochs of 2000 samples are 16 training steps" in judge_run(0.1, 10, 2000, 1, 128).reason
    assert "the data or the settings" in judge_run(0.1, 10, 60000, 30, 128).reason


def test_a_long_epoch_is_backed_up_between_epochs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run stopped inside its first epoch leaves a backup (the coverage model's epochs take hours)."""
    import json as json_module

    import keras

    from training import recipe
    from training.backbones import build_model

    monkeypatch.setattr(recipe, "BACKUP_STEPS", 2)
    keras.utils.set_random_seed(0)
    config = TrainConfig(data="-", out=str(tmp_path / "out"), epochs=2, batch_size=16)
    model = build_model("simple-cnn", (28, 28, 1), 10, width=8)
    data = _data(160, 28)  # 128 training samples: 8 batches an epoch, more than twice BACKUP_STEPS
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    batches = []

    class Killed(Exception):
        pass

    def report(event: Any) -> None:  # the process dies after 5 batches (no end-of-training clean-up runs)
        batches.extend([event] if getattr(event, "batch", None) else [])
        if len(batches) >= 5:
            raise Killed

    with pytest.raises(Killed):
        run_stages(config, model, data, report, lambda: False, run_dir)
    backup = run_dir / "backup"
    assert (backup / "latest.weights.h5").is_file()
    assert json_module.loads((backup / "training_metadata.json").read_text())["epoch"] == 0
