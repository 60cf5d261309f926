"""One class's samples from the generator's sources: ``SynthOptions`` and ``render_class``.

``training.synth.generate`` splits the classes into jobs, runs them in worker processes
and writes the shards and the manifest; this module makes the samples of one class from
perturbed strokes (``training.synth.sources``), font glyphs (``training.synth.fonts``) and
MNIST digits (``training.synth.mnist``), in the model's preprocessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from core.errors import DatasetError
from core.preprocess import Preprocessing
from training.synth import mnist
from training.synth.fonts import FONT_DIRS, FontFace, GlyphAugment, glyph_sample
from training.synth.perturb import Perturbation
from training.synth.sources import stroke_sample, stroke_sources

#: Every source; the bundled model's data used the first two (``DEFAULT_SOURCES``).
SOURCES = ("kanjivg", "fonts", "hershey", "symbols", "mnist")
DEFAULT_SOURCES = ("kanjivg", "fonts")


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
        exclude_fonts: Font family names (parts of) left out, besides
            ``training.synth.generate.EXCLUDED_FONTS`` (to hold a font out for a test set).
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
    if not strokes and not faces and not has_mnist_digits(char, opts):
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
    digits = has_mnist_digits(char, opts)
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


def has_mnist_digits(char: str, opts: SynthOptions) -> bool:
    """True if ``char`` is a digit, MNIST is one of the sources and its folder can be read."""
    return "mnist" in opts.sources and mnist.has_digits(opts.mnist_dir, char)
