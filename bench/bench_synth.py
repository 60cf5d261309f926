"""The training-data generator: its speed, and how well a model trained on it reads real handwriting.

1. ``throughput``: samples per second of ``training.synth.generate`` for KanjiVG strokes only,
   fonts only, and the default mix, with 1 and 2 worker processes (the font scan, done once
   per run, is timed apart).
2. ``quality``: picks ``--classes`` characters that Tomoe has, generates ``--per-class``
   samples each, trains the simple CNN with the project's ``training.train.fit`` for
   ``--epochs``, and scores it on those characters' Tomoe samples (one real writer, never
   trained on). Perturbation strengths can be overridden (``--perturb elastic=4,join=0.2``)
   to compare settings.

Usage:
    python bench/bench_synth.py throughput [--classes 100 --per-class 20]
    python bench/bench_synth.py quality [--classes 200 --per-class 120 --size 48 --epochs 6]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
TOMOE = REPO.parent / "shared" / "data" / "tomoe" / "all.tdic"


def _light_augment() -> Any:
    from training.augment import AugmentConfig

    # Not all zeros: the trainer cannot build an empty augmentation model (training/recipe.py).
    return AugmentConfig(rotation_deg=3.0, zoom=0.0, translation=0.0, shear=0.0)


def throughput(classes: int, per_class: int) -> dict[str, Any]:
    """Samples/s of the generator per source and worker count."""
    from core.charsets import japanese_classes
    from core.preprocess import Preprocessing
    from training.synth.generate import SynthOptions, generate, usable_fonts

    start = time.perf_counter()
    faces = usable_fonts()
    result: dict[str, Any] = {"font_scan_s": round(time.perf_counter() - start, 1), "fonts": len(faces)}
    chars = list(np.random.default_rng(0).choice(japanese_classes()[10:], classes, replace=False))
    spec = Preprocessing(size=48, box=34)
    for sources in (("kanjivg",), ("fonts",), ("kanjivg", "fonts")):
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                generate(chars, per_class, spec, 1, Path(out), sources, workers, options=SynthOptions())
                seconds = time.perf_counter() - start
            key = f"{'+'.join(sources)}_w{workers}"
            result[key] = round(classes * per_class / seconds)
            print(f"{key}: {result[key]} samples/s", flush=True)
    return result


def tomoe_classes(count: int, seed: int) -> list[str]:
    """``count`` classes of the Japanese set that Tomoe has, picked at random (seeded)."""
    from core.charsets import japanese_classes
    from training.datasets.tomoe import iter_tdic

    known = set(japanese_classes())
    labels = sorted({ink.label for ink in iter_tdic(TOMOE) if ink.label in known})
    return sorted(np.random.default_rng(seed).choice(labels, min(count, len(labels)), replace=False).tolist())


def quality(args: argparse.Namespace) -> dict[str, Any]:
    """Generate, train, and score on Tomoe, in a scratch folder removed afterwards; returns the numbers."""
    work = Path(tempfile.mkdtemp(prefix="bench_synth_"))
    try:
        return _quality(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _quality(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from core.preprocess import Preprocessing
    from training.augment import AugmentConfig
    from training.config import TrainConfig
    from training.data import ArraySplit, PreparedData, split_indices
    from training.datasets.dataset import read_samples
    from training.evaluate import score
    from training.synth.generate import SynthOptions, generate
    from training.synth.perturb import Perturbation
    from training.train import fit

    chars = tomoe_classes(args.classes, args.seed)
    spec = Preprocessing(size=args.size, box=args.box or round(args.size * 20 / 28), stroke_ratio=args.stroke_ratio)
    overrides = {k: float(v) for k, v in (kv.split("=") for kv in args.perturb.split(",") if kv)}
    options = SynthOptions(font_share=args.font_share, kaisho_share=args.kaisho_share,
                           perturbation=replace(Perturbation(), **overrides))
    start = time.perf_counter()
    path = generate(chars, args.per_class, spec, args.seed, work / "data", tuple(args.sources.split(",")),
                    args.workers, options=options)
    generated = time.perf_counter() - start
    with np.load(path) as data:
        x, y = data["x"], data["y"]
    labels = tuple(sorted(set(y.tolist())))
    index = {c: i for i, c in enumerate(labels)}
    y_int = np.asarray([index[c] for c in y])
    train_idx, val_idx = split_indices(len(y), 0.05, args.seed)
    tomoe = read_samples(TOMOE, spec, keep=lambda label: label in index)
    test = ArraySplit(tomoe.x, np.asarray([index[c] for c in tomoe.y]))
    prepared = PreparedData(labels, ArraySplit(x[train_idx], y_int[train_idx]),
                            ArraySplit(x[val_idx], y_int[val_idx]), test)
    config = TrainConfig(data=str(path), out=str(work / "bundle"), epochs=args.epochs, batch_size=128,
                         learning_rate=args.lr, input_size=spec.size, box=spec.box, stroke_ratio=spec.stroke_ratio,
                         augment=_light_augment() if args.light_augment else AugmentConfig(),
                         seed=args.seed, dropout=args.dropout)
    start = time.perf_counter()
    model = fit(config, prepared, lambda event: None, lambda: False, work / "run")
    trained = time.perf_counter() - start
    val = score(model.predict(prepared.val.x, batch_size=256, verbose=0), prepared.val.y)
    real = score(model.predict(test.x, batch_size=256, verbose=0), test.y)
    return {"classes": len(labels), "per_class": args.per_class, "size": spec.size, "box": spec.box,
            "stroke_ratio": spec.stroke_ratio, "sources": args.sources, "font_share": args.font_share,
            "kaisho_share": args.kaisho_share, "perturb": overrides, "epochs": args.epochs,
            "augment": "light" if args.light_augment else "default", "generate_s": round(generated), "train_s": round(trained),
            "synth_val_top1": round(val.top1, 3), "tomoe_n": real.n, "tomoe_top1": round(real.top1, 3),
            "tomoe_top5": round(real.top5, 3), "tomoe_top10": round(real.top10, 3)}


def main() -> int:
    """Runs one benchmark and prints its numbers as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("throughput", "quality"))
    parser.add_argument("--classes", type=int, default=0, help="classes (throughput 100, quality 200)")
    parser.add_argument("--per-class", type=int, default=0, help="samples per class (throughput 20, quality 120)")
    parser.add_argument("--size", type=int, default=48)
    parser.add_argument("--box", type=int, default=0)
    parser.add_argument("--stroke-ratio", type=float, default=0.1)
    parser.add_argument("--sources", default="kanjivg,fonts")
    parser.add_argument("--font-share", type=float, default=0.3)
    parser.add_argument("--kaisho-share", type=float, default=0.3)
    parser.add_argument("--perturb", default="", help="Perturbation overrides, e.g. elastic=4,join=0.2")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--light-augment", action="store_true",
                        help="only a slight Keras rotation on top of the generator's variation")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.what == "throughput":
        result = throughput(args.classes or 100, args.per_class or 20)
    else:
        if not TOMOE.exists():
            print(f"{TOMOE} is not here; the quality benchmark needs it", file=sys.stderr)
            return 2
        args.classes, args.per_class = args.classes or 200, args.per_class or 120
        result = quality(args)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
