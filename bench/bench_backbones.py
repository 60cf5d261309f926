"""Which model for the coverage classes (issue 15): a small comparison on a subset, on the CPU.

Draws ``--classes`` of the 6,636 coverage classes (seed 0), generates ``--per-class``
training samples (seed 1) and 10 test samples per class (seed 2) with every source, trains
each variant for ``--epochs`` with the project's recipe (``training.train.fit``: Adam at
2e-3 cosine-decayed, light augmentation, dropout 0.3, batch 128), and reports for each: test top-1 and top-5, the
float32 TFLite size of the same model with all 6,636 outputs, and the LiteRT call time for
one input (2 threads, as ``core.recognizer.Recognizer``), p50 and p95 of 300 calls.

Usage:
    python bench/bench_backbones.py [--classes 300 --per-class 40 --epochs 6] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: name: (backbone, width, input size, box)
VARIANTS: dict[str, tuple[str, int, int, int]] = {
    "simple-cnn w32 @40 (today)": ("simple-cnn", 32, 40, 32),
    "simple-cnn w48 @40": ("simple-cnn", 48, 40, 32),
    "simple-cnn w32 @48": ("simple-cnn", 32, 48, 38),
    "simple-cnn w64 @40": ("simple-cnn", 64, 40, 32),
    "simple-cnn w48 @48": ("simple-cnn", 48, 48, 38),
    "separable-cnn w32 @48": ("separable-cnn", 32, 48, 38),
    "separable-cnn w48 @48": ("separable-cnn", 48, 48, 38),
}
STROKE_RATIO = 0.07


def _data(chars: list[str], per_class: int, size: int, box: int, seed: int, out: Path) -> tuple[Any, Any]:
    from core.preprocess import Preprocessing
    from training.synth.generate import SOURCES, SynthOptions, generate

    spec = Preprocessing(size=size, box=box, stroke_ratio=STROKE_RATIO)
    path = generate(chars, per_class, spec, seed, out, SOURCES, 2, options=SynthOptions(picture_share=0.1))
    with np.load(path) as data:
        return data["x"], data["y"]


def _latency(content: bytes, size: int) -> tuple[float, float]:
    from ai_edge_litert.interpreter import Interpreter

    with tempfile.NamedTemporaryFile(suffix=".tflite") as handle:
        handle.write(content)
        handle.flush()
        interpreter = Interpreter(model_path=handle.name, num_threads=2)
    interpreter.resize_tensor_input(interpreter.get_input_details()[0]["index"], [1, size, size, 1])
    interpreter.allocate_tensors()
    x = np.random.default_rng(0).integers(0, 255, (1, size, size, 1)).astype(np.float32)
    times = []
    for _ in range(330):
        start = time.perf_counter()
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
        interpreter.invoke()
        interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
        times.append(time.perf_counter() - start)
    ms = np.array(times[30:]) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def latency_only(repeats: int) -> list[dict[str, Any]]:
    """Each variant's float32 TFLite at 6,636 classes timed ``repeats`` times (untrained weights time the same).

    On a machine shared with other jobs one pass's p95 catches their bursts; the lowest p95
    of the repeats is the one the model itself sets.
    """
    from core.charsets import coverage_classes
    from training.backbones import build_model
    from training.export import to_tflite

    results = []
    for name, (backbone, width, size, _) in VARIANTS.items():
        content = to_tflite(build_model(backbone, (size, size, 1), len(coverage_classes()), width=width))
        runs = [_latency(content, size) for _ in range(repeats)]
        result = {"variant": name, "tflite_mb": round(len(content) / 2**20, 2),
                  "litert_ms_p50": round(min(r[0] for r in runs), 2), "litert_ms_p95": round(min(r[1] for r in runs), 2)}
        print(json.dumps(result, ensure_ascii=False), flush=True)
        results.append(result)
    return results


def run(classes: int, per_class: int, epochs: int, only: list[str] | None = None) -> list[dict[str, Any]]:
    """Trains and measures every variant (or those named in ``only``); returns one result per variant."""
    from core.charsets import coverage_classes
    from training.augment import AugmentConfig
    from training.backbones import build_model
    from training.config import TrainConfig
    from training.data import ArraySplit, PreparedData
    from training.export import to_tflite
    from training.train import fit

    def _light_augment() -> AugmentConfig:
        # As the bundled model was trained (--augment light): the generator varies the shapes.
        return AugmentConfig(rotation_deg=3.0, zoom=0.0, translation=0.0, shear=0.0)

    chars = sorted(np.random.default_rng(0).choice(coverage_classes(), classes, replace=False).tolist())
    index = {c: i for i, c in enumerate(chars)}
    results = []
    cache: dict[tuple[int, int], tuple[Any, ...]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (backbone, width, size, box) in VARIANTS.items():
            if only and name not in only:
                continue
            if (size, box) not in cache:
                start = time.perf_counter()
                x, y = _data(chars, per_class, size, box, 1, Path(tmp) / f"train{size}")
                tx, ty = _data(chars, 10, size, box, 2, Path(tmp) / f"test{size}")
                print(f"data {size}: {len(x)} + {len(tx)} in {time.perf_counter() - start:.0f} s", flush=True)
                cache[(size, box)] = (x, np.array([index[c] for c in y]), tx, np.array([index[c] for c in ty]))
            x, y, tx, ty = cache[(size, box)]
            config = TrainConfig(data="bench", out=str(Path(tmp) / "bundle"), backbone=backbone, width=width,
                                 epochs=epochs, batch_size=128, learning_rate=2e-3, dropout=0.3, input_size=size,
                                 box=box, stroke_ratio=STROKE_RATIO, augment=_light_augment(), seed=1)
            prepared = PreparedData(tuple(chars), ArraySplit(x, y), ArraySplit(tx, ty), ArraySplit(tx, ty))
            start = time.perf_counter()
            model = fit(config, prepared, lambda event: None, lambda: False, Path(tmp) / f"run-{len(results)}")
            train_s = time.perf_counter() - start
            probs = model.predict(tx.astype("float32"), batch_size=256, verbose=0)
            top5 = np.argsort(-probs, axis=1)[:, :5]
            full = build_model(backbone, (size, size, 1), len(coverage_classes()), width=width)
            content = to_tflite(full)
            p50, p95 = _latency(content, size)
            result = {"variant": name, "top1": round(float((top5[:, 0] == ty).mean()) * 100, 1),
                      "top5": round(float((top5 == ty[:, None]).any(axis=1).mean()) * 100, 1),
                      "params_6636": int(full.count_params()), "tflite_mb": round(len(content) / 2**20, 2),
                      "litert_ms_p50": round(p50, 2), "litert_ms_p95": round(p95, 2), "train_s": round(train_s)}
            print(json.dumps(result, ensure_ascii=False), flush=True)
            results.append(result)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, default=300)
    parser.add_argument("--per-class", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--out", default="")
    parser.add_argument("--variants", default="", help="comma-separated names of VARIANTS to run (default: all)")
    parser.add_argument("--latency-only", type=int, default=0, metavar="REPEATS",
                        help="only time each variant's TFLite, REPEATS passes of 300 calls (lowest p50/p95 kept)")
    args = parser.parse_args()
    if args.latency_only:
        latency_only(args.latency_only)
        return 0
    only = [name.strip() for name in args.variants.split(",") if name.strip()]
    unknown = [name for name in only if name not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant {unknown[0]!r}; known: {', '.join(VARIANTS)}")
    results = run(args.classes, args.per_class, args.epochs, only)
    print("| variant | top-1 | top-5 | params (6,636 classes) | TFLite float32 | LiteRT p50 | p95 | train |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['variant']} | {r['top1']}% | {r['top5']}% | {r['params_6636'] / 1e6:.2f} M | {r['tflite_mb']} MB "
              f"| {r['litert_ms_p50']} ms | {r['litert_ms_p95']} ms | {r['train_s']} s |")
    if args.out:
        Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
