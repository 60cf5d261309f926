"""Generating a training set: ``python -m training.synth.generate --classes japanese --per-class 40 --out DIR``.

Every sample is perturbed KanjiVG strokes rendered and normalized by ``core.preprocess``,
exactly as the canvas's ink is. The output is a folder of NPZ shards (``x`` uint8
(N, s, s, 1), ``y`` label indices, ``labels``), one shard per worker chunk; ``mojiyomi
train --data FILE.npz`` reads a shard, and ``merge`` joins shards into one NPZ.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
from pathlib import Path

import numpy as np

from core.preprocess import Preprocessing, preprocess_ink
from training.synth.kanjivg import has_strokes, load_strokes
from training.synth.perturb import Perturbation, perturb


def render_class(args: tuple[str, int, int, dict, int]) -> np.ndarray:
    """``count`` normalized samples (count, s, s, 1) uint8 of one character."""
    char, count, seed, spec_json, class_index = args
    spec = Preprocessing.from_json(spec_json)
    strokes = load_strokes(char)
    rng = np.random.default_rng([seed, class_index])
    out = np.empty((count, spec.size, spec.size, 1), np.uint8)
    for i in range(count):
        x = preprocess_ink(perturb(strokes, rng, Perturbation()), spec)
        out[i] = np.clip(np.round(x), 0, 255).astype(np.uint8)
    return out


def generate(classes: list[str], per_class: int, spec: Preprocessing, seed: int, out: Path,
             workers: int = 2) -> Path:
    """Writes ``out/synth.npz`` with ``per_class`` samples of every class KanjiVG has.

    Returns:
        The NPZ written. Classes KanjiVG lacks are listed in ``out/missing.json``.
    """
    usable = [c for c in classes if has_strokes(c)]
    missing = [c for c in classes if c not in usable]
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(c, per_class, seed, spec.to_json(), i) for i, c in enumerate(usable)]
    with mp.get_context("spawn").Pool(workers) as pool:
        parts = pool.map(render_class, jobs, chunksize=8)
    x = np.concatenate(parts)
    y = np.repeat(np.arange(len(usable)), per_class)
    target = out / "synth.npz"
    np.savez(target, x=x, y=y, labels=np.asarray(usable))
    (out / "missing.json").write_text(json.dumps(missing, ensure_ascii=False))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate handwriting-like training data from KanjiVG.")
    parser.add_argument("--classes", default="japanese", help="'japanese' (all classes) or a string of characters")
    parser.add_argument("--per-class", type=int, default=40)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    from core.charsets import japanese_classes

    classes = list(japanese_classes()) if args.classes == "japanese" else list(dict.fromkeys(args.classes))
    spec = Preprocessing(size=args.size, box=max(8, round(args.size * 20 / 28)))
    start = time.time()
    path = generate(classes, args.per_class, spec, args.seed, Path(args.out), args.workers)
    with np.load(path) as data:
        n = len(data["y"])
    print(f"wrote {path}: {n} samples of {n // args.per_class} classes in {time.time() - start:.0f} s "
          f"({n / (time.time() - start):.0f} samples/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
