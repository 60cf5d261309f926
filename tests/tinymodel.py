"""Tiny seeded model bundles built in tests (never the bundled weights)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.bundle import KERAS_FILE, TFLITE_FILE, bundle_writer
from core.preprocess import Preprocessing


def make_tiny_bundle(target: Path, labels: tuple[str, ...] = tuple("0123456789"), size: int = 28,
                     seed: int = 0, name: str = "tiny") -> Path:
    """Writes a bundle with a small random-weight CNN (seeded), exported to TFLite.

    Its answers are arbitrary but deterministic, which is what tests of plumbing need.
    """
    import keras

    from training.export import to_tflite

    keras.utils.set_random_seed(seed)
    spec = Preprocessing(size=size, box=size * 20 // 28)
    inputs = keras.Input((size, size, 1))
    x = keras.layers.Rescaling(1 / 255.0)(inputs)
    x = keras.layers.Conv2D(4, 3, strides=2, activation="relu")(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(len(labels), activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    metadata = {"name": name, "version": "0.0.1", "title": f"Tiny test model {name}",
                "input_shape": [size, size, 1], "preprocessing": spec.to_json(),
                "training": {"command": "tests/tinymodel.py", "seed": seed}}
    with bundle_writer(target, metadata, list(labels)) as staging:
        model.save(staging / KERAS_FILE)
        (staging / TFLITE_FILE).write_bytes(to_tflite(model))
    return target


def random_batch(n: int, size: int = 28, seed: int = 0) -> np.ndarray:
    """Random white-on-black model inputs for comparing backends."""
    rng = np.random.default_rng(seed)
    return (rng.random((n, size, size, 1)) * 255).astype(np.float32)
