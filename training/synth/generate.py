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

One class's samples are made by ``training.synth.samples``. The same arguments give the
same files: every class draws from its own generator, seeded by ``seed`` and the
character, whatever the class list, worker count or shard size.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from core.atomic import atomic_write_text
from core.errors import DatasetError
from core.preprocess import Preprocessing
from training.synth import hershey, mnist
from training.synth.fonts import FONT_DIRS, FontFace, covers, find_fonts
from training.synth.samples import (DEFAULT_SOURCES, SOURCES, SynthOptions, has_mnist_digits, mnist_use,
                                    render_class)
from training.synth.shards import merge_shards, write_shard
from training.synth.sources import stroke_sources

__all__ = ["DEFAULT_SOURCES", "SOURCES", "SynthOptions", "class_set", "generate", "main", "usable_fonts"]

ATTRIBUTION = "Stroke data: KanjiVG (c) Ulrich Apel and contributors, CC BY-SA 3.0"
#: Credits of the other sources, when used.
ATTRIBUTIONS = {"kanjivg": ATTRIBUTION, "hershey": hershey.ATTRIBUTION, "mnist": mnist.ATTRIBUTION}
#: The arguments a shards folder was made with (``--resume`` continues only the same run).
PLAN_FILE = "plan.json"
#: Brush cursive (sousho) is too far from how people write on a canvas.
EXCLUDED_FONTS = ("Sousyo", "Sosho")


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
    usable = [(c, f) for c, f in plan if stroke_sources(c, opts.sources) or f or has_mnist_digits(c, opts)]
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
    """Classes by name: ``coverage``, ``coverage-japanese``, ``latin``, ``japanese``, ``kana``, ``digits``,
    or the characters of a string.

    ``latin`` is the coverage model's Latin letters and marks (A-Z a-z, then
    ``core.charsets.PUNCTUATION``), in the coverage order: the set a stage-2 boost of
    them is made from (docs/COVERAGE_MODEL.md). ``coverage-japanese`` is the rest but the
    digits: its kanji, hiragana and katakana (``core.charclass.char_kind``: ー, 々, 〆, 〇
    and ・ included), in the coverage order: the classes the picture and cut-out sets are drawn for.
    """
    from core.charsets import (DIGITS, HIRAGANA_ROW, KATAKANA_ROW, LATIN, PUNCTUATION, coverage_classes,
                               japanese_classes, jis_row)
    from core.charclass import char_kind

    named = {"japanese": lambda: list(japanese_classes()), "digits": lambda: list(DIGITS),
             "coverage": lambda: list(coverage_classes()),
             "coverage-japanese": lambda: [c for c in coverage_classes()
                                           if char_kind(c) in ("kanji", "hiragana", "katakana")],
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
