"""ImageNet backbones for grey input, weights files, and the two-stage recipe."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.preprocess import Preprocessing
from tests.datagen import drawn_digits
from training.config import TrainConfig
from training.data import ArraySplit, PreparedData
from training.transfer import WeightsMissingError, build_transfer, resolve_weights, split_model


def _data(n: int = 160, size: int = 32) -> PreparedData:
    x, y = drawn_digits(n, seed=0, size=size)
    x = x[..., None]
    return PreparedData(tuple("0123456789"), ArraySplit(x[:128], y[:128]), ArraySplit(x[128:], y[128:]), None)


def test_small_input_is_upsampled_and_adapters_agree_at_start() -> None:
    x = np.random.default_rng(0).integers(0, 255, (2, 28, 28, 1)).astype("float32")
    repeat = build_transfer("mobilenet-v3-small", (28, 28, 1), 5)
    conv = build_transfer("mobilenet-v3-small", (28, 28, 1), 5, adapter="conv1x1", head="flatten",
                          head_batchnorm=True)
    features, _ = split_model(repeat)
    assert "upsample" in [layer.name for layer in features.layers] and features.output_shape[1:3] == (1, 1)
    assert repeat(x).shape == (2, 5) and conv(x).shape == (2, 5)
    conv_features, _ = split_model(conv)
    conv_features.get_layer("base").set_weights(features.get_layer("base").get_weights())
    np.testing.assert_allclose(np.asarray(conv_features(x)), np.asarray(features(x)), rtol=1e-4, atol=1e-4)


def test_missing_imagenet_weights_name_the_file_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.raises(WeightsMissingError) as info:
        resolve_weights("mobilenet-v3-small", "imagenet", 32)
    message = str(info.value)
    assert "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5" in message
    assert str(tmp_path / "keras" / "models") in message and "--weights none" in message
    with pytest.raises(WeightsMissingError, match="vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        resolve_weights("vgg16", "imagenet", 32)
    with pytest.raises(WeightsMissingError, match="does not exist"):
        resolve_weights("vgg16", str(tmp_path / "nope.h5"), 32)


def test_weights_from_a_local_file_are_loaded(tmp_path: Path) -> None:
    donor = build_transfer("mobilenet-v3-small", (32, 32, 1), 3)
    base = split_model(donor)[0].get_layer("base")
    base.save_weights(str(tmp_path / "mine.weights.h5"))
    model = build_transfer("mobilenet-v3-small", (32, 32, 1), 3, weights=str(tmp_path / "mine.weights.h5"))
    loaded = split_model(model)[0].get_layer("base").get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(loaded, base.get_weights()))


def _snapshot(model: object) -> dict[str, list[np.ndarray]]:
    base = split_model(model)[0].get_layer("base")
    return {layer.name: [np.array(w) for w in layer.get_weights()] for layer in base.layers if layer.weights}


def _changed(before: dict, after: dict) -> set[str]:
    return {name for name in before if any(not np.array_equal(a, b) for a, b in zip(before[name], after[name]))}


@pytest.mark.parametrize("bottleneck", [True, False])
def test_stage_one_moves_only_the_head_and_stage_two_only_the_top(tmp_path: Path, bottleneck: bool,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import training.train as train_module

    config = TrainConfig(data="-", out=str(tmp_path / "out"), backbone="mobilenet-v3-small", input_size=32,
                         epochs=1, batch_size=32, bottleneck=bottleneck, stage2_epochs=1, unfreeze_layers=3)
    built = {}
    real_build = train_module.build_for

    def spy(config: TrainConfig, classes: int) -> object:
        built["model"] = real_build(config, classes)
        built["start"] = _snapshot(built["model"])
        built["head"] = [np.array(w) for w in split_model(built["model"])[1].get_weights()]
        return built["model"]

    stages: list[str] = []
    stage_one: dict = {}

    def report(event: dict) -> None:
        if event["event"] == "stage" and event.get("stage") == 2:
            stage_one.update(_snapshot(built["model"]))
        stages.append(event.get("text", ""))

    monkeypatch.setattr(train_module, "build_for", spy)
    run = tmp_path / "run"
    run.mkdir()
    model = train_module.fit(config, _data(), report, lambda: False, run)
    assert _changed(built["start"], stage_one) == set()  # weights and batch-norm statistics stay put
    head_after = split_model(model)[1].get_weights()
    assert any(not np.array_equal(a, b) for a, b in zip(built["head"], head_after))
    moved = _changed(stage_one, _snapshot(model))
    base = split_model(model)[0].get_layer("base")
    top = [layer.name for layer in base.layers if layer.weights and "BatchNorm" not in type(layer).__name__][-3:]
    assert moved and moved <= set(top)
    assert any("bottleneck" in text for text in stages) == bottleneck


def test_impossible_configs_are_refused() -> None:
    with pytest.raises(ValueError, match="adapter='rgb'"):
        TrainConfig(data="d", out="o", backbone="vgg16", adapter="rgb")
    with pytest.raises(ValueError, match="not simple-cnn"):
        TrainConfig(data="d", out="o", bottleneck=True)
    with pytest.raises(ValueError, match="stage2_learning_rate"):
        TrainConfig(data="d", out="o", backbone="vgg16", stage2_learning_rate=0)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mobilenet-v3-large", "mobilenet-v2", "densenet121", "efficientnet-b0",
                                  "inception-v3", "vgg16"])
def test_every_backbone_builds_for_grey_input(name: str) -> None:
    model = build_transfer(name, (32, 32, 1), 7)
    assert model(np.zeros((1, 32, 32, 1), "float32")).shape == (1, 7)
