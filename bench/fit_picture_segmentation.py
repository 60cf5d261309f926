"""Fits geometry weights for the picture decoder (``DecodeConfig.segment_weights``) on the TUNING
half of ``bench_pictures``: logistic regression of "this run of pieces is one character", as
``bench_words.py --fit-segmentation`` fits the ink's. Pictures are read with the ink's weights
(``core.decode.SEGMENT_WEIGHTS``, which ``core.picture.PICTURE_CONFIG`` keeps): weights fitted
on the pictures' own runs read the tuning half worse (session 24: 95.30 -> 95.14% at the same
weight, truth taken from each line's best true path; the README's picture section).

A run counts as one character when its box, mapped back to the picture, overlaps one true
character's box at IoU >= 0.6. Also printed: how often every character of a line has such a run
(the segmentation's ceiling: the decoder cannot read a character no run holds).

``--purity`` measures instead where touching lines lose characters (styles without a camera:
clean, uneven, jpeg, whose pictures keep the strokes' pixels). Each ink pixel is owned by the
character whose stroke (drawn 1.4 pens wide) covers it; each piece goes to the character owning
most of its ink. Per spacing: pieces holding another character's ink (> 10% of theirs), that
foreign ink's share, and top-1 without the language model of the characters cut out three ways:
the decoder's pieces grouped by their owners (``grouped``), every ink pixel a character owns
(``owned``, where strokes overlap both characters keep the ink), and the decoder's own reading
(``decoded``, character accuracy with the language model) beside the grouped pieces decoded with
the language model (``forced``). When ``owned`` reads far better than ``grouped``, the pieces
mix characters (the cuts); when ``grouped`` is near ``owned``, the recognizer is what misreads.

Usage: python bench/fit_picture_segmentation.py [--count 100] [--styles clean,...] [--seed 2] [--purity] [--model M]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.bundle import resolve_model  # noqa: E402
from core.binarize import model_input  # noqa: E402
from core.decode import DecodeConfig, Piece, _runs  # noqa: E402
from core.errors import MojiyomiError  # noqa: E402
from core.lm import bundled_lm_path, load_lm  # noqa: E402
from core.picture import PICTURE_CONFIG, decode_picture, segment_picture  # noqa: E402
from core.recognizer import Recognizer, TFLiteRecognizer  # noqa: E402
from training.synth import paper  # noqa: E402
from training.synth.cutouts import original_pixels, stroke_covers  # noqa: E402

from bench_pictures import Sample, _iou, make_samples  # noqa: E402
from bench_words import edit_distance, fit_logistic, manpage_phrases, split_of, tomoe_inks  # noqa: E402

#: Styles whose pictures keep the laid-out strokes' pixels (no turn, no perspective).
FLAT_STYLES = ("clean", "uneven", "jpeg")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--styles", default=",".join(paper.STYLES))
    parser.add_argument("--seed", type=int, default=2, help="not the benchmark's seed 1, so its lines stay unseen")
    parser.add_argument("--purity", action="store_true", help="where touching lines lose characters (see above)")
    parser.add_argument("--model", default="japanese", help="a bundle folder or an installed model's name")
    args = parser.parse_args()
    recognizer = TFLiteRecognizer(resolve_model(args.model))
    inks = tomoe_inks(set(recognizer.bundle.labels))
    pool = [p for p in manpage_phrases(set(inks)) if split_of(p) == "tune" and len(p) >= 3]
    phrases = [pool[i] for i in np.random.default_rng(args.seed).permutation(len(pool))[:args.count]]
    if args.purity:
        styles = [s for s in args.styles.split(",") if s in FLAT_STYLES]
        samples = [line for style in styles for line in make_samples(style, phrases, phrases[0], inks, args.count,
                                                                      args.seed)[0]]
        for spacing, figures in purity(samples, recognizer).items():
            print(spacing, figures)
        return 0
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
    print("segment_weights = (" + ", ".join(f"{v:.3f}" for v in w) + ")")
    return 0


def purity(samples: list[Sample], recognizer: Recognizer) -> dict[str, dict[str, float]]:
    """Per spacing: how pure the pieces are, and how the characters read cut out three ways (module doc)."""
    lm = load_lm(bundled_lm_path())
    spec = recognizer.bundle.preprocessing
    counts: dict[str, Counter[str]] = {}
    for sample in samples:
        if sample.placed is None:
            continue
        try:
            segmented = segment_picture(sample.picture.image, sample.layout)  # type: ignore[arg-type]
        except MojiyomiError:
            continue
        count = counts.setdefault(sample.spacing, Counter())
        covers = stroke_covers(sample.placed)
        owner = np.where(covers.sum(axis=0) == 1, covers.argmax(axis=0), -1)
        text = sample.picture.text
        grouped, owned, truth, lines = [], [], [], []
        for line in segmented.lines:
            ys, xs = np.nonzero(line.labels)
            ids = line.labels[ys, xs]
            where = original_pixels(segmented, xs, ys, owner.shape)
            owners = owner[where]
            groups: dict[int, list[Piece]] = {}
            for piece in line.pieces:
                mine = owners[np.isin(ids, piece.members)]
                votes = Counter(mine[mine >= 0].tolist())
                top, most = votes.most_common(1)[0] if votes else (-1, 0)
                count["pieces"] += 1
                count["impure"] += most < 0.9 * sum(votes.values())
                count["foreign"] += sum(votes.values()) - most
                count["ink"] += sum(votes.values())
                groups.setdefault(top, []).append(piece)
            for char, pieces in groups.items():
                if char < 0:
                    continue
                members = tuple(sorted(m for p in pieces for m in p.members))
                grouped.append(segmented.model_input(line, members, spec))
                cover = covers[char][where] > 0
                canvas = np.zeros(segmented.ink.shape, np.uint8)
                canvas[ys[cover], xs[cover]] = segmented.ink[ys[cover], xs[cover]]
                owned.append(model_input(canvas, spec))
                truth.append(text[char])
            joined = tuple(_joined(pieces) for char, pieces in groups.items() if char >= 0)
            if joined:
                lines.append(replace(line, pieces=joined))
        for name, batch in (("grouped", grouped), ("owned", owned)):
            if batch:
                labels = [recognizer.rank(p, 1)[0].label for p in recognizer.predict_many(np.stack(batch))]
                count[name] += sum(a == b for a, b in zip(labels, truth))
        count["lines"] += 1
        count["chars"] += len(text)
        count["found"] += len(truth)
        count["decoded"] += len(text) - edit_distance(text, decode_picture(segmented, recognizer, lm).text.replace("\n", ""))
        forced = replace(segmented, lines=tuple(lines))
        config = replace(PICTURE_CONFIG, max_run=1)
        try:
            read = decode_picture(forced, recognizer, lm, config).text.replace("\n", "")
        except MojiyomiError:
            read = ""
        count["forced"] += len(text) - edit_distance(text, read)
    return {spacing: {"lines": c["lines"],
                      "impure_pieces": round(c["impure"] / max(c["pieces"], 1), 3),
                      "foreign_ink": round(c["foreign"] / max(c["ink"], 1), 3),
                      "grouped": round(c["grouped"] / max(c["found"], 1), 3),
                      "owned": round(c["owned"] / max(c["found"], 1), 3),
                      "decoded": round(c["decoded"] / max(c["chars"], 1), 3),
                      "forced": round(c["forced"] / max(c["chars"], 1), 3)} for spacing, c in counts.items()}


def _joined(pieces: list[Piece]) -> Piece:
    boxes = np.array([p.box for p in pieces])
    return Piece(tuple(sorted(m for p in pieces for m in p.members)),
                 (float(boxes[:, 0].min()), float(boxes[:, 1].min()), float(boxes[:, 2].max()), float(boxes[:, 3].max())))


if __name__ == "__main__":
    raise SystemExit(main())
