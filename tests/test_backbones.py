"""Backbones by name: grey input, the adapters, pixel scaling inside the model, ImageNet weights files."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

from training.backbones import BACKBONES, build_model, upsample_note
from training.transfer import TRANSFER, WeightsMissingError, build_transfer, resolve_weights, split_model


def _pixels(n: int = 2, size: int = 32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 1)).astype("float32")


def test_every_command_line_name_is_a_backbone() -> None:
    assert set(BACKBONES) == {"simple-cnn", "separable-cnn", "mobilenet-v3-small", "mobilenet-v3-large", "mobilenet-v2",
                              "densenet121", "efficientnet-b0", "inception-v3", "vgg16"}
    with pytest.raises(ValueError, match="Unknown backbone. Received: 'resnet'"):
        build_model("resnet", (32, 32, 1), 3)


def test_simple_cnn_takes_raw_pixels_and_returns_probabilities() -> None:
    model = build_model("simple-cnn", (28, 28, 1), 10)
    probs = np.asarray(model(_pixels(3, 28)))
    assert probs.shape == (3, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_mobilenet_v3_small_at_32_with_both_adapters() -> None:
    x = _pixels()
    repeat = build_model("mobilenet-v3-small", (32, 32, 1), 5)
    conv = build_model("mobilenet-v3-small", (32, 32, 1), 5, adapter="conv1x1", head="flatten",
                       head_batchnorm=True, head_dropout=0.3)
    for model in (repeat, conv):
        assert model.input_shape == (None, 32, 32, 1) and model(x).shape == (2, 5)
    rgb = [split_model(m)[0].get_layer("grey_to_rgb") for m in (repeat, conv)]
    assert [layer.output.shape[-1] for layer in rgb] == [3, 3]
    assert not rgb[0].weights and rgb[1].kernel.shape == (1, 1, 1, 3)  # only conv1x1 learns
    head_layers = [layer.name for layer in split_model(conv)[1].layers]
    assert "head_bn" in head_layers and "head_drop" in head_layers and split_model(conv)[1].get_layer(
        "pool").__class__.__name__ == "Flatten"
    # The learned adapter starts as "repeat": with the same base, both give the same features.
    conv_features = split_model(conv)[0]
    conv_features.get_layer("base").set_weights(split_model(repeat)[0].get_layer("base").get_weights())
    np.testing.assert_allclose(np.asarray(conv_features(x)), np.asarray(split_model(repeat)[0](x)),
                               rtol=1e-4, atol=1e-4)


def test_small_inputs_are_upsampled_inside_the_model_and_the_run_says_so() -> None:
    model = build_transfer("mobilenet-v3-small", (28, 28, 1), 4)
    features = split_model(model)[0]
    assert features.get_layer("upsample").output.shape[1:3] == (32, 32)
    assert model(_pixels(1, 28)).shape == (1, 4)
    assert "75x75" in upsample_note("inception-v3", 28) and "Resizing" in upsample_note("inception-v3", 28)
    assert upsample_note("mobilenet-v3-small", 32) is None and upsample_note("simple-cnn", 28) is None


def test_scaling_is_inside_the_model() -> None:
    # Raw 0..255 pixels go in; MobileNetV3 rescales itself, the others need their own layer.
    small = split_model(build_transfer("mobilenet-v3-small", (32, 32, 1), 2))[0]
    base_layers = [layer.__class__.__name__ for layer in small.get_layer("base").layers]
    assert "Rescaling" in base_layers
    assert TRANSFER["mobilenet-v2"].scaling == "tf" and TRANSFER["vgg16"].scaling == "caffe"
    assert TRANSFER["densenet121"].scaling == "torch" and TRANSFER["inception-v3"].min_size == 75


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No Keras cache, no home weights, and no network: any connection attempt fails at once."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))

    def no_network(*args: object, **kwargs: object) -> None:
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    return tmp_path / "keras" / "models"


@pytest.mark.parametrize("name, file", [
    ("mobilenet-v3-small", "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"),
    ("mobilenet-v3-large", "weights_mobilenet_v3_large_224_1.0_float_no_top_v2.h5"),
    ("mobilenet-v2", "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"),
    ("densenet121", "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("efficientnet-b0", "efficientnetb0_notop.h5"),
    ("inception-v3", "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("vgg16", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")])
def test_missing_weights_name_the_exact_file_and_folder(offline: Path, monkeypatch: pytest.MonkeyPatch,
                                                        name: str, file: str) -> None:
    import keras

    monkeypatch.setattr(keras.utils, "get_file", lambda *a, **k: pytest.fail("tried to download"))
    with pytest.raises(WeightsMissingError) as info:
        build_transfer(name, (32, 32, 1), 3, weights="imagenet")
    message = str(info.value)
    assert f"Put {file} into {offline}/ or pass --weights /path/to/{file}" in message
    assert "--weights none" in message and "no network" in message


def test_weights_already_in_the_keras_cache_are_used(offline: Path) -> None:
    offline.mkdir(parents=True)
    cached = offline / "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"
    cached.write_bytes(b"")
    assert resolve_weights("mobilenet-v3-small", "imagenet", 32) == cached
    assert resolve_weights("mobilenet-v3-small", "none", 32) is None


def test_a_failed_download_gives_the_same_advice(offline: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keras

    class Reachable:
        def close(self) -> None:
            pass

    def refused(*args: object, **kwargs: object) -> str:
        raise Exception("URL fetch failure: 403 Forbidden")

    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: Reachable())
    monkeypatch.setattr(keras.utils, "get_file", refused)
    with pytest.raises(WeightsMissingError, match="efficientnetb0_notop.h5 into .*403 Forbidden"):
        resolve_weights("efficientnet-b0", "imagenet", 32)


def test_weights_from_a_local_file_are_loaded(tmp_path: Path) -> None:
    donor = build_transfer("mobilenet-v3-small", (32, 32, 1), 3)
    base = split_model(donor)[0].get_layer("base")
    base.save_weights(str(tmp_path / "mine.weights.h5"))
    model = build_transfer("mobilenet-v3-small", (32, 32, 1), 3, weights=str(tmp_path / "mine.weights.h5"))
    loaded = split_model(model)[0].get_layer("base").get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(loaded, base.get_weights()))
    with pytest.raises(WeightsMissingError, match="does not exist. Received: --weights .*nope.h5"):
        build_transfer("mobilenet-v3-small", (32, 32, 1), 3, weights=str(tmp_path / "nope.h5"))


@pytest.mark.slow
def test_every_imagenet_backbone_builds_for_grey_input() -> None:
    import gc

    import keras

    for name in TRANSFER:
        for adapter in ("repeat", "conv1x1"):
            model = build_model(name, (32, 32, 1), 7, adapter=adapter)
            probs = np.asarray(model(_pixels(1)))
            assert probs.shape == (1, 7) and abs(float(probs.sum()) - 1) < 1e-4, name
            expected = max(32, TRANSFER[name].min_size)
            assert split_model(model)[0].get_layer("base").input_shape[1:3] == (expected, expected), name
            del model
            keras.backend.clear_session()
            gc.collect()


def test_separable_cnn_takes_raw_pixels_and_trains_from_scratch() -> None:
    from training.backbones import is_transfer

    model = build_model("separable-cnn", (48, 48, 1), 7, width=8)
    probs = np.asarray(model(_pixels(2, 48)))
    assert probs.shape == (2, 7) and not is_transfer("separable-cnn") and is_transfer("mobilenet-v2")
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert any(layer.__class__.__name__ == "DepthwiseConv2D" for layer in model.layers)
