"""Personal fine-tune benchmark: a writer the base model never saw, 200 samples, CPU.

The writer: MNIST *test* digits (never trained on) as re-written by someone the base
model handles badly. ``--writer tilted`` (default): every digit turned 35 degrees, as on a
turned page (base model 91.9%); ``narrow``: squeezed to 40% width (84.9%); ``skipping``: a
pen that skips, thin gaps through every stroke (79.7%); ``slanted``: a backward slant with a
heavy pen, which the base model already reads (99.2%) and which checks that a fine-tune
that cannot help is not recommended. The user gives 20 samples of each digit (200
samples); we measure top-1 on 1,000 other samples by the same writer before and after,
top-1 on the bundle's base validation samples before and after, and the wall time of the
whole fine-tune (load, adapt, export TFLite, write the bundle).

Usage: python bench/bench_finetune.py [--writer tilted|narrow|skipping|slanted] [--model digits]
       [--mnist ../shared/data/mnist] [--epochs N] [--trainable-layers N] [--blend B]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.bundle import ModelBundle, resolve_model  # noqa: E402
from training.adapt import AdaptConfig  # noqa: E402
from core.preprocess import normalize_image  # noqa: E402
from training.datasets.idx import load_mnist  # noqa: E402


def _warp(image: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    big = cv2.resize(image, (56, 56), interpolation=cv2.INTER_LINEAR)
    return cv2.warpAffine(big, matrix, (56, 56), borderValue=0)


def slanted_writer(image: np.ndarray) -> np.ndarray:
    """A strong backward slant and a heavier pen (the base model copes: it trains with shear)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    return cv2.dilate(_warp(image, np.float32([[1, -0.6, 0.6 * 28], [0, 1, 0]])), kernel)


def tilted_writer(image: np.ndarray) -> np.ndarray:
    """Every digit tilted 35 degrees counter-clockwise, as someone writing on a turned page."""
    return _warp(image, cv2.getRotationMatrix2D((28, 28), 35, 1.0))


def narrow_writer(image: np.ndarray) -> np.ndarray:
    """Digits squeezed to 40% of their width (a cramped hand)."""
    return _warp(image, np.float32([[0.4, 0, 28 * 0.6], [0, 1, 0]]))


def skipping_pen(image: np.ndarray) -> np.ndarray:
    """A pen that skips: thin horizontal gaps every few pixels break every stroke."""
    big = cv2.resize(image, (56, 56), interpolation=cv2.INTER_LINEAR).copy()
    big[::8, :] = 0
    big[1::8, :] = 0
    return big


WRITERS = {"tilted": tilted_writer, "narrow": narrow_writer, "skipping": skipping_pen, "slanted": slanted_writer}


def run_and_report(base: ModelBundle, user: tuple[np.ndarray, np.ndarray], holdout: tuple[np.ndarray, np.ndarray],
                   config: AdaptConfig, script: str, facts: dict) -> int:
    """Times a whole personal fine-tune (load, adapt, export, write the bundle) and prints
    the before/after figures, then the same as one JSON object (``facts`` first)."""
    import keras

    from training.adapt import adapt_model, load_replay
    from training.finetune import write_personal_bundle

    start = time.perf_counter()
    model = keras.saving.load_model(base.keras_path, compile=False)
    model, result = adapt_model(model, base.labels, user, holdout, load_replay(base), config)
    with tempfile.TemporaryDirectory() as tmp:
        write_personal_bundle(base, model, base.labels, Path(tmp) / "bench-personal-1", result, config, script)
    seconds = time.perf_counter() - start
    if result.user_top1_before is None or result.user_top1_after is None:
        raise SystemExit("no held-out samples to measure the writer on")
    err_before, err_after = 1 - result.user_top1_before, 1 - result.user_top1_after
    summary = {**facts, "user_top1_before": round(result.user_top1_before, 4),
               "user_top1_after": round(result.user_top1_after, 4),
               "user_error_ratio": round(err_after / err_before, 3) if err_before else None,
               "base_top1_before": round(result.base_top1_before, 4),
               "base_top1_after": round(result.base_top1_after, 4),
               "base_drop_points": round(100 * (result.base_top1_before - result.base_top1_after), 2),
               "seconds": round(seconds, 1), "adapt_seconds": round(result.seconds, 1)}
    print(f"writer top-1 {summary['user_top1_before']:.2%} -> {summary['user_top1_after']:.2%} "
          f"(error x{summary['user_error_ratio']}), base {summary['base_top1_before']:.2%} -> "
          f"{summary['base_top1_after']:.2%} ({summary['base_drop_points']} points), {seconds:.1f} s total "
          f"(goals: error x<=0.5, drop <=0.5 points, < 60 s)")
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="digits")
    parser.add_argument("--mnist", default=str(Path(__file__).resolve().parent.parent.parent / "shared/data/mnist"))
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--writer", choices=sorted(WRITERS), default="tilted",
                        help="how the simulated writer differs from MNIST (default: tilted)")
    parser.add_argument("--epochs", type=int, default=AdaptConfig.epochs)
    parser.add_argument("--trainable-layers", type=int, default=AdaptConfig.trainable_layers)
    parser.add_argument("--blend", type=float, default=AdaptConfig.blend)
    args = parser.parse_args()
    config = AdaptConfig(epochs=args.epochs, trainable_layers=args.trainable_layers, blend=args.blend)

    base = resolve_model(args.model)
    x, y = load_mnist(args.mnist, "test")
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    pick = np.concatenate([order[y[order] == d][:args.per_class] for d in range(10)])
    rest = np.setdiff1d(order, pick)[:1000]
    spec = base.preprocessing

    def inputs(idx: np.ndarray) -> np.ndarray:
        return np.stack([normalize_image(im, spec) for im in map(WRITERS[args.writer], x[idx])]).astype(np.uint8)

    user, holdout = (inputs(pick), y[pick]), (inputs(rest), y[rest])
    return run_and_report(base, user, holdout, config, "bench/bench_finetune.py",
                          {"writer": args.writer, "samples": len(pick)})


if __name__ == "__main__":
    sys.exit(main())
