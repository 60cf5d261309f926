"""ImageNet backbones with their top removed and a new head, for grey handwriting.

The model is built in two named parts so that the recipe can freeze, cache and unfreeze:
``features`` (raw 0..255 grey pixels -> resize to the backbone's minimum -> grey-to-RGB
adapter -> the backbone's own pixel scaling -> the backbone, called with
``training=False`` when it has pretrained weights so batch-norm statistics never move)
and ``head`` (pooling, optional batch-norm and dropout, softmax).
``model = head(features(pixels))``.

Without pretrained weights (``weights="none"``) the whole network trains from scratch in
one stage, batch-norm statistics included: a frozen random backbone gives no usable
features (its outputs are ~1e-11 in inference mode).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import MojiyomiError


class WeightsMissingError(MojiyomiError):
    """ImageNet weights were asked for, but the file is not here and cannot be downloaded."""


@dataclass(frozen=True)
class BackboneInfo:
    """How to build one Keras application and where its ImageNet weights live."""

    app: str
    min_size: int
    scaling: str  # "none" (the model scales itself), "tf" (-1..1), "torch", "caffe"
    weights_file: str
    url_folder: str  # where keras.applications downloads ``weights_file`` from


_KERAS_APPS = "https://storage.googleapis.com/tensorflow/keras-applications/"

#: The file names and URLs are the ones ``keras.applications`` uses (WEIGHTS_PATH_NO_TOP).
TRANSFER: dict[str, BackboneInfo] = {
    "mobilenet-v3-small": BackboneInfo("MobileNetV3Small", 32, "none",
                                       "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5",
                                       _KERAS_APPS + "mobilenet_v3/"),
    "mobilenet-v3-large": BackboneInfo("MobileNetV3Large", 32, "none",
                                       "weights_mobilenet_v3_large_224_1.0_float_no_top_v2.h5",
                                       _KERAS_APPS + "mobilenet_v3/"),
    "mobilenet-v2": BackboneInfo("MobileNetV2", 32, "tf",
                                 "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_{rows}_no_top.h5",
                                 _KERAS_APPS + "mobilenet_v2/"),
    "densenet121": BackboneInfo("DenseNet121", 32, "torch", "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                _KERAS_APPS + "densenet/"),
    "efficientnet-b0": BackboneInfo("EfficientNetB0", 32, "none", "efficientnetb0_notop.h5",
                                    "https://storage.googleapis.com/keras-applications/"),
    "inception-v3": BackboneInfo("InceptionV3", 75, "tf", "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                 _KERAS_APPS + "inception_v3/"),
    "vgg16": BackboneInfo("VGG16", 32, "caffe", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                          _KERAS_APPS + "vgg16/"),
}


def keras_models_dir() -> Path:
    """Where Keras keeps downloaded weights: ``$KERAS_HOME/models`` or ``~/.keras/models``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "models"


def weights_file_name(backbone: str, size: int) -> str:
    """The file Keras would download for ``backbone``'s ImageNet weights without top."""
    info = TRANSFER[backbone]
    rows = size if size in (96, 128, 160, 192, 224) else 224  # as keras.applications.MobileNetV2 picks
    return info.weights_file.format(rows=rows)


def weights_url(backbone: str, size: int) -> str:
    """Where ``keras.applications`` downloads ``weights_file_name(backbone, size)`` from."""
    return TRANSFER[backbone].url_folder + weights_file_name(backbone, size)


