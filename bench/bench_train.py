"""Training throughput, the bottleneck cache, and a 1-epoch fine-tune of the digits model.

1. Images per second of ``fit`` for the simple CNN at 28x28 and MobileNetV3Small at 32x32
   (no ImageNet weights; augmentation on, as in real runs), on random pixels.
2. Head-only epoch time for MobileNetV3Small with the backbone frozen: running the frozen
   base each epoch (baseline) versus training the head on cached features (goal: >= 5x).
3. Wall time of ``mojiyomi train --init-from digits --limit 1000 --epochs 1`` on MNIST
   (reading, one epoch, export, evaluation, bundle), if the shared MNIST folder is there.

Usage: python bench/bench_train.py [--images 4096]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def throughput(model: object, size: int, n: int) -> float:
    import keras

    from training.augment import AugmentConfig, build_augmenter

    x = np.random.default_rng(0).integers(0, 255, (n, size, size, 1)).astype(np.uint8)
    y = np.random.default_rng(1).integers(0, 10, n)
    trainer = keras.Sequential([keras.Input((size, size, 1)), build_augmenter(AugmentConfig(), 0), model])
    trainer.compile("adam", "sparse_categorical_crossentropy")
    trainer.fit(x[:256], y[:256], batch_size=128, epochs=1, verbose=0)  # build and warm up
    start = time.perf_counter()
    trainer.fit(x, y, batch_size=128, epochs=1, verbose=0)
    return n / (time.perf_counter() - start)


def head_epochs(n: int) -> tuple[float, float, float]:
    """(seconds per head epoch through the frozen base, with the cache, one-off cache cost)."""
    from training.bottleneck import cached_features
    from training.transfer import build_transfer, set_base_trainable, split_model

    model = build_transfer("mobilenet-v3-small", (32, 32, 1), 10)
    set_base_trainable(model, 0)
    features, head = split_model(model)
    x = np.random.default_rng(0).integers(0, 255, (n, 32, 32, 1)).astype(np.uint8)
    y = np.random.default_rng(1).integers(0, 10, n)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x[:256], y[:256], batch_size=128, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=128, epochs=2, verbose=0)
    frozen = (time.perf_counter() - start) / 2
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        cache = cached_features(features, x, Path(tmp) / "f.npy")
        cost = time.perf_counter() - start
        head.compile("adam", "sparse_categorical_crossentropy")
        head.fit(cache[:256], y[:256], batch_size=128, epochs=1, verbose=0)
        start = time.perf_counter()
        head.fit(cache, y, batch_size=128, epochs=2, verbose=0)
        cached = (time.perf_counter() - start) / 2
    return frozen, cached, cost


def finetune_1k() -> str:
    mnist = REPO.parent / "shared" / "data" / "mnist"
    if not mnist.is_dir() or not (REPO / "resources" / "models" / "digits" / "model.keras").exists():
        return "skipped (needs ../shared/data/mnist and resources/models/digits)"
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "mojiyomi", "train", "--data", str(mnist), "--init-from",
               str(REPO / "resources" / "models" / "digits"), "--limit", "1000", "--epochs", "1",
               "--learning-rate", "0.0003", "--out", f"{tmp}/ft", "--json"]
        env = {**os.environ, "MOJIYOMI_DATA_DIR": tmp}
        start = time.perf_counter()
        out = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if out.returncode:
            return f"failed: {out.stderr[-500:]}"
        result = json.loads(out.stdout.strip().splitlines()[-1])
        return (f"{wall:.1f} s wall for the whole command ({result['seconds']:.1f} s inside train(): read, "
                f"1 epoch on 800 images, export, evaluate on 10,000 test images); test top-1 after: "
                f"{result['test_top1']:.2%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4096)
    args = parser.parse_args()
    import keras

    from training.backbones import build_model

    keras.utils.set_random_seed(0)
    cnn = throughput(build_model("simple-cnn", (28, 28, 1), 10), 28, args.images)
    mnv3 = throughput(build_model("mobilenet-v3-small", (32, 32, 1), 10), 32, args.images)
    print(f"training throughput (2-core CPU, batch 128, augmentation on): simple-cnn 28x28 {cnn:.0f} img/s; "
          f"mobilenet-v3-small 32x32 {mnv3:.0f} img/s (ratio {mnv3 / cnn:.2f}x)")
    frozen, cached, cost = head_epochs(args.images)
    print(f"head-only epoch on {args.images} images, mobilenet-v3-small frozen: {frozen:.2f} s through the base, "
          f"{cached:.3f} s on the bottleneck cache -> {frozen / cached:.1f}x faster (goal >= 5x); "
          f"computing the cache once: {cost:.2f} s")
    print(f"1-epoch fine-tune of the digits model on 1,000 MNIST images: {finetune_1k()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
