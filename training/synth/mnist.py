"""Real handwritten digits from MNIST's training split, as the app would read them.

MNIST (Yann LeCun, Corinna Cortes and Christopher J. C. Burges; CC BY-SA 3.0) is read
from the IDX files in ``../shared/data/mnist`` with ``training.datasets.idx.load_mnist``
(its size checks included). Only the training split is used: the test split measures the
model (issue 15's digit goal). A sample is either the picture as the app reads it
(``core.inputs.to_model_input``: a small white-on-black picture is only normalized), or,
for the rest, the digit with its pen width brought to the canvas's (MNIST strokes are
about twice as thick as canvas ink at the coverage model's stroke ratio) before the same
normalization, so that digits look like canvas ink too.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from core.errors import DatasetError
from core.inputs import to_model_input
from core.preprocess import Preprocessing, normalize_image
from training.synth.fonts import GlyphAugment, pen_width

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


def mnist_sample(folder: str, char: str, rng: np.random.Generator, spec: Preprocessing,
                 canvas_like: bool) -> np.ndarray:
    """One MNIST training digit of class ``char`` as a model input (size, size, 1) float32.

    Args:
        folder: The MNIST folder.
        char: A digit.
        rng: Picks the digit (and the pen width).
        spec: The model's preprocessing.
        canvas_like: Bring the strokes to the canvas's pen width first; otherwise the
            picture goes through the app's picture path unchanged.

    Raises:
        DatasetError: if the folder cannot be read or has no digit ``char``.
    """
    pool = digits_by_class(folder).get(char)
    if pool is None or not len(pool):
        raise DatasetError(f"MNIST has no training digit {char!r}. Received: {folder}")
    image = pool[rng.integers(len(pool))]
    if not canvas_like:
        return to_model_input(image, spec)
    large = cv2.resize(image, (WORK_SIDE, WORK_SIDE), interpolation=cv2.INTER_CUBIC)
    return normalize_image(pen_width(large, rng, spec, GlyphAugment()), spec)
