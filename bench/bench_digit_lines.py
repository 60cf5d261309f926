"""Digits written in rows and in columns on paper, and in rows on the canvas, read as the app reads them.

A phone number, a date or a sum is written as digits in a row, or one under another in a
column. Each string of 3-8 random digits is written with the project's stroke-font digits
(``tests/strokefont.py``: a writer's slant and width, jittered strokes), laid out by
``training.synth.paper.layout_lines`` as a row and as a column, with ``natural`` spacing
(12-40% of a cell between neighbours) and ``tight`` (their ink within 4-10% of a cell), on clean
paper with a ballpoint, then read by ``core.picture.read_picture`` with the layout given. The
same digits are also written on the canvas as one row of ink, 30 or 0 units apart (a digit is
about 200 units high: ``canvas natural`` and ``canvas tight``), and read by ``core.decode.read_ink``
as the canvas reads several characters. Both with the bundled language model, as the app and
``mojiyomi recognize`` read (``--no-context``: without).

Printed per model, layout and spacing: character accuracy (1 - edit distance / length) and the
share of strings read exactly. Nothing here is tuned: the strings, writers and pictures come
from ``--seed``.

Usage: python bench/bench_digit_lines.py [--models digits,japanese] [--count 60] [--seed 5] [--no-context] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_words import edit_distance  # noqa: E402  (folder on sys.path)
from core.bundle import resolve_model  # noqa: E402
from core.decode import read_ink  # noqa: E402
from core.images import to_grey  # noqa: E402
from core.lm import bundled_lm_path, load_lm  # noqa: E402
from core.picture import read_picture  # noqa: E402
from core.recognizer import TFLiteRecognizer  # noqa: E402
from tests.strokefont import ink_row, write_digit  # noqa: E402
from training.synth import paper  # noqa: E402

PEN = paper.Pen("ballpoint", 0.045, 0.95, (20, 20, 28))
LOOK = paper.Look(paper=(246, 245, 240), texture=0.01, noise=1.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="digits,japanese")
    parser.add_argument("--count", type=int, default=60, help="digit strings (each written 4 ways)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--no-context", action="store_true", help="read without the language model (the app uses it)")
    parser.add_argument("--json", action="store_true", help="end with one line of JSON")
    args = parser.parse_args()
    models = {name: TFLiteRecognizer(resolve_model(name)) for name in args.models.split(",")}
    lm = None if args.no_context else load_lm(bundled_lm_path())
    rng = np.random.default_rng(args.seed)
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # errors, length, exact, strings

    def count(key: str, read: str, text: str) -> None:
        counts = tally[key]
        counts[0] += edit_distance(read, text)
        counts[1] += len(text)
        counts[2] += read == text
        counts[3] += 1

    for _ in range(args.count):
        text = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(3, 9))))
        slant, squash = rng.uniform(-0.25, 0.25), rng.uniform(0.6, 1.1)
        inks = [write_digit(c, rng, slant=slant, squash=squash) for c in text]
        for layout in ("horizontal", "vertical"):
            for spacing in ("natural", "tight"):
                placed = paper.layout_lines([inks], layout, spacing, rng, 90.0, PEN.width, margin=1.0)
                rgb = paper.render(placed, PEN, LOOK, rng, colour=True).image
                grey = to_grey(np.ascontiguousarray(rgb[:, :, ::-1]))
                for name, recognizer in models.items():
                    count(f"{name} {layout} {spacing}", read_picture(grey, recognizer, lm, layout=layout).text, text)
        for spacing, gap in (("natural", 30.0), ("tight", 0.0)):
            row = ink_row(inks, gap)
            for name, recognizer in models.items():
                count(f"{name} canvas {spacing}", read_ink(row, recognizer, lm).text, text)
    results = {key: {"char_acc": round(1 - e / n, 4), "exact": round(x / s, 4)}
               for key, (e, n, x, s) in sorted(tally.items())}
    for key, r in results.items():
        print(f"{key:32s} characters {r['char_acc']:.3f}  exact {r['exact']:.3f}")
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
