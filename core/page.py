"""Recognizing every character of a photo or scan: a thin wrapper over ``core.picture``.

``recognize_page`` reads a grey picture with ``core.picture.read_picture`` (the one picture
path: cleaning, layout, pieces, the decoder with the language model) and gives each character
its box in the ORIGINAL picture's pixels and its ranked candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from core.decode import Reading
from core.lm import CharLM, bundled_lm_path, load_lm
from core.picture import PictureLayout, read_picture
from core.recognizer import Candidate, Recognizer
from core.segment import Box


@dataclass(frozen=True)
class PageCharacter:
    """One character found on a page: where it is (original picture pixels) and what it may be."""

    box: Box
    candidates: tuple[Candidate, ...]


@lru_cache(maxsize=1)
def bundled_lm() -> CharLM:
    """The bundled character language model, loaded once."""
    return load_lm(bundled_lm_path())


def read_page(recognizer: Recognizer, grey: np.ndarray, layout: PictureLayout = "auto",
              use_lm: bool = True) -> Reading:
    """``core.picture.read_picture`` with the bundled language model (unless ``use_lm`` is False).

    Raises:
        InputError: if no writing is found or the layout is unknown.
    """
    return read_picture(grey, recognizer, bundled_lm() if use_lm else None, layout)


def recognize_page(recognizer: Recognizer, grey: np.ndarray, top_k: int = 5, layout: PictureLayout = "auto",
                   use_lm: bool = True) -> list[PageCharacter]:
    """Every character of a grey picture, in reading order, with its ranked candidates.

    Raises:
        InputError: if no writing is found or the layout is unknown.
    """
    return page_characters(read_page(recognizer, grey, layout, use_lm), top_k)


def page_characters(reading: Reading, top_k: int = 5) -> list[PageCharacter]:
    """A picture's reading as characters with integer boxes (x, y, w, h) and ``top_k`` candidates."""
    out = []
    for char in reading.chars:
        x0, y0, x1, y1 = char.box
        x, y = int(np.floor(x0)), int(np.floor(y0))
        out.append(PageCharacter(Box(x, y, max(1, int(np.ceil(x1)) - x), max(1, int(np.ceil(y1)) - y)),
                                 char.candidates[:top_k]))
    return out


def page_text(characters: list[PageCharacter]) -> str:
    """The best reading of a page: each character's first candidate."""
    return "".join(c.candidates[0].label for c in characters if c.candidates)
