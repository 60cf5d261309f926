"""The picture path of ``core.picture`` as a ``bench_pictures`` reader (``--reader reader_picture:reader``)."""

from __future__ import annotations

import numpy as np

from bench_pictures import ReadResult
from core.errors import MojiyomiError
from core.lm import bundled_lm_path, load_lm
from core.picture import read_picture
from core.recognizer import Recognizer


class PictureReader:
    """``core.picture.read_picture`` with the bundled language model."""

    name = "picture"

    def __init__(self, recognizer: Recognizer) -> None:
        self.recognizer = recognizer
        self.lm = load_lm(bundled_lm_path())

    def __call__(self, grey: np.ndarray, layout: str) -> ReadResult:
        try:
            reading = read_picture(grey, self.recognizer, self.lm, layout)  # type: ignore[arg-type]
        except MojiyomiError as exc:
            return ReadResult("", (), str(exc))
        boxes = tuple((round(c.box[0]), round(c.box[1]), round(c.box[2] - c.box[0]), round(c.box[3] - c.box[1]))
                      for c in reading.chars)
        return ReadResult(reading.text.replace("\n", ""), boxes)


def reader(recognizer: Recognizer) -> PictureReader:
    """The factory ``--reader`` names."""
    return PictureReader(recognizer)
