"""Generating a training set: ``python -m training.synth.generate --classes japanese --per-class 40 --size 48 --out DIR``.

Each class gets ``per_class`` samples: perturbed strokes (KanjiVG; with ``--classes
coverage`` also Hershey stroke fonts and the project's mark templates, see
``training.synth.sources``) rendered and normalized by ``core.preprocess`` exactly as the
canvas's ink, or for a share ``picture_share`` written on paper and read back as a scan or
photo; (a share ``font_share``) augmented glyphs of installed Japanese fonts; and for
digits (a share ``mnist_share``) real handwritten MNIST training digits. The output
folder holds:

- ``shards/part-NNNNN.npz``: ``x`` (N, s, s, 1) uint8 and ``y`` label strings, a few
  thousand classes' worth each, written as the workers finish them;
- ``synth.npz``: every shard joined (unless ``merge=False``), the file training reads
  (``TrainConfig(data=".../synth.npz", input_size=S, box=B, stroke_ratio=R)``, the same
  preprocessing the samples were made with);
- ``manifest.json``: the classes, counts, missing classes, sources, seed, preprocessing,
  fonts used and the KanjiVG attribution.

The same arguments give the same files: every class draws from its own generator, seeded
by ``seed`` and the character, whatever the class list, worker count or shard size.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from core.atomic import atomic_write_text
from core.errors import DatasetError
from core.preprocess import Preprocessing
from training.synth import hershey, mnist
from training.synth.fonts import FONT_DIRS, FontFace, GlyphAugment, covers, find_fonts, glyph_sample
from training.synth.perturb import Perturbation
from training.synth.shards import merge_shards, write_shard
from training.synth.sources import stroke_sample, stroke_sources

#: Every source; the bundled model's data used the first two (``DEFAULT_SOURCES``).
SOURCES = ("kanjivg", "fonts", "hershey", "symbols", "mnist")
DEFAULT_SOURCES = ("kanjivg", "fonts")
ATTRIBUTION = "Stroke data: KanjiVG (c) Ulrich Apel and contributors, CC BY-SA 3.0"
#: Credits of the other sources, when used.
ATTRIBUTIONS = {"kanjivg": ATTRIBUTION, "hershey": hershey.ATTRIBUTION, "mnist": mnist.ATTRIBUTION}
#: The arguments a shards folder was made with (``--resume`` continues only the same run).
PLAN_FILE = "plan.json"
#: Brush cursive (sousho) is too far from how people write on a canvas.
EXCLUDED_FONTS = ("Sousyo", "Sosho")


@dataclass(frozen=True)
class SynthOptions:
    """How samples are made, beyond classes, counts and preprocessing.

    Attributes:
        sources: Some of ``SOURCES``: ``"kanjivg"``, ``"hershey"`` and ``"symbols"`` give
            strokes, ``"fonts"`` font glyphs, ``"mnist"`` real digits.
        font_share: Fraction of a class's samples (after MNIST's) drawn from fonts when a
            stroke source has it too.
        kaisho_share: Fraction of KanjiVG samples drawn from its handwritten (kaisho) form
            where KanjiVG has one.
        perturbation: Stroke perturbation strengths.
        glyph: Font glyph augmentation strengths.
        shard_samples: About how many samples go in one shard.
        workers: Processes rendering in parallel.
        font_dirs: Folders searched for fonts.
        picture_share: Fraction of stroke samples written on paper and read as a picture.
        mnist_share: Fraction of a digit's samples taken from MNIST's training split.
        mnist_dir: The MNIST folder (IDX files).
        exclude_fonts: Font family names (parts of) left out, besides ``EXCLUDED_FONTS``
            (to hold a font out for a test set).
    """

    sources: tuple[str, ...] = DEFAULT_SOURCES
    font_share: float = 0.3
    kaisho_share: float = 0.3
    perturbation: Perturbation = field(default_factory=Perturbation)
    glyph: GlyphAugment = field(default_factory=GlyphAugment)
    shard_samples: int = 20000
    workers: int = 2
    font_dirs: tuple[str, ...] = FONT_DIRS
    picture_share: float = 0.0
    mnist_share: float = 0.5
    mnist_dir: str = mnist.DEFAULT_DIR
    exclude_fonts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [s for s in self.sources if s not in SOURCES]
        if not self.sources or unknown:
            raise ValueError(f"sources must be some of {SOURCES}. Received: sources={self.sources!r}")
        shares = (self.font_share, self.kaisho_share, self.picture_share, self.mnist_share)
        if not all(0 <= v <= 1 for v in shares) or self.workers < 1 or self.shard_samples < 1:
            raise ValueError(f"Need font_share, kaisho_share, picture_share and mnist_share in 0..1, workers >= 1 "
                             f"and shard_samples >= 1. Received: font_share={self.font_share}, kaisho_share="
                             f"{self.kaisho_share}, picture_share={self.picture_share}, mnist_share="
                             f"{self.mnist_share}, workers={self.workers}, shard_samples={self.shard_samples}")


@dataclass(frozen=True)
class _Job:
    chars: tuple[str, ...]
    per_class: int
    seed: int
    spec: Preprocessing
    options: SynthOptions
    fonts: tuple[tuple[FontFace, ...], ...]  # per char: the faces covering it


def generate(classes: Sequence[str], per_class: int, spec: Preprocessing, seed: int, out: Path,
             sources: Sequence[str] = DEFAULT_SOURCES, workers: int = 2, merge: bool = True,
             options: SynthOptions | None = None, resume: bool = False) -> Path:
    """Writes a generated dataset to ``out`` (see the module docstring for the layout).

    Args:
        classes: The characters to generate.
        per_class: Samples per class.
        spec: The preprocessing of the model to train; samples are ``spec.size`` squares.
        seed: Seed; the same arguments give the same samples.
        out: Output folder, created if needed.
        sources: Some of ``SOURCES`` (overrides ``options.sources``).
        workers: Processes (overrides ``options.workers``).
        merge: Also join the shards into ``out/synth.npz``.
        options: Further settings; defaults are the tuned ones.
        resume: Keep the shards an interrupted run of the same arguments wrote and make
            only the classes they lack (each class's samples do not depend on the others,
            so the result is the same as an uninterrupted run's).

    Returns:
        ``out/synth.npz`` when merged, else the shards folder.

    Raises:
        DatasetError: if ``per_class`` < 1, no class can be made from the sources, or
            ``"mnist"`` is a source and its folder cannot be read.
        ValueError: if a source is unknown or ``workers`` < 1.
    """
    opts = replace(options or SynthOptions(), sources=tuple(sources), workers=workers)
    if per_class < 1:
        raise DatasetError(f"per_class must be at least 1. Received: per_class={per_class}")
    if "mnist" in opts.sources:
        mnist.digits_by_class(opts.mnist_dir)  # a missing folder is said now, not in a worker
    faces = usable_fonts(opts.font_dirs, opts.exclude_fonts) if "fonts" in opts.sources else ()
    plan = [(c, tuple(f for f in faces if covers(f, c))) for c in dict.fromkeys(classes)]
    usable = [(c, f) for c, f in plan if stroke_sources(c, opts.sources) or f or _has_digits(c, opts)]
    made = {c for c, _ in usable}
    missing = [c for c, _ in plan if c not in made]
    if not usable:
        raise DatasetError(f"None of the {len(plan)} classes can be made from {opts.sources}. "
                           f"Received: {''.join(classes)[:40]!r}")
    shards = _write_shards(usable, per_class, spec, seed, opts, out / "shards", resume)
    _write_manifest(out, usable, missing, per_class, spec, seed, opts)
    return merge_shards(shards, out / "synth.npz") if merge else out / "shards"


def usable_fonts(dirs: Sequence[str] = FONT_DIRS, exclude: Sequence[str] = ()) -> tuple[FontFace, ...]:
    """The installed Japanese faces the generator draws from (brush cursive and ``exclude`` left out)."""
    left_out = (*EXCLUDED_FONTS, *exclude)
    return tuple(f for f in find_fonts(tuple(dirs)) if not any(x in f.family for x in left_out))


def _has_digits(char: str, opts: SynthOptions) -> bool:
    return "mnist" in opts.sources and mnist.has_digits(opts.mnist_dir, char)


def _write_shards(usable: list[tuple[str, tuple[FontFace, ...]]], per_class: int, spec: Preprocessing,
                  seed: int, opts: SynthOptions, folder: Path, resume: bool = False) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    plan = json.dumps({"classes": "".join(c for c, _ in usable), "per_class": per_class, "seed": seed,
                       "spec": spec.to_json(), "options": repr(replace(opts, workers=1))}, sort_keys=True)
    plan_file = folder / PLAN_FILE
    kept: list[Path] = []
    if resume and plan_file.is_file():
        if plan_file.read_text(encoding="utf-8") != plan:
            raise DatasetError(f"The shards in {folder} were made with other arguments: run without --resume "
                               f"to start again.")
        kept = sorted(folder.glob("part-*.npz"))
        done = set()
        for part in kept:
            with np.load(part, allow_pickle=False) as arrays:
                done.update(arrays["y"].tolist())
        usable = [(c, f) for c, f in usable if c not in done]
        if not usable:
            return kept
    else:
        for stale in folder.glob("part-*.npz"):
            stale.unlink()
        atomic_write_text(plan_file, plan)
    # Jobs much smaller than a shard keep every worker busy (a few per worker at least);
    # finished jobs are gathered in order until a shard is full.
    per_job = min(opts.shard_samples, -(-per_class * len(usable) // (8 * opts.workers)))
    step = max(1, per_job // per_class)
    jobs = [_Job(tuple(c for c, _ in usable[i:i + step]), per_class, seed, spec, opts,
                 tuple(f for _, f in usable[i:i + step])) for i in range(0, len(usable), step)]
    if opts.workers == 1:
        return _gather(map(render_job, jobs), folder, opts.shard_samples, kept)
    with mp.get_context("spawn").Pool(opts.workers) as pool:
        return _gather(pool.imap(render_job, jobs), folder, opts.shard_samples, kept)


def _gather(results: Iterator[tuple[np.ndarray, np.ndarray]], folder: Path, shard_samples: int,
            kept: Sequence[Path] = ()) -> list[Path]:
    """Writes whole jobs into shards numbered after the ``kept`` ones (a shard never splits a class)."""
    paths: list[Path] = list(kept)
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []

    def flush() -> None:
        paths.append(folder / f"part-{len(paths):05d}.npz")
        write_shard(paths[-1], np.concatenate(xs), np.concatenate(ys))
        xs.clear()
        ys.clear()

    for x, y in results:
        xs.append(x)
        ys.append(y)
        if sum(len(v) for v in ys) >= shard_samples:
            flush()
    if xs:
        flush()
    return paths


def render_job(job: _Job) -> tuple[np.ndarray, np.ndarray]:
    """Renders one shard's classes: (x (N, s, s, 1) uint8, y (N,) labels)."""
    parts = [render_class(c, job.per_class, job.seed, job.spec, job.options, f)
             for c, f in zip(job.chars, job.fonts)]
    return np.concatenate(parts), np.repeat(np.asarray(job.chars, dtype=str), job.per_class)


def render_class(char: str, count: int, seed: int, spec: Preprocessing, opts: SynthOptions,
                 faces: tuple[FontFace, ...] = ()) -> np.ndarray:
    """``count`` samples of one character as (count, s, s, 1) uint8.

    Args:
        char: The character.
        count: Samples to make.
        seed: Seed, combined with the character's code point.
        spec: The model's preprocessing.
        opts: Sources and strengths.
        faces: Font faces covering ``char`` (used when ``"fonts"`` is a source).

    Samples come in this order: fonts, MNIST digits, strokes (any sample a font fails to
    draw is made from strokes, or another font when there are none). MNIST digits are
    taken each once before any again (``mnist.digit_order``); one taken again is bent.

    Raises:
        DatasetError: if no source can draw ``char``.
    """
    rng = np.random.default_rng([seed, ord(char)])
    strokes = stroke_sources(char, opts.sources)
    faces = faces if "fonts" in opts.sources else ()
    if not strokes and not faces and not _has_digits(char, opts):
        raise DatasetError(f"No source can draw {char!r}. Received sources={opts.sources}")
    from_fonts, from_mnist = _shares(char, count, opts, bool(strokes), bool(faces))
    available = mnist.digit_count(opts.mnist_dir, char) if from_mnist else 0
    order = mnist.digit_order(available, from_mnist, rng)
    out = np.empty((count, spec.size, spec.size, 1), np.uint8)
    for i in range(count):
        sample = _font_sample(char, faces, rng, spec, opts) if i < from_fonts else None
        if from_fonts <= i < from_fonts + from_mnist:
            k = i - from_fonts
            sample = mnist.mnist_sample(opts.mnist_dir, char, rng, spec, canvas_like=bool(rng.random() < 0.5),
                                        index=int(order[k]), reused=k >= available)
        if sample is None:
            sample = stroke_sample(char, strokes, rng, spec, opts.kaisho_share, opts.perturbation,
                                   opts.picture_share) if strokes else _font_retry(char, faces, rng, spec, opts)
        out[i] = np.clip(np.round(sample), 0, 255).astype(np.uint8)
    return out


def _shares(char: str, count: int, opts: SynthOptions, strokes: bool, faces: bool) -> tuple[int, int]:
    """How many of a class's ``count`` samples come from fonts and from MNIST (the rest: strokes)."""
    digits = _has_digits(char, opts)
    from_mnist = (count if not (strokes or faces) else round(count * opts.mnist_share)) if digits else 0
    rest = count - from_mnist
    from_fonts = rest if not strokes else (round(rest * opts.font_share) if faces else 0)
    return from_fonts, from_mnist


def mnist_use(usable: Sequence[tuple[str, tuple[FontFace, ...]]], per_class: int,
              opts: SynthOptions) -> dict[str, dict[str, int]]:
    """Per digit class: MNIST digits ``available``, samples ``taken`` from them and how many
    of those ``reused`` a digit (bent); empty when MNIST is not a source."""
    use = {}
    for char, faces in usable:
        taken = _shares(char, per_class, opts, bool(stroke_sources(char, opts.sources)),
                        bool(faces) and "fonts" in opts.sources)[1]
        if taken:
            available = mnist.digit_count(opts.mnist_dir, char)
            use[char] = {"available": available, "taken": taken, "reused": max(0, taken - available)}
    return use


def _font_sample(char: str, faces: tuple[FontFace, ...], rng: np.random.Generator, spec: Preprocessing,
                 opts: SynthOptions) -> np.ndarray | None:
    # Pick a font package first, then a face in it, so that 100 faces of one package do not
    # outweigh the one face of another.
    groups = sorted({f.group for f in faces})
    group = groups[rng.integers(len(groups))]
    members = [f for f in faces if f.group == group]
    return glyph_sample(members[rng.integers(len(members))], char, rng, spec, opts.glyph)


def _font_retry(char: str, faces: tuple[FontFace, ...], rng: np.random.Generator, spec: Preprocessing,
                opts: SynthOptions) -> np.ndarray:
    for _ in range(20):
        sample = _font_sample(char, faces, rng, spec, opts)
        if sample is not None:
            return sample
    raise DatasetError(f"No font draws a visible glyph for {char!r}. Received {len(faces)} faces covering it")


def _write_manifest(out: Path, usable: list[tuple[str, tuple[FontFace, ...]]], missing: list[str],
                    per_class: int, spec: Preprocessing, seed: int, opts: SynthOptions) -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        kanjivg_version = version("kanjivg")
    except PackageNotFoundError:
        kanjivg_version = None
    fonts = sorted({f"{f.family} ({f.group})" for _, faces in usable for f in faces})
    credits = [ATTRIBUTIONS[s] for s in opts.sources if s in ATTRIBUTIONS]
    manifest = {"classes": "".join(c for c, _ in usable), "missing": "".join(missing), "per_class": per_class,
                "samples": per_class * len(usable), "seed": seed, "preprocessing": spec.to_json(),
                "options": asdict(opts), "kanjivg": kanjivg_version, "fonts": fonts,
                "mnist": mnist_use(usable, per_class, opts),
                "attribution": "; ".join(credits) or ATTRIBUTION}
    atomic_write_text(out / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))


