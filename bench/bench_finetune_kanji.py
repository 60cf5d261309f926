"""Personal fine-tune benchmark on Japanese: 50 characters, 4 samples each, 2-core CPU.

The writer: Tomoe's real strokes (one person's handwriting, never trained on), rewritten
a few times each with small natural variations (``training.synth.perturb`` at a quarter
of its generator strength) and then distorted the way a writer the base model reads
badly would write: ``--writer narrow`` (default): every character squeezed to 45% of its
width, a cramped hand; ``tilted``: turned 25 degrees, as on a turned page. 50 characters
are picked at random (seeded) from those the model knows; the user gives 4 samples of
each (200 samples); we measure top-1 on 4 *other* samples of each by the same writer
before and after, top-1 on the bundle's base validation samples before and after, and the
wall time of the whole fine-tune (load, adapt, export TFLite, write the bundle).

Usage: python bench/bench_finetune_kanji.py [--model japanese] [--writer narrow|tilted]
       [--tomoe ../shared/data/tomoe/all.tdic] [--chars 50] [--per-char 4] [--epochs N]
       [--learning-rate LR] [--trainable-layers N] [--replay-ratio R] [--blend B]
(--epochs, --learning-rate and --blend set AdaptConfig's large-head schedule, which a model of more
than 100 classes uses.)
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.bundle import resolve_model  # noqa: E402
from core.ink import Ink  # noqa: E402
from core.preprocess import preprocess_ink  # noqa: E402
from training.adapt import AdaptConfig  # noqa: E402
from training.datasets.tomoe import iter_tdic  # noqa: E402
from training.synth.perturb import BOX, Perturbation, perturb  # noqa: E402

from bench_finetune import run_and_report  # noqa: E402  (the script's folder is on sys.path)
from bench_synth import TOMOE  # noqa: E402

#: New writings of the same character by the same hand: a quarter of the generator's variation.
SAME_HAND = Perturbation(stroke_shift=0.6, stroke_rotation=1.5, stroke_scale=0.02, rotation=2.0, shear=0.05,
                         aspect=0.05, elastic=0.8, trim=0.03, join=0.0, reorder=0.0, reverse=0.0, jitter=0.2)


def _squeeze(points: np.ndarray, width: float) -> np.ndarray:
    out = points.copy()
    out[:, 0] = BOX / 2 + (out[:, 0] - BOX / 2) * width
    return out


def _turn(points: np.ndarray, degrees: float) -> np.ndarray:
    a = np.deg2rad(degrees)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return (points - BOX / 2) @ rot.T + BOX / 2


WRITERS = {"narrow": lambda p: _squeeze(p, 0.45), "tilted": lambda p: _turn(p, -25.0)}


def writings(ink: Ink, count: int, writer: str, rng: np.random.Generator) -> list[Ink]:
    """``count`` new writings of a Tomoe character by the simulated writer."""
    scale = BOX / max(ink.width, ink.height)
    strokes = [np.asarray(s[:, :2], dtype=np.float64) * scale for s in ink.strokes if len(s)]
    out = []
    for _ in range(count):
        written = perturb(strokes, rng, SAME_HAND)
        styled = [np.column_stack([WRITERS[writer](s[:, :2]), s[:, 2:]]) for s in written.strokes]
        out.append(replace(written, strokes=tuple(styled)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="japanese")
    parser.add_argument("--tomoe", default=str(TOMOE))
    parser.add_argument("--writer", choices=sorted(WRITERS), default="narrow")
    parser.add_argument("--chars", type=int, default=50)
    parser.add_argument("--per-char", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=AdaptConfig.large_head_epochs)
    parser.add_argument("--trainable-layers", type=int, default=AdaptConfig.trainable_layers)
    parser.add_argument("--replay-ratio", type=float, default=AdaptConfig.replay_ratio)
    parser.add_argument("--blend", type=float, default=AdaptConfig.large_head_blend)
    parser.add_argument("--learning-rate", type=float, default=AdaptConfig.large_head_learning_rate)
    args = parser.parse_args()
    config = AdaptConfig(trainable_layers=args.trainable_layers, replay_ratio=args.replay_ratio,
                         large_head_blend=args.blend,
                         large_head_epochs=args.epochs, large_head_learning_rate=args.learning_rate)

    base = resolve_model(args.model)
    index = {label: i for i, label in enumerate(base.labels)}
    inks = [ink for ink in iter_tdic(args.tomoe) if ink.label in index]
    rng = np.random.default_rng(args.seed)
    chosen = [inks[i] for i in rng.choice(len(inks), size=min(args.chars, len(inks)), replace=False)]
    spec = base.preprocessing

    def arrays(per_char: int) -> tuple[np.ndarray, np.ndarray]:
        x, y = [], []
        for ink in chosen:
            for written in writings(ink, per_char, args.writer, rng):
                x.append(preprocess_ink(written, spec))
                y.append(index[ink.label])
        return np.clip(np.round(np.stack(x)), 0, 255).astype(np.uint8), np.array(y)

    user, holdout = arrays(args.per_char), arrays(args.per_char)
    return run_and_report(base, user, holdout, config, "bench/bench_finetune_kanji.py",
                          {"writer": args.writer, "characters": len(chosen), "samples": len(user[1]),
                           "holdout": len(holdout[1])})


if __name__ == "__main__":
    sys.exit(main())
