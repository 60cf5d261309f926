"""What can be recognized (ink, pictures, files) and how each becomes a model input."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Union

import numpy as np

from core.binarize import picture_input
from core.errors import InputError
from core.images import looks_like_model_input, read_image
from core.ink import Ink, load_ink
from core.preprocess import Preprocessing, normalize_image, preprocess_ink

RecognizerInput = Union[Ink, np.ndarray]

#: File suffixes read as ink JSON rather than as pictures.
INK_SUFFIXES = (".json", ".ink")


def to_model_input(item: RecognizerInput, spec: Preprocessing) -> np.ndarray:
    """One model input (size, size, 1) float32 for an ink or a grey picture.

    Small white-on-black pictures (MNIST-like) are only normalized; any other picture is one
    character read through the picture path (``core.binarize.picture_input``: ink found by
    local contrast, broad strokes thinned), as ``core.picture`` reads a character of a line.

    Raises:
        InputError: if there is nothing to recognize.
    """
    if isinstance(item, Ink):
        return preprocess_ink(item, spec)
    image = np.asarray(item)
    if image.ndim != 2:
        raise InputError(f"Expected a grey picture. Received: shape={image.shape}")
    if looks_like_model_input(image):
        return normalize_image(image, spec)
    return picture_input(image, spec)


def load_input(path: str | os.PathLike[str]) -> RecognizerInput:
    """Reads an ink JSON file or a picture file, chosen by suffix (and content for JSON).

    Raises:
        InputError: if the file cannot be read as either.
    """
    path = Path(path)
    if path.suffix.lower() in INK_SUFFIXES:
        return load_ink(path).validate()
    return read_image(path)