def resolve_weights(backbone: str, weights: str, size: int, download_timeout: float = 3.0) -> Path | None:
    """The weights file to load: ``None`` for ``"none"``, a path for ``"imagenet"`` or a file.

    ImageNet weights come from Keras' cache folder; when they are not there and the
    download server answers within ``download_timeout`` seconds, Keras downloads them into
    it. Without a network nothing is attempted that could hang.

    Args:
        backbone: A key of ``TRANSFER``.
        weights: ``"none"``, ``"imagenet"`` or a weights file path.
        size: Side of the backbone input (MobileNetV2's file depends on it).
        download_timeout: Seconds to wait for the download server before giving up.

    Returns:
        The file to load into the backbone, or None for random weights.

    Raises:
        WeightsMissingError: naming the exact file and folder, if ImageNet weights are not here
            and cannot be downloaded, or if a given file does not exist.
    """
    if weights in ("", "none", None):
        return None
    if weights != "imagenet":
        path = Path(weights).expanduser()
        if not path.is_file():
            raise WeightsMissingError(f"The weights file does not exist. Received: --weights {path}")
        return path
    name = weights_file_name(backbone, size)
    for folder in (keras_models_dir(), Path(tempfile.gettempdir()) / ".keras" / "models"):
        if (folder / name).is_file():  # the second is where Keras goes when the first is read-only
            return folder / name
    return _download(backbone, size, download_timeout)


def _download(backbone: str, size: int, timeout: float) -> Path:
    """Keras' own download into its cache, tried only when the server answers quickly."""
    import socket
    from urllib.parse import urlparse

    name, url = weights_file_name(backbone, size), weights_url(backbone, size)
    missing = (f"ImageNet weights for {backbone} are not on this computer. Put {name} into "
               f"{keras_models_dir()}/ or pass --weights /path/to/{name} (download it from {url}), "
               f"or train without ImageNet weights (--weights none).")
    try:
        socket.create_connection((urlparse(url).hostname, 443), timeout=timeout).close()
    except OSError as exc:
        raise WeightsMissingError(f"{missing} (no network: {exc})") from None
    try:
        import keras

        return Path(keras.utils.get_file(name, url, cache_subdir="models",
                                         cache_dir=str(keras_models_dir().parent)))
    except Exception as exc:  # noqa: BLE001 - any failed download ends in the same advice
        raise WeightsMissingError(f"{missing} (the download failed: {exc})") from None


def build_transfer(backbone: str, input_shape: tuple[int, int, int], classes: int, weights: str = "none",
                   adapter: str = "repeat", head: str = "gap", head_dropout: float = 0.2,
                   head_batchnorm: bool = False, dropout: float | None = None) -> Any:
    """An ImageNet backbone (top removed) with a new head, taking raw grey pixels.

    Args:
        backbone: A key of ``TRANSFER``.
        input_shape: (size, size, 1) of the grey model input.
        classes: Output classes.
        weights: ``"none"``, ``"imagenet"`` (from Keras' cache folder) or a weights file.
        adapter: ``"repeat"`` (grey copied to R, G and B) or ``"conv1x1"`` (a learned 1x1
            convolution, initialised to repeat).
        head: ``"gap"`` (global average pooling) or ``"flatten"``.
        head_dropout: Dropout before the classifier.
        head_batchnorm: Batch-normalize the pooled features.
        dropout: Same as ``head_dropout`` (the simple CNN's option name).

    Raises:
        ValueError: for unknown options; WeightsMissingError as in ``resolve_weights``.
    """
    import keras
    from keras import layers

    if backbone not in TRANSFER:
        raise ValueError(f"Unknown backbone. Received: {backbone!r}, expected one of {sorted(TRANSFER)}")
    if adapter not in ("repeat", "conv1x1") or head not in ("gap", "flatten"):
        raise ValueError(f"adapter must be repeat or conv1x1 and head gap or flatten. "
                         f"Received: adapter={adapter!r}, head={head!r}")
    info = TRANSFER[backbone]
    size = max(int(input_shape[0]), info.min_size)
    weights_path = resolve_weights(backbone, weights, size)
    pixels = keras.Input(input_shape, name="pixels")
    x = pixels
    if size != input_shape[0]:
        x = layers.Resizing(size, size, name="upsample")(x)
    if adapter == "repeat":
        x = layers.Concatenate(name="grey_to_rgb")([x, x, x])
    else:
        x = layers.Conv2D(3, 1, kernel_initializer="ones", bias_initializer="zeros", name="grey_to_rgb")(x)
    x = _scaling(info.scaling, x)
    kwargs: dict[str, Any] = {"include_top": False, "weights": None, "input_shape": (size, size, 3)}
    if info.app.startswith("MobileNetV3"):
        kwargs["include_preprocessing"] = True
    base = getattr(keras.applications, info.app)(**kwargs)
    base.name = "base"  # noqa: the recipe finds it by this name
    if weights_path is not None:
        base.load_weights(str(weights_path))
    # Pretrained: batch-norm keeps ImageNet's statistics whatever the caller's mode. Random
    # weights: the statistics must be learned (frozen at their initial values, a random
    # backbone's features shrink to ~1e-11 and nothing can learn from them).
    features = keras.Model(pixels, base(x, training=False) if weights_path is not None else base(x),
                           name="features")
    head_model = build_head(features.output_shape[1:], classes, head, head_dropout if dropout is None else dropout,
                            head_batchnorm)
    return keras.Model(pixels, head_model(features(pixels)), name=f"{backbone.replace('-', '_')}_transfer")


