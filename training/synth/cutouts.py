"""Characters as the app cuts them out of touching and tight lines written on paper:
``python -m training.synth.cutouts --classes-file FILE --per-class 5 --size 40 --box 32 --stroke-ratio 0.07 --out DIR``.

A picture of touching characters reads worse than the same characters given their own
pixels (``bench/fit_picture_segmentation.py --purity``): the cuts between them give or take
bits of ink, and the model never learnt such inputs. Each sample here is made as the app
makes one: a short line (3-6 characters) of perturbed KanjiVG strokes is laid out with tight
or touching spacing and written on paper (``training.synth.paper``: a sampled pen, one of the
benchmark's looks), then read by the app's picture path (``core.picture.segment_picture``:
cleaning, layout, pieces). The pieces are grouped by the character owning most of their ink,
as the purity benchmark groups them; each character's group becomes the model input the
decoder would make of that run (``Segmented.model_input``), labelled with the character. A
character whose pieces do not match its true box (IoU below ``MATCH_IOU``), that no piece is
given to, or whose cut-out is a blob, is skipped (counted in the manifest's ``cutouts``).

Every class gets its samples: each round shuffles the classes still short and cuts that order
into lines, so a line holds classes of the list side by side and each of its characters gives
a sample; rounds go on (``tries`` beyond ``per_class``) until no class is short.

Who owns an ink pixel: on flat looks (no turn, no perspective) the character whose strokes,
drawn 1.4 pens wide, cover it; on turned and photographed looks the character whose true box
alone holds it. ``purity`` (flat looks only) is the share of a sample's ink its character owns.

The output is the generator's format (``synth.npz``, ``manifest.json`` with preprocessing,
classes, counts, the command and the credits), which ``training.synth.mix --take`` reads.
Each line draws from its own generator seeded by ``seed``, the round and the line, so the same
arguments (the class list included) give the same files for any ``--workers``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import shlex
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
import cv2
import numpy as np

from core.atomic import atomic_write_text
from core.contacts import members_mask
from core.errors import DatasetError, InputError
from core.ink import Ink
from core.picture import Segmented, segment_picture
from core.preprocess import Preprocessing, preprocess_ink
from core.safeio import read_text
from training.synth import kanjivg, paper
from training.synth.generate import ATTRIBUTION, class_set
from training.synth.perturb import BOX, Perturbation, perturb
from training.synth.shards import write_shard
from training.synth.sources import PICTURE_STYLES, SOLID_SLACK, clean_strokes, solid_share

#: Spacings a line is written with, and their weights (natural lines cut cleanly already).
SPACING_WEIGHTS = {"touching": 0.6, "tight": 0.4}
#: A group of pieces stands for its character when its box and the true box overlap this much.
MATCH_IOU = 0.5
#: What one line gives: per character its cut-out or None, and counts.
_Made = tuple[list[np.ndarray | None], Counter[str]]
#: Pieces of ink no character owns (grain, specks) are given to nobody.
NOBODY = -1


@dataclass(frozen=True)
class CutoutOptions:
    """How lines are written.

    Attributes:
        length: Fewest and most characters in a line.
        vertical_share: Share of lines written as columns (right to left).
        cell: Smallest and largest character cell in pixels.
        kaisho_share: Chance of KanjiVG's handwritten (kaisho) form where it has one.
        perturbation: Stroke perturbation strengths.
        tries: Rounds written beyond ``per_class`` for classes still short (module docstring).
        workers: Processes making classes in parallel.
    """

    length: tuple[int, int] = (3, 6)
    vertical_share: float = 0.3
    cell: tuple[float, float] = (40.0, 100.0)
    kaisho_share: float = 0.3
    perturbation: Perturbation = field(default_factory=Perturbation)
    tries: int = 4
    workers: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.length[0] <= self.length[1] or self.tries < 1 or self.workers < 1 \
                or not 0 <= self.vertical_share <= 1 or not 8 <= self.cell[0] <= self.cell[1]:
            raise ValueError(f"Need 1 <= length[0] <= length[1], tries >= 1, workers >= 1, vertical_share in 0..1 "
                             f"and 8 <= cell[0] <= cell[1]. Received: length={self.length}, tries={self.tries}, "
                             f"workers={self.workers}, vertical_share={self.vertical_share}, cell={self.cell}")


@dataclass(frozen=True)
class Line:
    """A written line: its strokes laid out, the picture, and how it was made."""

    inks: tuple[Ink, ...]
    placed: paper.Placed
    picture: paper.Picture
    layout: paper.Layout
    style: str
    spacing: str
    pen: paper.Pen


@dataclass(frozen=True)
class Cutout:
    """One character as the app cuts it out: its model input (s, s, 1) float32 and, on flat
    looks, the share of its ink the character owns (else None)."""

    sample: np.ndarray
    purity: float | None


def write_line(chars: Sequence[str], rng: np.random.Generator, opts: CutoutOptions,
               spacings: Mapping[str, float] | None = None) -> Line:
    """``chars`` (each drawn by KanjiVG) written in one line or column on paper, with a spacing
    drawn from ``spacings`` (``SPACING_WEIGHTS``, tight or touching, by default)."""
    inks = [_ink(c, rng, opts) for c in chars]
    layout: paper.Layout = "vertical" if rng.random() < opts.vertical_share else "horizontal"
    weights = SPACING_WEIGHTS if spacings is None else spacings
    spacing = str(rng.choice(list(weights), p=list(weights.values())))
    style = str(rng.choice(list(PICTURE_STYLES), p=list(PICTURE_STYLES.values())))
    pen = paper.sample_pen(rng)
    look = paper.sample_look(style, rng)
    placed = paper.layout_lines([inks], layout, spacing, rng, rng.uniform(*opts.cell),  # type: ignore[arg-type]
                                pen.width, margin=rng.uniform(0.4, 1.5))
    return Line(tuple(inks), placed, paper.render(placed, pen, look, rng), layout, style, spacing, pen)


def _ink(char: str, rng: np.random.Generator, opts: CutoutOptions) -> Ink:
    ink = perturb(clean_strokes(char, "kanjivg", rng, opts.kaisho_share), rng, opts.perturbation)
    scale = paper.CELL / BOX  # paper lays out ink written in Tomoe's 300-unit cell
    return Ink(tuple(np.column_stack([s[:, :2] * scale, s[:, 2:]]) for s in ink.strokes), paper.CELL, paper.CELL,
               label=char)


def cut_line(line: Line, spec: Preprocessing) -> list[Cutout | None]:
    """Per character of ``line``, its cut-out (None where the app's pieces do not match it).

    Raises:
        InputError: if the app finds no writing in the picture.
    """
    segmented = segment_picture(line.picture.image, line.layout)
    covers = stroke_covers(line.placed) if _flat(line) else None
    owner = _owners(line, covers)
    best: dict[int, tuple[int, Cutout | None]] = {}  # per character: its group's ink, the cut-out
    for piece_line in segmented.lines:
        ys, xs = np.nonzero(piece_line.labels)
        where = original_pixels(segmented, xs, ys, owner.shape)
        ids, owners = piece_line.labels[ys, xs], owner[where]
        groups: dict[int, list[int]] = {}
        for piece in piece_line.pieces:
            mine = owners[members_mask(ids, piece.members)]
            votes = Counter(mine[mine != NOBODY].tolist())
            if votes:
                groups.setdefault(votes.most_common(1)[0][0], []).extend(piece.members)
        for char, members in groups.items():
            own = members_mask(ids, members)
            if char in best and best[char][0] >= own.sum():
                continue  # the larger share of a character split across two lines stands for it
            box = segmented.to_original(_union(piece_line.boxes, members))
            true = line.picture.boxes[char]
            cutout = None
            if _iou(box, (true[0], true[1], true[0] + true[2], true[1] + true[3])) >= MATCH_IOU:
                purity = None if covers is None else float(covers[char][where][own].mean())
                cutout = Cutout(segmented.model_input(piece_line, tuple(sorted(members)), spec), purity)
            best[char] = (int(own.sum()), cutout)
    return [best[i][1] if i in best else None for i in range(len(line.placed.chars))]


def _flat(line: Line) -> bool:
    """True if the picture keeps the laid-out strokes' pixels (the styles without a turn or perspective)."""
    return line.style not in ("rotated", "photo", "desk")


def stroke_covers(placed: paper.Placed) -> np.ndarray:
    """Per character, the pixels its strokes cover, drawn 1.4 pens wide (and 2 pixels for the edge)."""
    covers = np.zeros((len(placed.chars), placed.height, placed.width), np.uint8)
    width = max(1, round(1.4 * placed.pen_width * placed.cell + 2))
    for cover, char in zip(covers, placed.chars):
        for stroke in char:
            cv2.polylines(cover, [np.round(stroke * 16).astype(np.int32).reshape(-1, 1, 2)], False, 1, width,
                          cv2.LINE_8, 4)
    return covers


def _owners(line: Line, covers: np.ndarray | None) -> np.ndarray:
    """Each picture pixel's owner: the one character covering it, or whose true box alone holds it."""
    if covers is not None:
        return np.where(covers.sum(axis=0) == 1, covers.argmax(axis=0), NOBODY)
    h, w = line.picture.image.shape[:2]
    inside = np.zeros((len(line.picture.boxes), h, w), bool)
    for box, plane in zip(line.picture.boxes, inside):
        plane[box[1]:box[1] + box[3], box[0]:box[0] + box[2]] = True
    return np.where(inside.sum(axis=0) == 1, inside.argmax(axis=0), NOBODY)


def original_pixels(segmented: Segmented, xs: np.ndarray, ys: np.ndarray, shape: tuple[int, ...]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Working pixels' places in the original picture (row and column indices)."""
    m = segmented.inverse
    x = np.clip(np.round(m[0, 0] * xs + m[0, 1] * ys + m[0, 2]).astype(np.int64), 0, shape[1] - 1)
    y = np.clip(np.round(m[1, 0] * xs + m[1, 1] * ys + m[1, 2]).astype(np.int64), 0, shape[0] - 1)
    return y, x


def _union(boxes: dict[int, tuple[float, float, float, float]], members: Sequence[int]
           ) -> tuple[float, float, float, float]:
    return (min(boxes[m][0] for m in members), min(boxes[m][1] for m in members),
            max(boxes[m][2] for m in members), max(boxes[m][3] for m in members))


def _iou(a: Sequence[float], b: Sequence[float]) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union if union > 0 else 0.0


@dataclass(frozen=True)
class _LineJob:
    chars: tuple[str, ...]
    keep: tuple[bool, ...]  # whose cut-outs are wanted (not the neighbours padding a short line)
    seed: tuple[int, int, int]  # the run's seed, the round, the line
    spec: Preprocessing
    opts: CutoutOptions


def line_cutouts(job: _LineJob) -> tuple[list[np.ndarray | None], Counter[str]]:
    """The wanted characters' cut-outs of one line (uint8 (s, s, 1); None where there is none) and
    counts: ``lines``, ``chars`` (wanted), ``skipped`` (no group of pieces matches the character), ``unread`` (the app
    found no writing), ``solid`` (the cleaning kept a patch of shaded paper with the ink, a blob
    the model must not learn as the character: ``sources.solid_share`` beyond the same ink's on
    the canvas, as ``sources.stroke_sample`` drops), ``purity`` (sum, x 1e6) and ``pure_n``."""
    counts: Counter[str] = Counter(lines=1, chars=sum(job.keep))
    line = write_line(job.chars, np.random.default_rng(job.seed), job.opts)
    try:
        found = cut_line(line, job.spec)
    except InputError:
        counts["unread"] += sum(job.keep)
        return [None] * len(job.chars), counts
    out: list[np.ndarray | None] = []
    for cutout, ink, keep in zip(found, line.inks, job.keep):
        if keep and cutout is None:
            counts["skipped"] += 1
        elif keep and cutout is not None and solid_share(cutout.sample) > \
                solid_share(preprocess_ink(ink, job.spec)) + SOLID_SLACK:
            counts["solid"] += 1
            cutout = None
        if not keep or cutout is None:
            out.append(None)
            continue
        out.append(np.clip(np.round(cutout.sample), 0, 255).astype(np.uint8))
        if cutout.purity is not None:
            counts["purity"] += round(cutout.purity * 1e6)
            counts["pure_n"] += 1
    return out, counts


def make_cutouts(classes: Sequence[str], per_class: int, seed: int, spec: Preprocessing,
                 opts: CutoutOptions) -> tuple[np.ndarray, np.ndarray, Counter[str]]:
    """``per_class`` cut-outs of each class (fewer where ``opts.tries`` extra rounds could not
    make them): x (N, s, s, 1) uint8 and labels y, in class order, and the counts of ``line_cutouts``.

    Each round writes every class still short once, in a shuffled order cut into lines of
    ``opts.length`` characters (a line shorter than that is padded with neighbours from
    ``classes``, not kept), so every character of a line gives a sample. A line draws from its
    own generator (the seed, the round, the line), whatever ``opts.workers``.
    """
    need = dict.fromkeys(classes, per_class)
    made: dict[str, list[np.ndarray]] = {c: [] for c in need}
    total: Counter[str] = Counter()
    with _mapper(opts.workers) as run:
        for round_ in range(per_class + opts.tries):
            short = [c for c, n in need.items() if n > 0]
            if not short:
                break
            jobs = _round_jobs(short, list(need), (seed, round_), spec, opts)
            for job, (samples, counts) in zip(jobs, run(line_cutouts, jobs)):
                total.update(counts)
                for char, sample in zip(job.chars, samples):
                    if sample is not None and need[char] > 0:
                        made[char].append(sample)
                        need[char] -= 1
    total["short"] = sum(need.values())
    kept = [(c, x) for c, xs in made.items() for x in xs]
    x = np.stack([x for _, x in kept]) if kept else np.zeros((0, spec.size, spec.size, 1), np.uint8)
    return x, np.asarray([c for c, _ in kept], dtype=str), total


def _round_jobs(short: Sequence[str], pool: Sequence[str], seed: tuple[int, int], spec: Preprocessing,
                opts: CutoutOptions) -> list[_LineJob]:
    rng = np.random.default_rng(seed)
    order = [short[int(i)] for i in rng.permutation(len(short))]
    jobs: list[_LineJob] = []
    at = 0
    while at < len(order):
        chars = order[at:at + int(rng.integers(opts.length[0], opts.length[1] + 1))]
        at += len(chars)
        keep = [True] * len(chars)
        while len(chars) < opts.length[0]:
            where = int(rng.integers(len(chars) + 1))
            chars.insert(where, pool[int(rng.integers(len(pool)))])
            keep.insert(where, False)
        jobs.append(_LineJob(tuple(chars), tuple(keep), (*seed, len(jobs)), spec, opts))
    return jobs


@contextmanager
def _mapper(workers: int) -> Iterator[Callable[[Callable[[_LineJob], _Made], list[_LineJob]], Iterable[_Made]]]:
    """``map`` in this process, or ``imap`` over a pool of ``workers`` processes (in order either way)."""
    if workers == 1:
        yield lambda f, jobs: map(f, jobs)
        return
    with mp.get_context("spawn").Pool(workers) as pool:
        yield lambda f, jobs: pool.imap(f, jobs, chunksize=8)


def generate_cutouts(classes: Sequence[str], per_class: int, spec: Preprocessing, seed: int, out: Path,
                     opts: CutoutOptions | None = None, command: str = "") -> Path:
    """Writes ``out/synth.npz`` and ``out/manifest.json`` (module docstring); returns the NPZ.

    Raises:
        DatasetError: if ``per_class`` < 1, KanjiVG draws none of the classes or no cut-out was made.
    """
    opts = opts or CutoutOptions()
    if per_class < 1:
        raise DatasetError(f"per_class must be at least 1. Received: per_class={per_class}")
    wanted = list(dict.fromkeys(classes))
    usable = tuple(c for c in wanted if kanjivg.has_strokes(c))
    if not usable:
        raise DatasetError(f"KanjiVG draws none of the {len(wanted)} classes. Received: {''.join(wanted)[:40]!r}")
    x, y, total = make_cutouts(usable, per_class, seed, spec, opts)
    if not len(y):
        raise DatasetError(f"No cut-out matched its character in any line written. Received: {total['lines']} lines")
    out.mkdir(parents=True, exist_ok=True)
    path = out / "synth.npz"
    write_shard(path, x, y)
    _write_manifest(out, usable, [c for c in wanted if c not in usable], Counter(y.tolist()), per_class, spec, seed,
                    opts, total, command)
    return path


def _write_manifest(out: Path, usable: Sequence[str], missing: Sequence[str], counts: Counter[str],
                    per_class: int, spec: Preprocessing, seed: int, opts: CutoutOptions, total: Counter[str],
                    command: str) -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        kanjivg_version = version("kanjivg")
    except PackageNotFoundError:
        kanjivg_version = None
    written = total["lines"]
    report = {"lines": written, "skipped": total["skipped"], "unread": total["unread"], "solid": total["solid"],
              "chars": total["chars"], "short": total["short"],
              "skipped_share": round((total["skipped"] + total["unread"] + total["solid"]) / max(total["chars"], 1), 4),
              "purity_mean": round(total["purity"] / 1e6 / max(total["pure_n"], 1), 4),
              "purity_samples": total["pure_n"]}
    manifest = {"classes": "".join(usable), "missing": "".join(missing), "per_class": per_class,
                "samples": sum(counts.values()), "counts_below_per_class": {c: counts[c] for c in usable
                                                                           if counts[c] < per_class},
                "seed": seed, "preprocessing": spec.to_json(), "sources": ["kanjivg"], "kind": "cutouts",
                "options": asdict(opts), "cutouts": report, "kanjivg": kanjivg_version, "fonts": [],
                "command": command, "attribution": ATTRIBUTION}
    atomic_write_text(out / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))


def main(argv: list[str] | None = None) -> int:
    """The command line; prints what was written, how fast, and how many targets were skipped."""
    parser = argparse.ArgumentParser(description="Characters as the app cuts them out of touching lines on paper.")
    parser.add_argument("--classes", default="kana", help="as training.synth.generate's --classes")
    parser.add_argument("--classes-file", default=None, help="a UTF-8 file whose characters are the classes")
    parser.add_argument("--per-class", type=int, default=5)
    parser.add_argument("--size", type=int, default=48, help="side of the model input")
    parser.add_argument("--box", type=int, default=0, help="side of the ink's box (default 5/7 of --size)")
    parser.add_argument("--stroke-ratio", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        classes = class_set(args.classes) if args.classes_file is None else \
            [c for c in dict.fromkeys(read_text(args.classes_file, what="class list", error=DatasetError))
             if not c.isspace()]
        spec = Preprocessing(size=args.size, box=args.box or max(8, round(args.size * 20 / 28)),
                             stroke_ratio=args.stroke_ratio)
        command = shlex.join(["python", "-m", "training.synth.cutouts", *(sys.argv[1:] if argv is None else argv)])
        path = generate_cutouts(classes, args.per_class, spec, args.seed, Path(args.out),
                                CutoutOptions(workers=args.workers), command)
    except (DatasetError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    manifest = json.loads((Path(args.out) / "manifest.json").read_text(encoding="utf-8"))
    seconds = time.perf_counter() - start
    report = manifest["cutouts"]
    print(f"wrote {path}: {manifest['samples']} samples of {len(manifest['classes'])} classes in {seconds:.0f} s "
          f"({1000 * seconds / max(manifest['samples'], 1):.1f} ms a sample); missing: {manifest['missing'] or 'none'}")
    print(f"{report['lines']} lines written, {report['chars']} characters cut out: skipped {report['skipped']} "
          f"(no pieces matching it), unread {report['unread']}, a blob {report['solid']}, samples given up "
          f"{report['short']}; purity {report['purity_mean']:.3f} over {report['purity_samples']} flat-look samples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
