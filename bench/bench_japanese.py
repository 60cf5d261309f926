"""The Japanese model on real handwriting it never trained on, through the app's own path.

Every Tomoe character whose label is a class of the model is handed to
``Recognizer.recognize`` as canvas ink, exactly as the app does after a stroke (ink
rendering and normalization, the TFLite interpreter, the size cue for small kana, same-shape
twins brought together). Printed: top-1, top-1 counting a same-shape twin (ロ for 口, ー for
一...) as right, top-5, top-10; the same with the strokes written in reverse order and
direction, and with every stroke joined to the next (cursive); the recognizer call's time
(p50, p95); and the TFLite file's size. The figures for the bundle are also printed as one
JSON object on the last line.

Usage: python bench/bench_japanese.py [--model japanese] [--tomoe ../shared/data/tomoe/all.tdic]
       [--every N] [--record]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.bundle import resolve_model  # noqa: E402
from core.charsets import lookalikes_of  # noqa: E402
from core.ink import Ink  # noqa: E402
from core.recognizer import TFLiteRecognizer  # noqa: E402
from training.datasets.tomoe import iter_tdic  # noqa: E402

from bench_synth import TOMOE  # noqa: E402  (the script's folder is on sys.path)


def reversed_ink(ink: Ink) -> Ink:
    """The same strokes written last to first, each from its end."""
    return replace(ink, strokes=tuple(s[::-1].copy() for s in reversed(ink.strokes)))


def joined_ink(ink: Ink) -> Ink:
    """Every stroke running on into the next without lifting the pen."""
    return replace(ink, strokes=(np.concatenate([s for s in ink.strokes if len(s)]),))


def score(recognizer: TFLiteRecognizer, inks: list[Ink]) -> dict[str, float]:
    """Top-k rates over ``inks`` (top1_twins: a same-shape twin in first place counts)."""
    hits = {"top1": 0, "top1_twins": 0, "top5": 0, "top10": 0}
    times = []
    for ink in inks:
        start = time.perf_counter()
        labels = [c.label for c in recognizer.recognize(ink, 10)]
        times.append(time.perf_counter() - start)
        hits["top1"] += labels[0] == ink.label
        hits["top1_twins"] += labels[0] in lookalikes_of(ink.label)
        hits["top5"] += ink.label in labels[:5]
        hits["top10"] += ink.label in labels
    out = {k: round(v / len(inks), 4) for k, v in hits.items()}
    out["ms_p50"] = round(1000 * float(np.percentile(times, 50)), 3)
    out["ms_p95"] = round(1000 * float(np.percentile(times, 95)), 3)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="japanese")
    parser.add_argument("--tomoe", default=str(TOMOE))
    parser.add_argument("--every", type=int, default=1, help="score every N-th character (quick runs)")
    parser.add_argument("--record", action="store_true",
                        help="store the figures in the bundle's metadata.json as metrics['tomoe_app']")
    args = parser.parse_args()

    bundle = resolve_model(args.model)
    recognizer = TFLiteRecognizer(bundle)
    known = set(bundle.labels)
    all_inks = list(iter_tdic(args.tomoe))
    inks = [ink for ink in all_inks if ink.label in known][::args.every]
    recognizer.recognize(inks[0], 10)  # warm-up
    results = {"n": len(inks), "left_out": len(all_inks) - len([i for i in all_inks if i.label in known]),
               "as_written": score(recognizer, inks),
               "reversed": score(recognizer, [reversed_ink(i) for i in inks]),
               "cursive": score(recognizer, [joined_ink(i) for i in inks if len(i.strokes) > 1]),
               "tflite_mb": round((bundle.path / "model.tflite").stat().st_size / 2**20, 2)}
    for name in ("as_written", "reversed", "cursive"):
        r = results[name]
        print(f"{name:>10}: top-1 {r['top1']:.2%} (twins as right {r['top1_twins']:.2%}), top-5 {r['top5']:.2%}, "
              f"top-10 {r['top10']:.2%}; recognize p50 {r['ms_p50']} ms, p95 {r['ms_p95']} ms")
    print(f"{results['n']} Tomoe characters ({results['left_out']} left out: not classes); "
          f"model.tflite {results['tflite_mb']} MB (goals: top-1 >= 98%, top-10 >= 99.8%, < 3 ms, < 8 MB)")
    if args.record:
        from mojiyomi.cli import record_metrics

        record_metrics(bundle, "tomoe_app", {"command": "python bench/bench_japanese.py --record", **results})
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
