"""Builds the stroke-order file the app animates: ``python resources/strokes/build.py``.

Needs the ``synth`` extra (``pip install -e ".[synth]"``: the ``kanjivg`` package and
``svg.path``); the app only reads the file it writes, ``kanjivg-strokes.npz``, through
``core.strokeorder``. Characters: every label of the bundled models
(``resources/models/*/labels.txt``) and every class of ``core.charsets.coverage_classes()``,
where KanjiVG draws them (its plain form: the one its stroke order is given for).

Each stroke is sampled at even arc length (``training.synth.kanjivg``, ``--step`` units of
KanjiVG's 109 box apart), quantized to a 0-255 grid over the box and stored as differences
from the previous point modulo 256 (the first point of a stroke from 0, 0), which compresses
to about a quarter of the absolute points. KanjiVG's stroke-number positions are kept too.

The file is an ``.npz`` (``numpy.savez_compressed``) of:

- ``metadata``: UTF-8 JSON (format, version, source, licence, grid, step),
- ``codes``: (M,) uint32 code points, sorted,
- ``char_strokes``: (M + 1,) uint32 offsets of each character's strokes,
- ``stroke_points``: (S + 1,) uint32 offsets of each stroke's points,
- ``deltas``: (P, 2) uint8 point differences modulo 256,
- ``numbers``: (S, 2) uint8 where KanjiVG writes each stroke's number (its text's baseline start).

KanjiVG is (c) Ulrich Apel and contributors, CC BY-SA 3.0; the file is an adapted work of it and
carries the same licence (docs/DATA_SOURCES.md).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import re
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from core.charsets import coverage_classes  # noqa: E402
from core.errors import DatasetError  # noqa: E402
from core.strokeorder import FORMAT, FORMAT_VERSION, GRID, LICENCE, bundled_path  # noqa: E402
from training.synth import kanjivg  # noqa: E402

#: Distance between stored points, in units of KanjiVG's 109 box (about 2% of a character).
DEFAULT_STEP = 2.0
_TEXT = "{http://www.w3.org/2000/svg}text"
_MATRIX = re.compile(r"matrix\(\s*1\s+0\s+0\s+1\s+([-\d.]+)\s+([-\d.]+)\s*\)")


def wanted_characters(models: Path = REPO / "resources" / "models") -> list[str]:
    """The bundled models' labels and the coverage classes, one character each, in code-point order."""
    chars = set(coverage_classes())
    for labels in sorted(models.glob("*/labels.txt")):
        chars.update(line.strip() for line in labels.read_text(encoding="utf-8").splitlines())
    return sorted((c for c in chars if len(c) == 1), key=ord)


def quantize(points: np.ndarray) -> np.ndarray:
    """Points in KanjiVG's box as (N, 2) uint8 on a ``GRID`` grid over the box (clipped to it)."""
    return np.clip(np.round(points / kanjivg.BOX * GRID), 0, GRID).astype(np.uint8)


def encode(stroke: np.ndarray) -> np.ndarray:
    """One stroke's quantized points as differences modulo 256 (the first from 0, 0)."""
    values = stroke.astype(np.int16)
    return (np.diff(values, axis=0, prepend=np.zeros((1, 2), np.int16)) % 256).astype(np.uint8)


def number_positions(char: str, strokes: tuple[np.ndarray, ...]) -> np.ndarray:
    """Where KanjiVG writes each stroke's number; a stroke without one gets its start point."""
    root = ElementTree.parse(kanjivg.svg_path(char)).getroot()
    found: dict[int, tuple[float, float]] = {}
    for text in root.iter(_TEXT):
        match = _MATRIX.search(text.get("transform", ""))
        if match and (text.text or "").strip().isdigit():
            found[int((text.text or "").strip())] = (float(match.group(1)), float(match.group(2)))
    return np.array([found.get(i + 1, tuple(stroke[0])) for i, stroke in enumerate(strokes)], dtype=np.float64)


def build(chars: list[str], step: float) -> tuple[dict[str, Any], list[str]]:
    """The file's arrays for ``chars``, and the characters KanjiVG does not draw."""
    codes, char_strokes, stroke_points, deltas, numbers, missing = [], [0], [0], [], [], []
    for char in chars:
        if not kanjivg.has_strokes(char):
            missing.append(char)
            continue
        try:
            strokes = kanjivg.load_strokes(char, None, step)
        except DatasetError as exc:
            print(f"skipped {char!r}: {exc}", file=sys.stderr)
            missing.append(char)
            continue
        codes.append(ord(char))
        for stroke in strokes:
            deltas.append(encode(quantize(stroke)))
            stroke_points.append(stroke_points[-1] + len(stroke))
        numbers.append(quantize(number_positions(char, strokes)))
        char_strokes.append(char_strokes[-1] + len(strokes))
    arrays = {"codes": np.array(codes, np.uint32), "char_strokes": np.array(char_strokes, np.uint32),
              "stroke_points": np.array(stroke_points, np.uint32), "deltas": np.concatenate(deltas),
              "numbers": np.concatenate(numbers)}
    return arrays, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=bundled_path(), help="the file to write (default: the bundled one)")
    parser.add_argument("--step", type=float, default=DEFAULT_STEP,
                        help=f"distance between points in KanjiVG's 109 box (default {DEFAULT_STEP})")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    chars = wanted_characters()
    arrays, missing = build(chars, args.step)
    version = importlib.metadata.version("kanjivg")
    metadata = {"format": FORMAT, "version": FORMAT_VERSION, "source": f"KanjiVG {version}",
                "licence": LICENCE, "grid": GRID, "box": kanjivg.BOX, "step": args.step,
                "command": "python resources/strokes/build.py" + (f" --step {args.step}" if args.step != DEFAULT_STEP
                                                                  else "")}
    arrays["metadata"] = np.frombuffer(json.dumps(metadata, ensure_ascii=False).encode("utf-8"), np.uint8)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    print(f"{len(arrays['codes'])} characters, {len(arrays['numbers'])} strokes, {len(arrays['deltas'])} points "
          f"-> {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) in {time.perf_counter() - started:.0f} s; "
          f"not in KanjiVG: {len(missing)} ({''.join(missing[:40])}{'…' if len(missing) > 40 else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
