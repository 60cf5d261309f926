"""Where touching characters meet in a line of a picture: a small network marks that ink.

Characters written touching share ink: a stroke of one runs into a stroke of the next, often
tucked under it. The seams of ``core.picture_cut`` bend around strokes but, on their own, cut
where the ink is thinnest rather than where the characters meet, and a piece then holds ink of
both characters, which no choice of the decoder undoes. A fully convolutional network
(``training/contacts.py``) reads the line's ink in a frame of a fixed size across the line
(``line_frame``) and gives each pixel the probability that two characters meet there; the
seams are placed and run through that ink (``core.picture_cut._seams``).

The network is ``resources/contacts/contacts.tflite`` (LiteRT, any frame length), with the
commands that made it, its scores and its data's credit in ``metadata.json``; the picture path
reads lines without it when the file is absent.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from core.nativelog import native_stderr_to_log

log = logging.getLogger(__name__)

#: The line's size across it, in the network's frame (pixels).
FRAME = 32
#: Room on each side of the line across it, in line sizes (the frame is 44 pixels across:
#: the network halves it twice).
MARGIN = 0.1875
#: The frame's extent across the line.
FRAME_ACROSS = int(round(FRAME * (1 + 2 * MARGIN)))
#: The network halves the frame twice: frames are padded to a multiple of this.
STEP = 4
#: The bundled network.
MODEL_PATH = Path(__file__).resolve().parent.parent / "resources" / "contacts" / "contacts.tflite"


@dataclass(frozen=True)
class Frame:
    """A line's ink in the network's frame: ``FRAME_ACROSS`` pixels across, the line running along
    its columns (a column of a picture is turned).

    Attributes:
        patch: The ink (float32, 0..1, white on black), shape (``FRAME_ACROSS``, length).
        box: The window of working pixels it shows (x0, y0, x1, y1; may reach past the picture).
        along: 0 for a horizontal line, 1 for a column.
    """

    patch: np.ndarray
    box: tuple[int, int, int, int]
    along: int


def line_frame(ink: np.ndarray, box: tuple[float, float, float, float], size: float, along: int) -> Frame:
    """The part of ``ink`` (white on black, uint8) around a line's ``box`` in the network's frame.

    The window is the line's extent along it and ``1 + 2 * MARGIN`` line sizes across it, centred
    on the line, scaled so that ``size`` becomes ``FRAME`` pixels.
    """
    size = max(float(size), 1.0)
    half = size * (0.5 + MARGIN)
    if along == 0:
        centre = (box[1] + box[3]) / 2
        shown = (int(np.floor(box[0])), int(np.floor(centre - half)), int(np.ceil(box[2])), int(np.ceil(centre + half)))
    else:
        centre = (box[0] + box[2]) / 2
        shown = (int(np.floor(centre - half)), int(np.floor(box[1])), int(np.ceil(centre + half)), int(np.ceil(box[3])))
    long = max(1, shown[2] - shown[0]) if along == 0 else max(1, shown[3] - shown[1])
    patch = in_frame(ink, shown, along, max(1, int(round(long * FRAME / size))))
    return Frame(patch.astype(np.float32) / 255.0, shown, along)


def in_frame(values: np.ndarray, box: tuple[int, int, int, int], along: int, length: int) -> np.ndarray:
    """Values over working pixels in ``box`` (``window``) resampled into a frame ``length`` pixels
    along the line and ``FRAME_ACROSS`` across it (a column turned), as ``line_frame`` puts the ink."""
    crop = window(values, box)
    crop = crop if along == 0 else crop.T
    return cv2.resize(crop, (length, FRAME_ACROSS), interpolation=cv2.INTER_AREA)


def to_working(frame: Frame, values: np.ndarray) -> np.ndarray:
    """Values in ``frame``'s pixels back on its window of working pixels (float32)."""
    x0, y0, x1, y1 = frame.box
    h, w = (y1 - y0, x1 - x0) if frame.along == 0 else (x1 - x0, y1 - y0)
    out = cv2.resize(values.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    return out if frame.along == 0 else np.ascontiguousarray(out.T)


def window(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """``image[y0:y1, x0:x1]`` of ``box``, zeros where the box reaches past the image."""
    x0, y0, x1, y1 = box
    out = np.zeros((max(1, y1 - y0), max(1, x1 - x0)), image.dtype)
    h, w = image.shape[:2]
    sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = image[sy0:sy1, sx0:sx1]
    return out


def members_mask(ids: np.ndarray, members: Sequence[int]) -> np.ndarray:
    """Where ``ids`` (non-negative integer labels) is one of ``members``: ``np.isin`` by a table
    of the labels (a run's model input is asked for a hundred times a line; isin sorts each time)."""
    if len(members) == 1:
        return ids == members[0]
    top = int(ids.max(initial=0))
    table = np.zeros(top + 1, bool)
    table[[m for m in members if 0 <= m <= top]] = True
    return table[ids]


class LiteNetwork:
    """A small network of the picture path, run with the LiteRT interpreter on batches of any shape."""

    def __init__(self, path: str | Path, num_threads: int = 2) -> None:
        from ai_edge_litert.interpreter import Interpreter

        with native_stderr_to_log(log, "LiteRT"):
            self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]
        self._shape: tuple[int, ...] = ()
        self._lock = threading.Lock()

    def run(self, batch: np.ndarray) -> np.ndarray:
        """The network's output for ``batch`` (float32), a copy."""
        with self._lock:
            if batch.shape != self._shape:
                self._interpreter.resize_tensor_input(self._input, list(batch.shape))
                self._interpreter.allocate_tensors()
                self._shape = batch.shape
            self._interpreter.set_tensor(self._input, batch)
            self._interpreter.invoke()
            return np.array(self._interpreter.get_tensor(self._output), np.float32)


class ContactModel(LiteNetwork):
    """The network, run with the LiteRT interpreter on frames of any length."""

    def __init__(self, path: str | Path = MODEL_PATH, num_threads: int = 2) -> None:
        super().__init__(path, num_threads)

    def predict(self, frame: Frame) -> np.ndarray:
        """Per pixel of the frame, the probability that two characters meet there."""
        h, w = frame.patch.shape
        padded = np.zeros((-(-h // STEP) * STEP, -(-w // STEP) * STEP), np.float32)
        padded[:h, :w] = frame.patch
        return self.run(padded[None, :, :, None])[0, :h, :w, 0]


def contacts_credit(path: Path | None = None) -> str:
    """One line crediting the data the network was trained from ("" if it cannot be read)."""
    return network_credit(path or MODEL_PATH.with_name("metadata.json"))


def network_credit(path: Path) -> str:
    """The ``attribution`` of a small network's ``metadata.json`` ("" if it cannot be read)."""
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
        return str(metadata["attribution"])
    except (OSError, KeyError, ValueError, TypeError):
        return ""


@functools.cache
def bundled_model() -> ContactModel | None:
    """The bundled network, loaded once; None (lines are cut by seams alone) when it is absent or broken."""
    if not MODEL_PATH.is_file():
        return None
    try:
        return ContactModel(MODEL_PATH)
    except (ValueError, RuntimeError) as exc:
        log.warning("The contact network %s cannot be loaded: %s", MODEL_PATH, exc)
        return None


@dataclass(frozen=True)
class Contacts:
    """Where characters meet along one line: the probability over working pixels from ``origin`` (x, y)."""

    prob: np.ndarray
    origin: tuple[int, int]

    def at(self, box: tuple[int, int, int, int]) -> np.ndarray:
        """The probability over the working pixels of ``box`` (x, y, w, h); 0 outside the line's window."""
        x, y, w, h = box
        return window(self.prob, (x - self.origin[0], y - self.origin[1], x - self.origin[0] + w,
                                  y - self.origin[1] + h))


def line_contacts(model: ContactModel, ink: np.ndarray, box: tuple[float, float, float, float], size: float,
                  along: int) -> Contacts:
    """Where characters meet in the line of ``ink`` (working pixels, white on black) within ``box``."""
    frame = line_frame(ink, box, size, along)
    return Contacts(to_working(frame, model.predict(frame)), (frame.box[0], frame.box[1]))