def class_set(name: str) -> list[str]:
    """Classes by name: ``coverage``, ``latin``, ``japanese``, ``kana``, ``digits``, or the characters of a string.

    ``latin`` is the coverage model's Latin letters and marks (A-Z a-z, then
    ``core.charsets.PUNCTUATION``), in the coverage order: the set a stage-2 boost of
    them is made from (docs/COVERAGE_MODEL.md).
    """
    from core.charsets import (DIGITS, HIRAGANA_ROW, KATAKANA_ROW, LATIN, PUNCTUATION, coverage_classes,
                               japanese_classes, jis_row)

    named = {"japanese": lambda: list(japanese_classes()), "digits": lambda: list(DIGITS),
             "coverage": lambda: list(coverage_classes()),
             "latin": lambda: [c for c in coverage_classes() if c in LATIN or c in PUNCTUATION],
             "kana": lambda: list(jis_row(HIRAGANA_ROW) + jis_row(KATAKANA_ROW)) + ["ー"]}
    return named[name]() if name in named else list(dict.fromkeys(name))


#: What ``--classes coverage`` (and its part ``latin``) uses unless told otherwise: every
#: source, and a share of pictures.
COVERAGE_SOURCES = SOURCES
COVERAGE_PICTURE_SHARE = 0.1
COVERAGE_SETS = ("coverage", "latin")


