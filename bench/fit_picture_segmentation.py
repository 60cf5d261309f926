"""Fits the picture decoder's geometry weights (``core.picture.PICTURE_SEGMENT_WEIGHTS``) on the
TUNING half of ``bench_pictures``: logistic regression of "this run of pieces is one character",
as ``bench_words.py --fit-segmentation`` fits the ink's.

A run counts as one character when its box, mapped back to the picture, overlaps one true
character's box at IoU >= 0.6. Also printed: how often every character of a line has such a run
(the segmentation's ceiling: the decoder cannot read a character no run holds).

Usage: python bench/fit_picture_segmentation.py [--count 100] [--styles clean,...] [--seed 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.bundle import resolve_model  # noqa: E402
from core.decode import DecodeConfig, _runs  # noqa: E402
from core.errors import MojiyomiError  # noqa: E402
from core.picture import segment_picture  # noqa: E402
from core.recognizer import TFLiteRecognizer  # noqa: E402
from training.synth import paper  # noqa: E402

from bench_pictures import _iou, make_samples  # noqa: E402
from bench_words import fit_logistic, manpage_phrases, split_of, tomoe_inks  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--styles", default=",".join(paper.STYLES))
    parser.add_argument("--seed", type=int, default=2, help="not the benchmark's seed 1, so its lines stay unseen")
    args = parser.parse_args()
    inks = tomoe_inks(set(TFLiteRecognizer(resolve_model("japanese")).bundle.labels))
    pool = [p for p in manpage_phrases(set(inks)) if split_of(p) == "tune" and len(p) >= 3]
    phrases = [pool[i] for i in np.random.default_rng(args.seed).permutation(len(pool))[:args.count]]
    config = DecodeConfig()
    rows, truth, reachable, total = [], [], 0, 0
    for style in args.styles.split(","):
        lines, _ = make_samples(style, phrases, phrases[0], inks, args.count, args.seed)
        for sample in lines:
            try:
                segmented = segment_picture(sample.picture.image, sample.layout)  # type: ignore[arg-type]
            except MojiyomiError:
                continue
            axis = 1 if segmented.layout == "vertical" else 0
            hit = [False] * len(sample.picture.boxes)
            for line in segmented.lines:
                for run in _runs(line.pieces, axis, line.size, config):
                    x0, y0, x1, y1 = segmented.to_original(run.box)
                    box = (round(x0), round(y0), round(x1 - x0), round(y1 - y0))
                    ious = [_iou(box, b) for b in sample.picture.boxes]
                    best = int(np.argmax(ious))
                    one = ious[best] >= 0.6
                    hit[best] |= one
                    rows.append(run.features)
                    truth.append(one)
            reachable += all(hit)
            total += 1
    x, y = np.array(rows), np.array(truth, float)
    w, accuracy = fit_logistic(x, y)
    print(f"{len(y)} runs ({int(y.sum())} one character) from {total} lines; every character has a run in "
          f"{reachable / max(total, 1):.1%} of lines; run classification accuracy {accuracy:.3f}")
    print("PICTURE_SEGMENT_WEIGHTS = (" + ", ".join(f"{v:.3f}" for v in w) + ")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
