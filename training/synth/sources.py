"""Where a class's strokes come from, and how a stroke sample is rendered.

Stroke sources give clean strokes in KanjiVG's 109 box: ``kanjivg`` (kana, kanji, Latin
and some marks), ``hershey`` (Latin, digits and ASCII marks) and ``symbols`` (the project's
templates for marks neither has). ``perturb`` then varies them as hands do, and the ink is
rendered like the canvas's (``core.preprocess.preprocess_ink``) or, for a share of samples,
written on paper with ``training.synth.paper`` (a sampled pen and a scan or photo look) and
read back through the app's picture path (``core.inputs.to_model_input``: cleaning, even
pen width, normalization).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import cv2
import numpy as np

from core.errors import InputError
from core.inputs import to_model_input
from core.ink import Ink
from core.preprocess import Preprocessing, preprocess_ink
from training.synth import hershey, kanjivg, paper, symbols
from training.synth.perturb import BOX, Perturbation, perturb

#: Stroke sources, in the order a class's are listed.
STROKE_SOURCES = ("kanjivg", "hershey", "symbols")
_HAS: dict[str, Callable[[str], bool]] = {"kanjivg": kanjivg.has_strokes, "hershey": hershey.has_glyph,
                                          "symbols": symbols.has_template}
#: Picture styles a share of stroke samples are rendered in, and their weights: every look of
#: ``training.synth.paper`` (ruled paper and a sheet photographed on a desk since session 19: the
#: bundled ``japanese`` 1.4.0 learnt pictures of the first five only).
PICTURE_STYLES = {"clean": 0.2, "uneven": 0.15, "rotated": 0.1, "jpeg": 0.15, "photo": 0.15, "ruled": 0.1,
                  "desk": 0.15}
#: Side of the eroding disk that finds solid ink, as a share of the model input's side
#: (7 pixels at 40: wider than a marker stroke after normalization).
SOLID_SIDE = 0.17
#: How much more solid ink a picture reading may have than the same ink on the canvas.
SOLID_SLACK = 0.02


def stroke_sources(char: str, sources: Sequence[str]) -> tuple[str, ...]:
    """The stroke sources among ``sources`` that draw ``char``.

    A small mark ``symbols`` draws as writers do (``symbols.HAND_MARKS``) comes from it
    alone: KanjiVG's and Hershey's drawings of it become rings and 9s in the model's box.
    """
    if "symbols" in sources and symbols.has_hand_strokes(char):
        return ("symbols",)
    return tuple(s for s in STROKE_SOURCES if s in sources and _HAS[s](char))


def clean_strokes(char: str, source: str, rng: np.random.Generator, kaisho_share: float) -> tuple[np.ndarray, ...]:
    """The unperturbed strokes of ``char`` from one stroke source.

    Args:
        char: The character.
        source: One of ``STROKE_SOURCES`` that draws it.
        rng: Picks a KanjiVG form or a Hershey face (drawn only when there is a choice).
        kaisho_share: Chance of KanjiVG's handwritten (kaisho) form where it has one.
    """
    if source == "kanjivg":
        variants = kanjivg.forms(char)
        variant = variants[-1] if len(variants) > 1 and rng.random() < kaisho_share else None
        return kanjivg.load_strokes(char, variant)
    if source == "hershey":
        faces = hershey.faces_for(char)
        return hershey.load_glyph(char, faces[0] if len(faces) == 1 else faces[rng.integers(len(faces))])
    return symbols.load_template(char)


def stroke_sample(char: str, sources: tuple[str, ...], rng: np.random.Generator, spec: Preprocessing,
                  kaisho_share: float, perturbation: Perturbation, picture_share: float) -> np.ndarray:
    """One perturbed stroke sample of ``char`` as a model input (size, size, 1) float32.

    A random draw picks the source only when there is more than one, and the picture
    rendering only when ``picture_share`` > 0, so a KanjiVG-only set stays what it was.
    """
    source = sources[0] if len(sources) == 1 else sources[rng.integers(len(sources))]
    if source == "symbols" and symbols.has_hand_strokes(char):
        # A writer lifts the pen between a mark's dots: running them together would draw a bar.
        ink = perturb(symbols.hand_strokes(char, rng), rng, replace(perturbation, join=0.0))
    else:
        ink = perturb(clean_strokes(char, source, rng, kaisho_share), rng, perturbation)
    canvas = preprocess_ink(ink, spec)
    if picture_share and rng.random() < picture_share:
        try:
            picture = picture_sample(ink, char, rng, spec)
        except InputError:  # the app's cleaning finds no writing (a faint pencil dot)
            return canvas
        # About half the time today's cleaning (core.images.clean_photo) keeps a patch of
        # shaded paper with the writing, a solid blob the model must not learn as the
        # character: such a reading is dropped for the canvas's ink.
        if solid_share(picture) <= solid_share(canvas) + SOLID_SLACK:
            return picture
    return canvas


def solid_share(sample: np.ndarray) -> float:
    """The share of a model input that is solid ink, thicker than any pen (a blob)."""
    mask = (sample.reshape(sample.shape[0], sample.shape[1]) > 64).astype(np.uint8)
    side = max(3, round(sample.shape[0] * SOLID_SIDE)) | 1
    return float((cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))) > 0).mean())


def picture_sample(ink: Ink, char: str, rng: np.random.Generator, spec: Preprocessing) -> np.ndarray:
    """``ink`` written on paper with a sampled pen and look, read as the app reads a picture."""
    scale = paper.CELL / BOX  # paper lays out ink written in Tomoe's 300-unit cell
    strokes = tuple(np.column_stack([s[:, :2] * scale, s[:, 2:]]) for s in ink.strokes)
    scaled = Ink(strokes, paper.CELL, paper.CELL, label=char)
    style = str(rng.choice(list(PICTURE_STYLES), p=list(PICTURE_STYLES.values())))
    pen = paper.sample_pen(rng)
    picture = paper.write([scaled], "single", "natural", pen, paper.sample_look(style, rng), rng,
                          cell=float(rng.uniform(56.0, 110.0)))
    return to_model_input(picture.image, spec)