def build_head(feature_shape: tuple[int, ...], classes: int, head: str, dropout: float, batchnorm: bool) -> Any:
    """The new classifier on the backbone's feature map."""
    import keras
    from keras import layers

    inputs = keras.Input(feature_shape, name="feature_map")
    x = layers.GlobalAveragePooling2D(name="pool")(inputs) if head == "gap" else layers.Flatten(name="pool")(inputs)
    if batchnorm:
        x = layers.BatchNormalization(name="head_bn")(x)
    if dropout:
        x = layers.Dropout(dropout, name="head_drop")(x)
    outputs = layers.Dense(classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="head")


def _scaling(kind: str, x: Any) -> Any:
    from keras import layers

    if kind == "tf":
        return layers.Rescaling(1 / 127.5, offset=-1.0, name="scale")(x)
    if kind == "torch":
        x = layers.Rescaling(1 / 255.0, name="scale")(x)
        return layers.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.229 ** 2, 0.224 ** 2, 0.225 ** 2],
                                    name="imagenet_norm")(x)
    if kind == "caffe":  # VGG: BGR order (grey is the same in every channel) minus the ImageNet means
        return layers.Normalization(mean=[103.939, 116.779, 123.68], variance=[1.0, 1.0, 1.0], name="imagenet_norm")(x)
    return x


def split_model(model: Any) -> tuple[Any, Any] | None:
    """The (features, head) parts of a model built here, or None for other models."""
    names = [layer.name for layer in model.layers]
    if "features" in names and "head" in names:
        return model.get_layer("features"), model.get_layer("head")
    return None


def unfreeze_all(model: Any, bn_momentum: float = 0.9) -> None:
    """Makes every layer of a ``build_transfer`` model train, batch-norm included (training from scratch).

    Keras builds some backbones with a batch-norm momentum of 0.999 (MobileNetV3), made for
    long ImageNet runs: after a few hundred steps the moving statistics are still mostly
    their initial values and the model answers at chance in inference mode while training
    accuracy looks fine. ``bn_momentum`` caps it so the statistics follow the data.
    """
    from keras import layers

    features, _ = split_model(model) or (None, None)
    if features is not None:
        base = features.get_layer("base")
        base.trainable = True
        for layer in base.layers:
            layer.trainable = True
            if isinstance(layer, layers.BatchNormalization):
                layer.momentum = min(layer.momentum, bn_momentum)


def set_base_trainable(model: Any, top_layers: int) -> int:
    """Freezes the backbone but its top ``top_layers`` weighted layers (-1: all train, 0: none).

    Batch-norm layers stay frozen either way (their statistics come from ImageNet or from
    stage 1, and the base is always called with ``training=False``). Returns how many
    layers train.
    """
    from keras import layers

    features, _ = split_model(model) or (None, None)
    if features is None:
        return 0
    base = features.get_layer("base")
    weighted = [layer for layer in base.layers if layer.weights and not isinstance(layer, layers.BatchNormalization)]
    chosen = weighted if top_layers < 0 else weighted[len(weighted) - top_layers:] if top_layers else []
    base.trainable = bool(chosen)
    for layer in base.layers:
        layer.trainable = layer in chosen
    return len(chosen)
