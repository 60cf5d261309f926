"""Model builders, named on the command line (``--backbone``).

Every model takes raw pixels (0..255, white ink on black, one channel) and returns
softmax probabilities; the pixel scaling is inside the model, so the ``.keras`` and the
``.tflite`` take the same input as ``core.preprocess`` produces.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

BackboneBuilder = Callable[..., Any]


def build_simple_cnn(input_shape: tuple[int, int, int], classes: int, dropout: float = 0.4,
                     width: int = 32) -> Any:
    """A small all-convolutional network for digits and small alphabets (about 0.3M weights).

    Three blocks of 3x3, 3x3 and strided 5x5 convolutions with batch-norm, each followed by
    dropout, then a 4x4 convolution and the classifier. On MNIST it reaches 99.6-99.7%
    with rotation/zoom/shift augmentation.
    """
    import keras
    from keras import layers

    inputs = keras.Input(input_shape, name="pixels")
    x = layers.Rescaling(1.0 / 255.0, name="scale")(inputs)
    for block, filters in enumerate((width, width * 2)):
        for i, (kernel, stride) in enumerate(((3, 1), (3, 1), (5, 2))):
            x = layers.Conv2D(filters, kernel, strides=stride, padding="valid" if i < 2 else "same",
                              use_bias=False, name=f"b{block}_conv{i}")(x)
            x = layers.BatchNormalization(name=f"b{block}_bn{i}")(x)
            x = layers.ReLU(name=f"b{block}_relu{i}")(x)
        x = layers.Dropout(dropout, name=f"b{block}_drop")(x)
    x = layers.Conv2D(width * 4, int(x.shape[1]), use_bias=False, name="head_conv")(x)
    x = layers.BatchNormalization(name="head_bn")(x)
    x = layers.ReLU(name="head_relu")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="head_drop")(x)
    outputs = layers.Dense(classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="simple_cnn")


def build_separable_cnn(input_shape: tuple[int, int, int], classes: int, dropout: float = 0.4,
                        width: int = 48) -> Any:
    """The simple CNN's layout with depthwise-separable convolutions: wider for the same cost.

    A plain 3x3 stem, then three stages of two depthwise 3x3 + pointwise 1x1 blocks (the
    stride-2 depthwise of stages 2 and 3 halves the picture) at ``width``, 2x and 4x filters,
    a pointwise convolution to 4x ``width`` features, global average pooling and the
    classifier. Only ``keras.layers`` are used, so it trains on any Keras backend.
    """
    import keras
    from keras import layers

    inputs = keras.Input(input_shape, name="pixels")
    x = layers.Rescaling(1.0 / 255.0, name="scale")(inputs)
    x = layers.Conv2D(width, 3, padding="same", use_bias=False, name="stem_conv")(x)
    x = layers.ReLU(name="stem_relu")(layers.BatchNormalization(name="stem_bn")(x))
    for stage, filters in enumerate((width, width * 2, width * 4)):
        for block in range(2):
            name = f"s{stage}b{block}"
            stride = 2 if stage and not block else 1
            x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False, name=f"{name}_dw")(x)
            x = layers.ReLU(name=f"{name}_dw_relu")(layers.BatchNormalization(name=f"{name}_dw_bn")(x))
            x = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_pw")(x)
            x = layers.ReLU(name=f"{name}_pw_relu")(layers.BatchNormalization(name=f"{name}_pw_bn")(x))
        x = layers.Dropout(dropout / 2, name=f"s{stage}_drop")(x)
    x = layers.Conv2D(width * 8, 1, use_bias=False, name="head_conv")(x)
    x = layers.ReLU(name="head_relu")(layers.BatchNormalization(name="head_bn")(x))
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(dropout, name="head_drop")(x)
    outputs = layers.Dense(classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="separable_cnn")


#: Builders trained in one stage from scratch (``--width`` sets their filters).
SCRATCH = ("simple-cnn", "separable-cnn")


def _transfer(name: str) -> BackboneBuilder:
    def build(input_shape: tuple[int, int, int], classes: int, **options: Any) -> Any:
        from training.transfer import build_transfer

        return build_transfer(name, input_shape, classes, **options)

    build.__doc__ = f"{name}: an ImageNet backbone with a new head (see training.transfer)."
    return build


#: Every model builder by its command-line name.
BACKBONES: dict[str, BackboneBuilder] = {"simple-cnn": build_simple_cnn, "separable-cnn": build_separable_cnn, **{
    name: _transfer(name) for name in ("mobilenet-v3-small", "mobilenet-v3-large", "mobilenet-v2", "densenet121",
                                       "efficientnet-b0", "inception-v3", "vgg16")}}


def is_transfer(backbone: str) -> bool:
    """True for ImageNet backbones (trained in two stages), False for the CNNs built from scratch."""
    return backbone not in SCRATCH


def upsample_note(backbone: str, input_size: int) -> str | None:
    """A sentence saying the model upsamples its input, when ``input_size`` is below the backbone's minimum.

    Args:
        backbone: A name of ``BACKBONES``.
        input_size: Side of the model input (the data's pictures).

    Returns:
        The note, or None when the backbone takes ``input_size`` as it is.
    """
    from training.transfer import TRANSFER

    info = TRANSFER.get(backbone)
    if info is None or input_size >= info.min_size:
        return None
    return (f"{backbone} needs at least {info.min_size}x{info.min_size} pixels: the model upsamples its "
            f"{input_size}x{input_size} input with a Resizing layer (slower; --input-size {info.min_size} "
            f"draws characters at full size instead)")


def build_model(backbone: str, input_shape: tuple[int, int, int], classes: int, **options: Any) -> Any:
    """Builds the named model, taking raw 0..255 grey pixels and returning softmax probabilities.

    Args:
        backbone: A name of ``BACKBONES`` (``--backbone``).
        input_shape: (size, size, 1) of the model input.
        classes: Output classes.
        **options: The builder's options: ``dropout`` for the simple CNN; ``weights``,
            ``adapter``, ``head``, ``head_dropout`` and ``head_batchnorm`` for ImageNet
            backbones (see ``training.transfer.build_transfer``).

    Returns:
        An uncompiled ``keras.Model``.

    Raises:
        ValueError: naming the known backbones, if ``backbone`` is unknown.
    """
    try:
        builder = BACKBONES[backbone]
    except KeyError:
        raise ValueError(f"Unknown backbone. Received: {backbone!r}, expected one of "
                         f"{sorted(BACKBONES)}") from None
    return builder(input_shape, classes, **options)
