"""Thick, tiny binary digit scans (issue 12): MNIST digits made bold, shrunk to 16x16, cut to
black and white and enlarged again, as in old postal-code datasets, read by the digits model.

Each MNIST test digit (``../shared/data/mnist``; even positions are the tuning half, odd the
test half) is thickened (a disc 1-3 pixels wide at 28 px), cut to its box with a margin,
shrunk to 16x16, thresholded, and enlarged by nearest neighbour to 16, 32, 64 or 128 pixels,
dark on white (a scan) or white on black, in turn. Printed: top-1 through the picture path as
``mojiyomi recognize`` reads a file (``core.page.read_page``, layouts ``auto`` and
``single``) and through ``Recognizer.recognize`` on the picture (``core.inputs``), beside the
same digits given to the model as MNIST is (``normalize_image``), and the cleaned scan given
to it without ``core.binarize.model_input``'s stroke evening (``unevened``: the digits model
learnt MNIST's strokes, thicker than its bundle's ``stroke_ratio`` the evening aims at; tuning
half: 97.75% unevened, 96.75% evened). Goal: >= 97%.

Usage: python bench/bench_digit_scans.py [--split tune|test] [--count N] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.binarize import clean  # noqa: E402
from core.bundle import resolve_model  # noqa: E402
from core.errors import MojiyomiError  # noqa: E402
from core.page import read_page  # noqa: E402
from core.preprocess import normalize_image  # noqa: E402
from core.recognizer import Recognizer, TFLiteRecognizer  # noqa: E402
from training.datasets.idx import load_mnist  # noqa: E402

MNIST = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mnist"
SIDES = (16, 32, 64, 128)


def thick_scan(digit: np.ndarray, rng: np.random.Generator, side: int, light_ink: bool) -> np.ndarray:
    """One MNIST digit (white on black, 28x28) as a thick 16x16 binary scan enlarged to ``side``."""
    k = int(rng.integers(1, 4))
    bold = cv2.dilate(digit, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) if k > 1 else digit
    ys, xs = np.nonzero(bold > 64)
    margin = int(rng.integers(1, 4))
    h, w = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
    side0 = max(h, w) + 2 * margin  # a square cell around the digit, as a form's box
    cell = np.zeros((side0, side0), np.uint8)
    top, left = (side0 - h) // 2, (side0 - w) // 2
    cell[top:top + h, left:left + w] = bold[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    tiny = np.where(cv2.resize(cell, (16, 16), interpolation=cv2.INTER_AREA) > 96, 255, 0).astype(np.uint8)
    scan = cv2.resize(tiny, (side, side), interpolation=cv2.INTER_NEAREST)
    return scan if light_ink else 255 - scan


def read_text(recognizer: Recognizer, picture: np.ndarray, layout: str) -> str:
    """What the picture path reads (``mojiyomi recognize --layout``), '' when it refuses the picture."""
    try:
        return read_page(recognizer, picture, layout, use_lm=False).text  # type: ignore[arg-type]
    except MojiyomiError:
        return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("tune", "test"), default="test")
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="end with one line of JSON")
    args = parser.parse_args()
    if not MNIST.is_dir():
        raise SystemExit(f"MNIST is not present. Received: {MNIST}")
    x, y = load_mnist(MNIST, "test")
    x, y = x[(args.split == "test")::2][:args.count], y[(args.split == "test")::2][:args.count]
    recognizer = TFLiteRecognizer(resolve_model("digits"))
    labels = recognizer.bundle.labels
    spec = recognizer.bundle.preprocessing
    rng = np.random.default_rng(args.seed)
    right = {"mnist": 0, "auto": 0, "single": 0, "recognize": 0, "unevened": 0}
    by_side = {side: 0 for side in SIDES}
    seconds = 0.0
    for i, (digit, label) in enumerate(zip(x, y)):
        truth = labels[int(label)]
        side, light = SIDES[i % len(SIDES)], bool(i // len(SIDES) % 4 == 3)
        scan = thick_scan(digit, rng, side, light)
        right["mnist"] += labels[int(np.argmax(recognizer.predict(normalize_image(digit, spec)[None])[0]))] == truth
        start = time.process_time()
        auto = read_text(recognizer, scan, "auto")
        seconds += time.process_time() - start
        right["auto"] += auto == truth
        by_side[side] += auto == truth
        right["single"] += read_text(recognizer, scan, "single") == truth
        try:
            right["recognize"] += recognizer.recognize(scan, 1)[0].label == truth
            unevened = normalize_image(clean(scan).ink, spec)[None]
            right["unevened"] += labels[int(np.argmax(recognizer.predict(unevened)[0]))] == truth
        except MojiyomiError:
            pass
    n = len(y)
    report = {"split": args.split, "n": n, **{k: round(v / n, 4) for k, v in right.items()},
              "auto_by_side": {str(s): round(v / (n / len(SIDES)), 4) for s, v in by_side.items()},
              "cpu_ms": round(1000 * seconds / n, 1)}
    print(f"{n} {args.split} digits: as MNIST {report['mnist']}, scans read auto {report['auto']} "
          f"single {report['single']} recognize {report['recognize']} unevened {report['unevened']}; "
          f"auto by side {report['auto_by_side']}; "
          f"{report['cpu_ms']} ms CPU each", flush=True)
    if args.json:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
