"""Stage 1 (the head on a frozen MobileNetV3Small) per epoch: through the base vs on the bottleneck cache.

Baseline: each epoch runs the frozen base over every picture (as stage 1 without
``--bottleneck`` does). Cached: the base runs once (its cost is printed separately) and
each epoch trains the head alone on the cached features (goal: >= 5x faster per epoch).
The base has random weights with batch-norm statistics calibrated on one batch (stands
in for ImageNet weights, which are not downloaded here; the speed does not depend on them).

Usage: python bench/bench_bottleneck.py [--images 4096] [--epochs 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pretrained_stand_in(folder: Path) -> str:
    """A MobileNetV3Small weights file with calibrated batch-norm statistics."""
    import keras

    base = keras.applications.MobileNetV3Small(include_top=False, weights=None, input_shape=(32, 32, 3),
                                               include_preprocessing=True)
    for layer in base.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = 0.0
    base(np.random.default_rng(2).integers(0, 255, (64, 32, 32, 3)).astype("float32"), training=True)
    path = folder / "base.weights.h5"
    base.save_weights(str(path))
    return str(path)


def epoch_times(n: int, epochs: int, folder: Path) -> tuple[float, float, float]:
    """(seconds per head epoch through the frozen base, per epoch on the cache, cache cost)."""
    import keras

    from training.bottleneck import cached_features
    from training.recipe import HEAD_STEPS_PER_EXECUTION
    from training.transfer import build_transfer, set_base_trainable, split_model

    keras.utils.set_random_seed(0)
    model = build_transfer("mobilenet-v3-small", (32, 32, 1), 10, weights=pretrained_stand_in(folder))
    set_base_trainable(model, 0)
    features, head = split_model(model)
    x = np.random.default_rng(0).integers(0, 255, (n, 32, 32, 1)).astype(np.uint8)
    y = np.random.default_rng(1).integers(0, 10, n)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x[:512], y[:512], batch_size=128, epochs=1, verbose=0)  # build and warm up
    start = time.perf_counter()
    model.fit(x, y, batch_size=128, epochs=epochs, verbose=0)
    frozen = (time.perf_counter() - start) / epochs
    start = time.perf_counter()
    cache = np.asarray(cached_features(features, x, folder / "features.npy"))  # in memory, as the recipe does
    cost = time.perf_counter() - start
    head.compile("adam", "sparse_categorical_crossentropy", steps_per_execution=HEAD_STEPS_PER_EXECUTION)
    head.fit(cache[:512], y[:512], batch_size=128, epochs=1, verbose=0)
    start = time.perf_counter()
    head.fit(cache, y, batch_size=128, epochs=epochs, verbose=0)
    cached = (time.perf_counter() - start) / epochs
    return frozen, cached, cost


def main() -> int:
    """Prints both epoch times, their ratio, and the one-off cost of the cache."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4096)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        frozen, cached, cost = epoch_times(args.images, args.epochs, Path(tmp))
    print(f"head-only epoch on {args.images} images 32x32, mobilenet-v3-small frozen: {frozen:.2f} s through the "
          f"base (baseline), {cached:.3f} s on the bottleneck cache -> {frozen / cached:.1f}x faster (goal >= 5x); "
          f"computing the cache once: {cost:.2f} s; CPUs: {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
