"""Export of Keras models to TFLite (needs TensorFlow; runs on the CPU)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

#: TFLite export formats by name.
FORMATS = ("tflite-float32", "tflite-float16", "tflite-dynamic", "tflite-int8")


def to_tflite(model: Any, fmt: str = "tflite-float32",
              representative: Callable[[], Iterable[list[np.ndarray]]] | None = None) -> bytes:
    """Converts a Keras model to TFLite bytes.

    The input keeps a free batch dimension so that evaluation can run in batches.

    Args:
        model: A Keras model taking (N, H, W, C) float32 pixels.
        fmt: One of ``FORMATS``.
        representative: For ``tflite-int8``, a generator of ``[batch]`` lists of
            training inputs used to calibrate the quantization.

    Raises:
        ValueError: for an unknown format or int8 without representative data.
    """
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format. Received: {fmt!r}, expected one of {FORMATS}")
    import tempfile
    from pathlib import Path

    import tensorflow as tf

    options: dict[str, Any] = {}
    if fmt != "tflite-float32":
        options["optimizations"] = [tf.lite.Optimize.DEFAULT]
    if fmt == "tflite-float16":
        options["target_spec"] = {"supported_types": [tf.float16]}
    if fmt == "tflite-int8":
        if representative is None:
            raise ValueError("tflite-int8 needs representative training data to calibrate.")
        options["representative_dataset"] = representative
    with tempfile.TemporaryDirectory(prefix="mojiyomi-export-") as tmp:
        path = Path(tmp) / "model.tflite"
        model.export(str(path), format="litert", verbose=False, **options)
        return path.read_bytes()
