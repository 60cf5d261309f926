"""Real handwritten digits from MNIST's training split, as the app would read them.

MNIST (Yann LeCun, Corinna Cortes and Christopher J. C. Burges; CC BY-SA 3.0) is read
from the IDX files in ``../shared/data/mnist`` with ``training.datasets.idx.load_mnist``
(its size checks included). Only the training split is used: the test split measures the
model (issue 15's digit goal). A sample is either the picture as the app reads it
(``core.inputs.to_model_input``: a small white-on-black picture is only normalized), or,
for the rest, the digit with its pen width brought to the canvas's (MNIST strokes are
about twice as thick as canvas ink at the coverage model's stroke ratio) before the same
normalization, so that digits look like canvas ink too.

A class's samples take its digits in a seeded order, each digit once before any is taken
again (``digit_order``), so a set of as many samples as MNIST has digits holds them all.
Asking for more (6,000 fives of MNIST's 5,421) takes digits again in a fresh order, and
each one taken again is bent (``REUSE_BEND``: rotation, slant, aspect) so that no two
samples are the same picture; ``training.synth.generate`` records and says how many.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from core.errors import DatasetError
from core.inputs import to_model_input
from core.preprocess import Preprocessing, normalize_image
from training.synth.fonts import GlyphAugment, pen_width, random_linear

#: Where the shared MNIST files are, from the repository root.
DEFAULT_DIR = "../shared/data/mnist"
ATTRIBUTION = "Digits: MNIST (c) Yann LeCun, Corinna Cortes, Christopher J. C. Burges, CC BY-SA 3.0"
#: Side MNIST digits are enlarged to before their pen width is changed.
WORK_SIDE = 112


@lru_cache(maxsize=2)
def digits_by_class(folder: str) -> dict[str, np.ndarray]:
    """MNIST's training digits grouped by label: ``{"0": (N, 28, 28) uint8, ...}``.

    Raises:
        DatasetError: if the folder or its files are missing or malformed.
    """
    from training.datasets.idx import load_mnist

    images, labels = load_mnist(folder, "train")
    return {str(d): images[labels == d] for d in range(10)}


def has_digits(folder: str, char: str) -> bool:
    """True if ``char`` is a digit and the MNIST folder can be read."""
    if char not in "0123456789" or len(char) != 1:
        return False
    try:
        return len(digits_by_class(folder)[char]) > 0
    except DatasetError:
        return False


def digit_count(folder: str, char: str) -> int:
    """How many training digits ``char`` MNIST has (0 for a non-digit or an unreadable folder)."""
    return len(digits_by_class(folder)[char]) if has_digits(folder, char) else 0


def digit_order(available: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """Which of a class's ``available`` digits its ``count`` samples take, in order.

    Every digit is taken once (a seeded permutation) before any is taken again; each
    further pass is a fresh permutation, so position ``k >= available`` is a reuse.

    Raises:
        DatasetError: if ``available`` < 1 while samples are asked for.
    """
    if count and available < 1:
        raise DatasetError(f"MNIST has no digit of this class to take. Received: available={available}")
    passes = -(-count // available) if count else 0
    return np.concatenate([rng.permutation(available) for _ in range(passes)] or [np.zeros(0, np.int64)])[:count]


def bend(image: np.ndarray, rng: np.random.Generator, aug: GlyphAugment) -> np.ndarray:
    """A digit picture turned, slanted and stretched about its centre (same size, black border)."""
    h, w = image.shape
    linear = random_linear(rng, aug)
    centre = np.array([w / 2, h / 2])
    matrix = np.hstack([linear, (centre - linear @ centre)[:, None]])
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)


#: How a digit taken again is bent: as font glyphs are, without their elastic warp.
REUSE_BEND = GlyphAugment(rotation=8.0, shear=0.15, aspect=0.12)


def mnist_sample(folder: str, char: str, rng: np.random.Generator, spec: Preprocessing,
                 canvas_like: bool, index: int | None = None, reused: bool = False) -> np.ndarray:
    """One MNIST training digit of class ``char`` as a model input (size, size, 1) float32.

    Args:
        folder: The MNIST folder.
        char: A digit.
        rng: Picks the digit when ``index`` is None (and the pen width, and the bend).
        spec: The model's preprocessing.
        canvas_like: Bring the strokes to the canvas's pen width first; otherwise the
            picture goes through the app's picture path unchanged.
        index: Which of the class's digits (``digit_order``); None draws one.
        reused: The digit was taken before for this class: bend it (``REUSE_BEND``) first.

    Raises:
        DatasetError: if the folder cannot be read, has no digit ``char``, or ``index`` is
            out of range.
    """
    pool = digits_by_class(folder).get(char)
    if pool is None or not len(pool):
        raise DatasetError(f"MNIST has no training digit {char!r}. Received: {folder}")
    if index is not None and not 0 <= index < len(pool):
        raise DatasetError(f"MNIST has {len(pool)} training digits {char!r}. Received: index={index}")
    image = pool[rng.integers(len(pool)) if index is None else index]
    if reused:
        image = bend(image, rng, REUSE_BEND)
    if not canvas_like:
        return to_model_input(image, spec)
    large = cv2.resize(image, (WORK_SIDE, WORK_SIDE), interpolation=cv2.INTER_CUBIC)
    return normalize_image(pen_width(large, rng, spec, GlyphAugment()), spec)
