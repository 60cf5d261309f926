"""Ink as dense as a pen tablet sends costs no more than sparse ink (issue 13's speed goal).

Tomoe's characters (sparse: about 15 points each) are resampled along their strokes to as
many points as tablet ink of other writers has (541 per kanji at the median), with a
sub-pixel tremor and a varying pressure, and recognized through ``Recognizer.recognize``
(the app's one-character path). Printed: ms per character from ink to candidates (p50,
p95) for the sparse and the dense forms, the ratio, and the top-1 of both (the drawing must
not change what is read).

Usage: python bench/bench_dense_ink.py [--model japanese] [--points 541] [--every 10]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.bundle import resolve_model  # noqa: E402
from core.ink import Ink, make_stroke  # noqa: E402
from core.recognizer import TFLiteRecognizer  # noqa: E402
from training.datasets.tomoe import iter_tdic  # noqa: E402

from bench_synth import TOMOE  # noqa: E402  (the script's folder is on sys.path)


def densify(ink: Ink, points: int, rng: np.random.Generator) -> Ink:
    """The same strokes with about ``points`` points in all, a tremor and a pressure."""
    lengths = [max(float(np.linalg.norm(np.diff(s[:, :2], axis=0), axis=1).sum()), 1e-6) for s in ink.strokes]
    total = sum(lengths)
    strokes = []
    for stroke, length in zip(ink.strokes, lengths):
        n = max(2, int(round(points * length / total)))
        xy = stroke[:, :2]
        if len(xy) == 1:
            xy = np.repeat(xy, 2, axis=0)
        along = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(xy, axis=0), axis=1))])
        t = np.linspace(0, along[-1], n)
        dense = np.stack([np.interp(t, along, xy[:, 0]), np.interp(t, along, xy[:, 1])], axis=1)
        dense += rng.normal(0, 0.3, dense.shape)
        pressure = 0.5 + 0.3 * np.sin(np.linspace(0, np.pi, n))
        strokes.append(make_stroke(np.column_stack([dense, np.arange(n) * 5.0, pressure])))
    return Ink(tuple(strokes), ink.width, ink.height, ink.label)


def timed(recognizer: TFLiteRecognizer, inks: list[Ink]) -> tuple[list[float], float]:
    times, right = [], 0
    for ink in inks:
        start = time.perf_counter()
        first = recognizer.recognize(ink, 10)[0].label
        times.append((time.perf_counter() - start) * 1000)
        right += first == ink.label
    return times, right / len(inks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="japanese")
    parser.add_argument("--points", type=int, default=541)
    parser.add_argument("--every", type=int, default=10)
    args = parser.parse_args()
    recognizer = TFLiteRecognizer(resolve_model(args.model))
    known = set(recognizer.bundle.labels)
    sparse = [ink for ink in iter_tdic(TOMOE) if ink.label in known][::args.every]
    rng = np.random.default_rng(0)
    dense = [densify(ink, args.points, rng) for ink in sparse]
    timed(recognizer, sparse[:20])  # warm-up
    rows = {}
    for name, inks in (("sparse", sparse), ("dense", dense)):
        times, top1 = timed(recognizer, inks)
        points = np.mean([sum(len(s) for s in ink.strokes) for ink in inks])
        rows[name] = (np.percentile(times, 50), np.percentile(times, 95))
        print(f"{name:6s} {len(inks)} characters, {points:.0f} points each: ink to candidates "
              f"p50 {rows[name][0]:.2f} ms, p95 {rows[name][1]:.2f} ms; top-1 {top1:.2%}")
    print(f"dense / sparse: p50 x{rows['dense'][0] / rows['sparse'][0]:.2f}, p95 x{rows['dense'][1] / rows['sparse'][1]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
