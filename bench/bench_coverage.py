"""Every goal of issue 15 (the coverage model) for one bundle, each figure next to its goal.

Measured through the app's path where the issue says so (``Recognizer.recognize`` with the
LiteRT interpreter, as the window calls it):

- Tomoe (real ink, one writer): top-1 and top-10 of ``Recognizer.recognize`` on canvas ink
  (``bench_japanese.score``; its call times are the recognizer-call p50/p95 goal).
- MNIST test digits as pictures through ``Recognizer.recognize``: top-1 counting a same-shape
  twin (0/O/〇, 1/l/I...) as right, and top-1 with the app's "Digits" candidate filter
  (``core.charclass.label_filter("digits")``, the ``allowed`` the window passes).
- The synthetic test set (held-out font and seeds) split by the class order of
  ``core.charsets.coverage_classes()``: digits, kana (with ー 々), level-1 kanji, level-2
  kanji, extra kanji, Latin, marks; top-1 as the app ranks the candidates (same-shape twins
  brought together) and counting twins (``core.charsets.lookalikes_of``); the gap of level-2
  and extra kanji to level-1.
- The TFLite file's size; with ``--startup N`` the app's start-up (``bench_startup``) and
  its peak memory with the model loaded.

A class the model lacks is "not in model" (its samples are counted, never scored), so the
bundled 3,146-class model can be measured against the same goals.

Usage: python bench/bench_coverage.py --model PATH_OR_NAME [--every N] [--parts tomoe,mnist,synth]
       [--startup 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from core.bundle import resolve_model  # noqa: E402
from core.charclass import char_kind, label_filter  # noqa: E402
from core.charsets import coverage_classes, japanese_classes, level1_kanji, level2_kanji, lookalikes_of  # noqa: E402
from core.recognizer import Recognizer, TFLiteRecognizer  # noqa: E402

from bench_japanese import score as score_inks  # noqa: E402  (the script's folder is on sys.path)
from bench_synth import TOMOE  # noqa: E402

MNIST = REPO.parent / "shared" / "data" / "mnist"
SYNTH = REPO / "data" / "coverage40-test" / "synth.npz"
#: Groups of the synthetic test, in ``coverage_classes()`` order.
GROUPS = ("digits", "kana", "level1", "level2", "extra", "latin", "marks")
PARTS = ("tomoe", "mnist", "synth", "size")


@dataclass(frozen=True)
class Goal:
    """One figure of the issue next to its goal.

    Attributes:
        name: What is measured.
        value: The figure (None when nothing could be measured: "not in model", data missing).
        limit: The goal's bound (None: a figure shown for information, with no goal of its own).
        at_least: True when the figure must be at least ``limit``, False for at most.
        unit: ``"%"`` (value a share, shown x100), ``"points"``, ``"ms"``, ``"MB"`` or ``"s"``.
        note: Why there is no value, or what the figure counts.
    """

    name: str
    value: float | None
    limit: float | None
    at_least: bool
    unit: str
    note: str = ""

    @property
    def verdict(self) -> str:
        """``pass``, ``FAIL``, ``n/a`` (nothing measured) or ``info`` (no goal)."""
        if self.value is None:
            return "n/a"
        if self.limit is None:
            return "info"
        ok = self.value >= self.limit if self.at_least else self.value <= self.limit
        return "pass" if ok else "FAIL"

    def line(self) -> str:
        """The goal as one aligned line."""
        scale = 100 if self.unit == "%" else 1
        shown = "-" if self.value is None else f"{self.value * scale:.2f}"
        bound = "" if self.limit is None else \
            f"{'>=' if self.at_least else '<='} {self.limit * scale:g}{self.unit if self.unit == '%' else ''}"
        unit = "" if self.unit == "%" else f" {self.unit}"
        note = f"  ({self.note})" if self.note else ""
        return f"{self.name:44s} {shown:>8s}{unit:7s} goal {bound:12s} {self.verdict}{note}"


def class_group(label: str) -> str:
    """The synthetic test's group of a class (``"other"`` for a label outside the coverage classes)."""
    if label in _group_of():
        return _group_of()[label]
    return "other"