def main(argv: list[str] | None = None) -> int:
    """The command line; prints what was written and how fast."""
    parser = argparse.ArgumentParser(description="Generate handwriting-like training data (strokes, fonts, digits).")
    parser.add_argument("--classes", default="japanese",
                        help="coverage (issue 15's 6,636), latin (its Latin letters and marks), japanese, kana, "
                             "digits, or a string of characters")
    parser.add_argument("--per-class", type=int, default=40)
    parser.add_argument("--size", type=int, default=48, help="side of the model input")
    parser.add_argument("--box", type=int, default=0, help="side of the ink's box (default 5/7 of --size)")
    parser.add_argument("--stroke-ratio", type=float, default=0.1)
    parser.add_argument("--sources", default=None,
                        help=f"comma-separated, of {', '.join(SOURCES)} (default kanjivg,fonts; coverage, latin: all)")
    parser.add_argument("--font-share", type=float, default=0.3)
    parser.add_argument("--picture-share", type=float, default=None,
                        help="share of stroke samples rendered as scans/photos (default 0; coverage, latin: 0.1)")
    parser.add_argument("--mnist-share", type=float, default=None,
                        help="share of a digit's samples from MNIST (default 0.5; needs mnist in --sources)")
    parser.add_argument("--mnist-dir", default=mnist.DEFAULT_DIR)
    parser.add_argument("--font-dirs", default=",".join(FONT_DIRS), help="comma-separated font folders")
    parser.add_argument("--exclude-fonts", default="", help="comma-separated font family names to leave out")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-merge", action="store_true", help="leave the shards, skip synth.npz")
    parser.add_argument("--resume", action="store_true",
                        help="keep the shards an interrupted run of the same arguments wrote; make the rest")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    coverage = args.classes in COVERAGE_SETS
    sources = args.sources or ",".join(COVERAGE_SOURCES if coverage else DEFAULT_SOURCES)
    if args.mnist_share is not None and "mnist" not in _names(str(sources)):
        parser.error(f"--mnist-share takes digits from MNIST only when mnist is one of --sources "
                     f"(e.g. --sources mnist). Received: --sources {sources}")
    picture_share = args.picture_share if args.picture_share is not None else \
        (COVERAGE_PICTURE_SHARE if coverage else 0.0)
    start = time.perf_counter()
    try:
        spec = Preprocessing(size=args.size, box=args.box or max(8, round(args.size * 20 / 28)),
                             stroke_ratio=args.stroke_ratio)
        options = SynthOptions(font_share=args.font_share, picture_share=picture_share,
                               mnist_share=SynthOptions.mnist_share if args.mnist_share is None else args.mnist_share,
                               mnist_dir=args.mnist_dir,
                               font_dirs=_names(args.font_dirs), exclude_fonts=_names(args.exclude_fonts))
        path = generate(class_set(args.classes), args.per_class, spec, args.seed, Path(args.out),
                        _names(str(sources)), args.workers, not args.no_merge, options, args.resume)
    except (DatasetError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    manifest = json.loads((Path(args.out) / "manifest.json").read_text(encoding="utf-8"))
    seconds = time.perf_counter() - start
    print(f"wrote {path}: {manifest['samples']} samples of {len(manifest['classes'])} classes in {seconds:.0f} s "
          f"({manifest['samples'] / seconds:.0f} samples/s); missing: {manifest['missing'] or 'none'}")
    for char, use in manifest.get("mnist", {}).items():
        if use["reused"]:
            print(f"MNIST has {use['available']} training digits {char!r}: {use['reused']} of the "
                  f"{use['taken']} samples taken from it reuse a digit, bent (rotation, slant, aspect)")
    return 0


def _names(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


if __name__ == "__main__":
    sys.exit(main())
