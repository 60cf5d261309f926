"""Recognizing every character of a photo or scan: clean, find characters, recognize each."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import InputError
from core.images import clean_photo, looks_like_model_input
from core.preprocess import normalize_image, preprocess_image
from core.recognizer import Candidate, Recognizer
from core.segment import Box, crop, find_characters


@dataclass(frozen=True)
class PageCharacter:
    """One character found on a page: where it is (in the cleaned picture) and what it may be."""

    box: Box
    candidates: tuple[Candidate, ...]


def recognize_page(recognizer: Recognizer, grey: np.ndarray, top_k: int = 5) -> list[PageCharacter]:
    """Every character of a grey picture, in reading order, with its ranked candidates.

    Raises:
        InputError: if no writing is found.
    """
    if looks_like_model_input(grey):
        x = normalize_image(grey, recognizer.bundle.preprocessing)
        h, w = grey.shape
        return [PageCharacter(Box(0, 0, w, h), tuple(recognizer.rank(recognizer.predict(x[None])[0], top_k)))]
    clean = clean_photo(grey)
    boxes = find_characters(clean)
    if not boxes:
        raise InputError("No characters were found in the picture.")
    spec = recognizer.bundle.preprocessing
    batch = np.stack([preprocess_image(crop(clean, box), spec) for box in boxes])
    probs = recognizer.predict_many(batch)
    return [PageCharacter(box, tuple(recognizer.rank(p, top_k))) for box, p in zip(boxes, probs)]


def page_text(characters: list[PageCharacter]) -> str:
    """The best reading of a page: each character's first candidate."""
    return "".join(c.candidates[0].label for c in characters if c.candidates)