def _group_of() -> dict[str, str]:
    if not _GROUP_CACHE:
        japanese, level1, level2 = japanese_classes(), set(level1_kanji()), set(level2_kanji())
        for label in coverage_classes():
            if label in level1:
                group = "level1"
            elif label in level2:
                group = "level2"
            elif label in japanese:
                group = "digits" if char_kind(label) == "digit" else "kana"
            elif char_kind(label) == "kanji" and label not in "〆〇ヶ":
                group = "extra"
            else:
                group = "latin" if char_kind(label) == "latin" else "marks"
            _GROUP_CACHE[label] = group
    return _GROUP_CACHE


_GROUP_CACHE: dict[str, str] = {}


def score_pictures(recognizer: Recognizer, probs: np.ndarray, labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per sample: whether the app's first candidate is the label, and whether it is a twin of it."""
    first = [recognizer.rank(row, 1)[0].label for row in probs]
    exact = np.asarray([f == label for f, label in zip(first, labels)], bool)
    twins = np.asarray([f in lookalikes_of(label) for f, label in zip(first, labels)], bool)
    return exact, twins


def measure_synth(recognizer: Recognizer, x: np.ndarray, labels: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Top-1 (exact and counting twins) of each group; a group the model lacks is "not in model".

    Args:
        recognizer: The bundle's recognizer.
        x: Model inputs (N, s, s, 1), already at the bundle's size.
        labels: The true label of each input.

    Returns:
        For each group of ``GROUPS`` (and ``other`` if any): ``n`` scored, ``not_in_model``
        samples, ``top1`` and ``top1_twins`` (None when nothing was scored).
    """
    known = recognizer.label_index
    scored = np.asarray([label in known for label in labels], bool)
    probs = recognizer.predict_many(x[scored].astype(np.float32))
    kept = [label for label, ok in zip(labels, scored) if ok]
    exact, twins = score_pictures(recognizer, probs, kept)
    groups_all = np.asarray([class_group(label) for label in labels])
    groups_kept = groups_all[scored]
    out: dict[str, dict[str, Any]] = {}
    for group in (*GROUPS, "other"):
        mask = groups_kept == group
        missing = int(((groups_all == group) & ~scored).sum())
        if group == "other" and not mask.any() and not missing:
            continue
        n = int(mask.sum())
        out[group] = {"n": n, "not_in_model": missing,
                      "top1": round(float(exact[mask].mean()), 4) if n else None,
                      "top1_twins": round(float(twins[mask].mean()), 4) if n else None}
    return out


def measure_mnist(recognizer: Recognizer, images: np.ndarray, digits: np.ndarray) -> dict[str, Any]:
    """MNIST pictures through ``recognize``: top-1, top-1 counting twins, top-1 with the Digits filter."""
    only_digits = label_filter("digits")
    hits = np.zeros((len(images), 3), bool)
    for i, (image, digit) in enumerate(zip(images, digits)):
        label = str(int(digit))
        first = recognizer.recognize(image, 10)[0].label
        filtered = recognizer.recognize(image, 10, allowed=only_digits)
        hits[i] = [first == label, first in lookalikes_of(label), bool(filtered) and filtered[0].label == label]
    rates = hits.mean(axis=0) if len(images) else np.zeros(3)
    return {"n": len(images), "top1": round(float(rates[0]), 4), "top1_twins": round(float(rates[1]), 4),
            "top1_digits_filter": round(float(rates[2]), 4)}


def measure_tomoe(recognizer: Recognizer, path: Path, every: int) -> dict[str, Any]:
    """Tomoe's characters the model knows, through ``recognize`` (``bench_japanese.score``)."""
    from training.datasets.tomoe import iter_tdic

    inks = list(iter_tdic(path))
    known = [ink for ink in inks if ink.label in recognizer.label_index]
    picked = known[::every]
    if not picked:
        return {"n": 0, "not_in_model": len(inks) - len(known)}
    recognizer.recognize(picked[0], 10)  # warm-up
    return {"n": len(picked), "not_in_model": len(inks) - len(known), **score_inks(recognizer, picked)}  # type: ignore[arg-type]


def measure_startup(model: str, runs: int) -> dict[str, float]:
    """Median seconds to the window ready with the model (``bench_startup.time_marks``) and the app's peak memory.

    The memory is the largest resident size of the app processes (``RUSAGE_CHILDREN``): call
    this before this process has waited for any bigger child.
    """
    import statistics

    from bench_startup import time_marks

    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MOJIYOMI_BENCH_READY": "1", "MOJIYOMI_DATA_DIR": data}
        app = [sys.executable, "-m", "mojiyomi", "app", "--model", model]
        time_marks(app, env)  # the file cache warmed once
        ready = [time_marks(app, env)["ready"] for _ in range(runs)]
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"ready_s": round(statistics.median(ready), 3), "memory_mb": round(peak_kb / 1024, 1)}


def goals(results: dict[str, Any]) -> list[Goal]:
    """The issue's goals with the measured figures (parts not measured are left out)."""
    out: list[Goal] = []
    tomoe = results.get("tomoe")
    if tomoe is not None:
        n = tomoe["n"]
        note = f"{n} characters, {tomoe['not_in_model']} not in model"
        out += [Goal("Tomoe top-1 (recognize)", tomoe.get("top1"), 0.985, True, "%", note),
                Goal("Tomoe top-10 (recognize)", tomoe.get("top10"), 0.999, True, "%"),
                Goal("recognizer call p50 (Tomoe ink)", tomoe.get("ms_p50"), None, False, "ms"),
                Goal("recognizer call p95 (Tomoe ink)", tomoe.get("ms_p95"), 3.0, False, "ms")]
    mnist = results.get("mnist")
    if mnist is not None:
        out += [Goal("MNIST test top-1 counting twins", mnist["top1_twins"], 0.993, True, "%",
                     f"{mnist['n']} digits; exact {mnist['top1']:.2%}"),
                Goal("MNIST test top-1 with the Digits filter", mnist["top1_digits_filter"], 0.995, True, "%")]
    synth = results.get("synth")
    if synth is not None:
        out += _synth_goals(synth)
    if "tflite_mb" in results:
        out.append(Goal("TFLite file", results["tflite_mb"], 12.0, False, "MB"))
    startup = results.get("startup")
    if startup is not None:
        out += [Goal("app start-up, window ready with the model", startup["ready_s"], 1.5, False, "s"),
                Goal("app peak memory with the model", startup["memory_mb"], 400.0, False, "MB")]
    return out


def _synth_goals(synth: dict[str, dict[str, Any]]) -> list[Goal]:
    def missing(group: str) -> str:
        g = synth[group]
        return "not in model" if not g["n"] else f"{g['n']} samples" + (
            f", {g['not_in_model']} not in model" if g["not_in_model"] else "")

    level1 = synth["level1"]["top1"]
    out = []
    for group in GROUPS:
        g = synth[group]
        out.append(Goal(f"synthetic {group} top-1", g["top1"], None, True, "%", missing(group)))
    for group in ("level2", "extra"):
        top1 = synth[group]["top1"]
        gap = None if top1 is None or level1 is None else round((level1 - top1) * 100, 2)
        out.append(Goal(f"synthetic {group} gap to level-1 kanji", gap, 1.5, False, "points", missing(group)))
    for group in ("latin", "marks"):
        out.append(Goal(f"synthetic {group} top-1 counting twins", synth[group]["top1_twins"], 0.97, True, "%",
                        missing(group)))
    return out


def run(args: argparse.Namespace, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Measures the asked parts of one bundle; returns the figures and the goals."""
    bundle = resolve_model(args.model)
    results: dict[str, Any] = {"model": str(bundle.path), "name": bundle.name, "classes": len(bundle.labels),
                               "every": args.every}
    made = bundle.metadata.get("training")
    if isinstance(made, dict) and isinstance(made.get("checkpoint"), dict):  # training.checkpoint_bundle's
        results["checkpoint"] = made["checkpoint"]
    parts = args.parts.split(",")
    if args.startup:  # first: the peak memory of children must be the app's
        results["startup"] = measure_startup(str(bundle.path), args.startup)
    recognizer = TFLiteRecognizer(bundle)
    if "size" in parts:
        results["tflite_mb"] = round(bundle.tflite_path.stat().st_size / 2**20, 2)
    for part, source in (("tomoe", args.tomoe), ("mnist", args.mnist), ("synth", args.synth)):
        if part not in parts:
            continue
        if not Path(source).exists():
            log(f"{part}: {source} is missing; skipped")
            continue
        log(f"measuring {part}...")
        results[part] = _measure(part, recognizer, Path(source), args.every)
    results["goals"] = [{**asdict(g), "verdict": g.verdict} for g in goals(results)]
    return results


def _measure(part: str, recognizer: Recognizer, source: Path, every: int) -> dict[str, Any]:
    if part == "tomoe":
        return measure_tomoe(recognizer, source, every)
    if part == "mnist":
        from training.datasets.idx import load_mnist

        images, digits = load_mnist(source, "test")
        return measure_mnist(recognizer, images[::every], digits[::every])
    from training.datasets.npz import load_npz
    from training.datasets.readers import normalize_uint8

    data = load_npz(source)
    picks = range(0, len(data.y), every)
    spec = recognizer.bundle.preprocessing
    x = data.x[..., 0] if data.x.ndim == 4 else data.x
    pictures: list[np.ndarray] = []
    labels: list[str] = []
    for i in picks:  # as `mojiyomi evaluate` reads an NPZ: inputs of the model's size are taken as they are
        image = x[i] if x[i].shape == (spec.size, spec.size) else normalize_uint8(x[i], spec)
        if image is not None:
            pictures.append(image)
            labels.append(data.label(i))
    batch = np.stack(pictures)[..., None] if pictures else np.zeros((0, spec.size, spec.size, 1), np.uint8)
    return measure_synth(recognizer, batch, labels)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="japanese", help="a bundle folder or an installed model's name")
    parser.add_argument("--tomoe", default=str(TOMOE))
    parser.add_argument("--mnist", default=str(MNIST), help="the MNIST IDX folder (its test split is scored)")
    parser.add_argument("--synth", default=str(SYNTH), help="the synthetic test set (an NPZ)")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {','.join(PARTS)}")
    parser.add_argument("--every", type=int, default=1, help="score every N-th sample of each set (quick runs)")
    parser.add_argument("--startup", type=int, default=0, metavar="RUNS",
                        help="also time the app's start-up RUNS times and take its peak memory")
    parser.add_argument("--json", action="store_true", help="print one JSON object only")
    args = parser.parse_args(argv)
    unknown = set(args.parts.split(",")) - set(PARTS)
    if unknown or args.every < 1:
        parser.error(f"--parts takes {','.join(PARTS)} and --every a positive integer. "
                     f"Received: parts={args.parts!r}, every={args.every}")
    results = run(args, (lambda text: None) if args.json else print)
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return 0
    print(f"{results['name']} ({results['classes']} classes) at {results['model']}"
          + (f"; every {args.every}th sample" if args.every > 1 else ""))
    if "checkpoint" in results:
        print(f"unfinished checkpoint: {json.dumps(results['checkpoint'], ensure_ascii=False)}")
    for goal in goals(results):
        print(goal.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
