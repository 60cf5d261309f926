"""Training throughput (images per second of ``fit``) of two backbones on random pixels.

The simple CNN at 28x28 is the baseline; MobileNetV3Small (no ImageNet weights, so it
trains whole, from scratch, as ``--weights none`` does) at 32x32, its smallest input. Both
train as real runs do: augmentation layers in front, batch 128, Adam. The first pass
builds and compiles; only later steps are timed.

Usage: python bench/bench_train_throughput.py [--steps 200] [--batch 128]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def images_per_second(backbone: str, size: int, steps: int, batch: int) -> float:
    """Images per second of ``fit`` for ``steps`` steps of ``batch`` random images."""
    import keras

    from training.augment import AugmentConfig, build_augmenter
    from training.backbones import build_model

    keras.utils.set_random_seed(0)
    model = build_model(backbone, (size, size, 1), 10)
    trainer = keras.Sequential([keras.Input((size, size, 1)), build_augmenter(AugmentConfig(), 0), model])
    trainer.compile("adam", "sparse_categorical_crossentropy")
    n = steps * batch
    x = np.random.default_rng(0).integers(0, 255, (n, size, size, 1)).astype(np.uint8)
    y = np.random.default_rng(1).integers(0, 10, n)
    trainer.fit(x[:batch * 4], y[:batch * 4], batch_size=batch, epochs=1, verbose=0)  # build, compile, warm up
    start = time.perf_counter()
    trainer.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    return n / (time.perf_counter() - start)


def main() -> int:
    """Prints images/s of each backbone and the ratio to the simple CNN."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args()
    cnn = images_per_second("simple-cnn", 28, args.steps, args.batch)
    print(f"simple-cnn 28x28: {cnn:.0f} images/s ({args.steps} steps of {args.batch}; baseline)", flush=True)
    mnv3 = images_per_second("mobilenet-v3-small", 32, args.steps, args.batch)
    print(f"mobilenet-v3-small 32x32: {mnv3:.0f} images/s ({mnv3 / cnn:.2f}x the simple CNN)")
    print(f"CPUs: {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
