"""Words and phrases written in one go: the decoder of ``core.decode`` on real ink.

Phrases come from the Japanese manual pages (Debian ``manpages-ja``: a text source NOT used
to build the language model, which comes from wordfreq's word list): runs of 2-10
characters between punctuation whose characters all have ink in Tomoe
(``../shared/data/tomoe/all.tdic``, one writer, never trained on) and are classes of the
model. Each phrase is written with Tomoe's ink, one character after another:

- ``boxed``: each character in its own cell (Tomoe's 300-unit box) with 10% between cells;
- ``spaced``: characters at their written size, 15-40% of a cell between their ink;
- ``tight``: -8% to +4% of a cell between their ink (neighbours may overlap a little);
- ``vertical``: as spaced, top to bottom.

Printed per style, with and without the language model: character accuracy (1 - edit
distance / length), exact-phrase rate, the same characters' isolated top-1 (each character's
ink alone through ``Recognizer.recognize``, the app's one-character path), and same-shape
twin errors (decoded vs isolated). Then the time to update a 10-character line after each
stroke (p50/p95, with the run cache as the app keeps it).

Phrases are split by a hash into a tuning half and a test half; ``--tune`` searches the
decoder's weights on the tuning half only; the figures to quote are the test half's.

Usage: python bench/bench_words.py [--split test|tune] [--phrases N] [--tune] [--json]
Needs: apt-get install manpages-ja
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import itertools
import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.bundle import resolve_model  # noqa: E402
from core.charsets import lookalikes_of  # noqa: E402
from core.decode import DecodeConfig, RunCache, _runs, ink_pieces, read_ink  # noqa: E402
from core.ink import Ink  # noqa: E402
from core.lm import bundled_lm_path, load_lm  # noqa: E402
from core.recognizer import TFLiteRecognizer  # noqa: E402
from training.datasets.tomoe import iter_tdic  # noqa: E402

from bench_synth import TOMOE  # noqa: E402  (the script's folder is on sys.path)

MANPAGES = Path("/usr/share/man/ja")
CELL = 300.0
STYLES = ("boxed", "spaced", "tight", "vertical")


def manpage_phrases(known: set[str], limit: int = 20000) -> list[str]:
    """Distinct runs of 2-10 known characters from the Japanese manual pages, in file order."""
    if not MANPAGES.is_dir():
        raise SystemExit(f"{MANPAGES} is missing: apt-get install manpages-ja")
    seen: dict[str, None] = {}
    for path in sorted(MANPAGES.rglob("*.gz")):
        try:
            text = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        except (OSError, EOFError):
            continue
        for line in text.splitlines():
            if line.startswith((".\\\"", "'\\\"")):
                continue
            line = re.sub(r"\\f[A-Z\\/,]|\\f\(..|\\[-&e]|^\.[A-Z]+\s?", " ", line)
            for run in re.split(r"[^\w々ー]|_", line):
                chars = "".join(c for c in run)
                if 2 <= len(chars) <= 10 and all(c in known for c in chars) and not chars.isascii():
                    seen.setdefault(chars, None)
            if len(seen) >= limit:
                return list(seen)
    return list(seen)


def split_of(phrase: str) -> str:
    """``tune`` or ``test``, fixed by the phrase's hash."""
    return "tune" if hashlib.sha1(phrase.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def compose(phrase: str, inks: dict[str, Ink], style: str, rng: np.random.Generator) -> Ink:
    """The phrase written with each character's Tomoe ink, laid out in ``style``."""
    strokes: list[np.ndarray] = []
    pos = 0.0
    axis = 1 if style == "vertical" else 0
    for char in phrase:
        ink = inks[char]
        pts = np.concatenate([s for s in ink.strokes if len(s)])
        if style == "boxed":
            shift, pos = pos, pos + CELL * 1.1
        else:
            low, high = float(pts[:, axis].min()), float(pts[:, axis].max())
            gap = rng.uniform(0.15, 0.40) if style in ("spaced", "vertical") else rng.uniform(-0.08, 0.04)
            shift, pos = pos - low, pos + (high - low) + gap * CELL
        for stroke in ink.strokes:
            moved = stroke.copy()
            moved[:, axis] += shift
            strokes.append(moved)
    width = max(float(s[:, 0].max()) for s in strokes) + 1
    height = max(float(s[:, 1].max()) for s in strokes) + 1
    return Ink(tuple(strokes), width, height, phrase)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def twin_errors(truth: str, read: str) -> int:
    """Positions read as a same-shape twin of the truth (only when the lengths agree)."""
    if len(truth) != len(read):
        return 0
    return sum(t != r and r in lookalikes_of(t) for t, r in zip(truth, read))


def evaluate(recognizer: TFLiteRecognizer, lm: object, phrases: list[str], inks: dict[str, Ink], style: str,
             config: DecodeConfig, seed: int, caches: dict[tuple[str, int], RunCache] | None = None,
             ) -> dict[str, float]:
    """Character accuracy, exact rate and twin errors of the decoder on ``phrases``.

    ``caches`` keeps each phrase's recognized runs across calls (tuning tries many weights
    on the same ink).
    """
    rng = np.random.default_rng(seed)
    errors = length = exact = twins = 0
    caches = {} if caches is None else caches
    for number, phrase in enumerate(phrases):
        ink = compose(phrase, inks, style, rng)
        cache = caches.setdefault((style, number), RunCache())
        text = read_ink(ink, recognizer, lm, "vertical" if style == "vertical" else "horizontal", config,
                        cache=cache).text
        errors += edit_distance(phrase, text)
        length += len(phrase)
        exact += text == phrase
        twins += twin_errors(phrase, text)
    return {"char_acc": round(1 - errors / length, 4), "exact": round(exact / len(phrases), 4), "twin_errors": twins}


def isolated(recognizer: TFLiteRecognizer, phrases: list[str], inks: dict[str, Ink]) -> dict[str, float]:
    """Each character's ink alone through the app's one-character path."""
    first = {c: recognizer.recognize(inks[c], 1)[0].label for c in {c for p in phrases for c in p}}
    chars = [c for p in phrases for c in p]
    wrong = sum(first[c] != c for c in chars)
    twins = sum(first[c] != c and first[c] in lookalikes_of(c) for c in chars)
    return {"top1": round(1 - wrong / len(chars), 4), "twin_errors": twins}


def stroke_latency(recognizer: TFLiteRecognizer, lm: object, phrase: str, inks: dict[str, Ink],
                   config: DecodeConfig) -> dict[str, float]:
    """Time to update the reading after each stroke of a phrase, with the run cache."""
    ink = compose(phrase, inks, "spaced", np.random.default_rng(0))
    cache, times = RunCache(), []
    for n in range(1, len(ink.strokes) + 1):
        part = replace(ink, strokes=ink.strokes[:n])
        start = time.perf_counter()
        read_ink(part, recognizer, lm, "horizontal", config, cache=cache)
        times.append((time.perf_counter() - start) * 1000)
    return {"strokes": len(times), "p50_ms": round(float(np.percentile(times, 50)), 2),
            "p95_ms": round(float(np.percentile(times, 95)), 2)}


def char_strokes(phrase: str, inks: dict[str, Ink]) -> list[tuple[int, ...]]:
    """The stroke indices of each character in ``compose``'s ink."""
    out, first = [], 0
    for char in phrase:
        count = len(inks[char].strokes)
        out.append(tuple(range(first, first + count)))
        first += count
    return out


def fit_logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Logistic regression weights for ``x`` (first column the bias) and their accuracy on it.

    Newton's method with a little L2 on every weight but the bias.
    """
    w = np.zeros(x.shape[1])
    reg = np.full(len(w), 1e-2)
    reg[0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ w))
        grad = x.T @ (p - y) + reg * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(reg + 1e-9)
        w -= np.linalg.solve(hess, grad)
    p = 1 / (1 + np.exp(-x @ w))
    return w, float(np.mean((p > 0.5) == (y > 0.5)))


def tomoe_inks(labels: set[str]) -> dict[str, Ink]:
    """The first Tomoe ink of each label the model knows."""
    if not TOMOE.exists():
        raise SystemExit(f"{TOMOE} is missing")
    inks: dict[str, Ink] = {}
    for ink in iter_tdic(TOMOE):
        if ink.label in labels and ink.label not in inks:
            inks[ink.label] = ink
    return inks


def fit_segmentation(phrases: list[str], inks: dict[str, Ink], styles: list[str], seed: int) -> int:
    """Fits ``core.decode.SEGMENT_WEIGHTS``: logistic regression of "this run is one character"."""
    config = DecodeConfig()
    rows, truth, reachable, total = [], [], 0, 0
    for style in styles:
        rng = np.random.default_rng(seed)
        layout = "vertical" if style == "vertical" else "horizontal"
        axis = 1 if layout == "vertical" else 0
        for phrase in phrases:
            ink = compose(phrase, inks, style, rng)
            chars = {tuple(sorted(c)) for c in char_strokes(phrase, inks)}
            pieces = ink_pieces(ink, layout)
            size = max(p.box[3 - axis] for p in pieces) - min(p.box[1 - axis] for p in pieces)
            runs = _runs(pieces, axis, size, config)
            found = {run.members for run in runs}
            reachable += chars <= found
            total += 1
            for run in runs:
                rows.append(run.features)
                truth.append(run.members in chars)
    x, y = np.array(rows), np.array(truth, float)
    w, accuracy = fit_logistic(x, y)
    print(f"{len(y)} runs ({int(y.sum())} characters) from {total} phrase inks; the true segmentation is "
          f"among the runs for {reachable / total:.1%}; run classification accuracy {accuracy:.3f}")
    print("SEGMENT_WEIGHTS = (" + ", ".join(f"{v:.3f}" for v in w) + ")")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="japanese")
    parser.add_argument("--split", choices=("tune", "test"), default="test")
    parser.add_argument("--phrases", type=int, default=200, help="phrases per style (default 200)")
    parser.add_argument("--styles", default=",".join(STYLES))
    parser.add_argument("--tune", action="store_true", help="search weights on the tuning split")
    parser.add_argument("--fit-segmentation", action="store_true",
                        help="fit the geometry model's weights on the tuning split")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    recognizer = TFLiteRecognizer(resolve_model(args.model))
    inks = tomoe_inks(set(recognizer.bundle.labels))
    lm = load_lm(bundled_lm_path())
    split = "tune" if args.tune or args.fit_segmentation else args.split
    pool = [p for p in manpage_phrases(set(inks)) if split_of(p) == split]
    phrases = [pool[i] for i in np.random.default_rng(args.seed).permutation(len(pool))[:args.phrases]]
    styles = args.styles.split(",")
    print(f"{len(phrases)} {split} phrases of {np.mean([len(p) for p in phrases]):.1f} characters "
          f"(of {len(pool)}); e.g. {', '.join(phrases[:6])}")
    if args.fit_segmentation:
        return fit_segmentation(phrases, inks, styles, args.seed)
    if args.tune:
        return tune(recognizer, lm, phrases, inks, styles, args.seed)
    config = DecodeConfig()
    report: dict[str, object] = {"split": split, "phrases": len(phrases), "isolated": isolated(recognizer, phrases, inks)}
    print(f"isolated characters (app's one-character path): {report['isolated']}")
    for style in styles:
        with_lm = evaluate(recognizer, lm, phrases, inks, style, config, args.seed)
        without = evaluate(recognizer, None, phrases, inks, style, config, args.seed)
        report[style] = {"lm": with_lm, "no_lm": without}
        print(f"{style:9s} with LM: {with_lm}   without: {without}")
    long = next((p for p in pool if len(p) == 10), phrases[0])
    report["latency"] = stroke_latency(recognizer, lm, long, inks, config)
    print(f"per-stroke update of {long!r}: {report['latency']}")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    return 0


def tune(recognizer: TFLiteRecognizer, lm: object, phrases: list[str], inks: dict[str, Ink], styles: list[str],
         seed: int) -> int:
    """A small grid over the weights that matter most, scored by mean character accuracy."""
    grid = {"lm_weight": (0.2, 0.3, 0.4), "segment_weight": (0.15, 0.3, 0.5), "char_bonus": (2.5, 3.0, 3.5, 4.0)}
    results = []
    caches: dict[tuple[str, int], RunCache] = {}
    for values in itertools.product(*grid.values()):
        config = DecodeConfig(**dict(zip(grid, values)))
        scores = [evaluate(recognizer, lm, phrases, inks, s, config, seed, caches)["char_acc"] for s in styles]
        results.append((float(np.mean(scores)), dict(zip(grid, values)), scores))
        print(f"{results[-1][0]:.4f} {results[-1][1]} {scores}", flush=True)
    best = max(results, key=lambda r: r[0])
    print(f"best: {best}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
