"""A picture read character by character, and its cuts mended by hand: merge two boxes, split one.

``read_picture_chars`` reads a picture through the one picture path (``core.picture``'s
``segment_picture`` and ``read_line``, as ``decode_picture`` reads) one line at a time, so that a long read can say
how far it is and stop when asked, and keeps, per character, what is needed to read it again
after a hand-made change: its line, its members (component ids of the line's label image) and
the window of the straightened working picture its ink lies in.

- ``merge_chars`` makes one character of two neighbours of a line (a kanji cut in two).
- ``split_char`` cuts one character in two across the line (two neighbours that touch) at the
  place where both halves read best, among the emptiest places of the ink's profile.

Both read only the characters they make (one model call for a merge, a batch for a split).
``char_model_input`` gives a character's model input as the recognizer saw it (a corrected
character is kept as a picture sample of it). Each line is decoded with the text of the lines
before it as the language model's context, as ``core.picture.read_picture`` does, so both give
the same text for the same picture.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from core.binarize import model_input as ink_input
from core.contacts import members_mask
from core.decode import Box, DecodeConfig, check_allowed
from core.errors import InputError
from core.lm import CharLM
from core.preprocess import Preprocessing
from core.picture import PictureLayout, Segmented, read_line, segment_picture
from core.recognizer import Candidate, Recognizer

#: Candidates kept per character (as the decoder shows).
SHOWN = 10
#: A split is looked for between these shares of the character's length along the line.
SPLIT_RANGE = (0.2, 0.8)
#: Places tried for a split, evenly spaced in ``SPLIT_RANGE``.
SPLIT_TRIES = 31
#: Log-probability a split pays for halves of unequal length (times the squared imbalance, 0-1).
#: On 30 pairs of touching digits (tests' Hershey digits overlapping by 5-20 px) this split 28
#: right against 24 without it; a cost for crossing ink read worse (17-23): touching characters
#: are joined by thick ink as often as by a thin bridge. A tiny one only breaks ties in a gap.
UNEVEN_COST = 2.0
CUT_COST = 0.05


class ReadingCancelled(Exception):
    """A reading stopped because it was no longer wanted (another picture was opened)."""


@dataclass(frozen=True)
class PictureChar:
    """One character of a picture.

    Attributes:
        label: The character read (or picked by the user).
        candidates: Ranked alternatives, ``label`` first.
        line: The index of its line or column in the ``Segmented`` picture.
        members: Its component ids in that line's label image.
        window: (x0, y0, x1, y1) in straightened working pixels; only ink inside counts (a split).
        box: (x0, y0, x1, y1) in the original picture's pixels.
    """

    label: str
    candidates: tuple[Candidate, ...]
    line: int
    members: tuple[int, ...]
    window: Box
    box: Box


@dataclass(frozen=True)
class PictureReading:
    """A picture's characters in reading order, with the segmentation to read them again."""

    segmented: Segmented
    chars: tuple[PictureChar, ...]

    @property
    def text(self) -> str:
        """The characters' labels, a line break between lines."""
        out, line = "", None
        for char in self.chars:
            if line is not None and char.line != line:
                out += "\n"
            out, line = out + char.label, char.line
        return out

    def with_label(self, index: int, label: str) -> PictureReading:
        """The same reading with the character at ``index`` read as ``label`` (its alternatives kept)."""
        char = self._char(index)
        chosen = [c for c in char.candidates if c.label == label] or [Candidate(label, 0.0)]
        candidates = (chosen[0], *[c for c in char.candidates if c.label != label])
        return self._replaced(index, 1, [replace(char, label=label, candidates=candidates)])

    def _char(self, index: int) -> PictureChar:
        if not 0 <= index < len(self.chars):
            raise InputError(f"No character at this index. Received: index={index}, the picture has "
                             f"{len(self.chars)} characters")
        return self.chars[index]

    def _replaced(self, index: int, count: int, chars: Sequence[PictureChar]) -> PictureReading:
        return replace(self, chars=(*self.chars[:index], *chars, *self.chars[index + count:]))


def read_picture_chars(grey: np.ndarray, recognizer: Recognizer, lm: CharLM | None = None,
                       layout: PictureLayout = "auto", config: DecodeConfig | None = None,
                       progress: Callable[[int, int], None] | None = None,
                       cancelled: Callable[[], bool] | None = None,
                       allowed: Callable[[str], bool] | None = None) -> PictureReading:
    """Reads every character of a grey picture, line by line, keeping what mending needs.

    Args:
        grey: The picture, uint8 grey.
        recognizer: Reads characters.
        lm: The language model, or None.
        layout: As ``core.picture.read_picture`` takes it.
        config: Decoder weights (``core.picture.PICTURE_CONFIG`` by default).
        progress: Called with (lines read, lines) before each line and at the end.
        cancelled: Asked before each line; True stops the reading.
        allowed: Optional filter on labels (the app's View filter): the decoder chooses among
            these only, so a picture is read as ink on the canvas is.

    Raises:
        InputError: if the layout is unknown, no writing stands out, or the filter allows none
            of the model's characters.
        ReadingCancelled: if ``cancelled`` said so.
    """
    if cancelled is not None and cancelled():
        raise ReadingCancelled()
    check_allowed(recognizer, allowed)
    segmented = segment_picture(grey, layout)
    total = len(segmented.lines)
    chars: list[PictureChar] = []
    context = ""
    for index in range(total):
        if cancelled is not None and cancelled():
            raise ReadingCancelled()
        if progress is not None:
            progress(index, total)
        reading, line = read_line(segmented, index, recognizer, lm, config, context, allowed)
        if line is not segmented.lines[index]:
            segmented = segmented.with_line(index, line)  # mended as it was read
        context += reading.text
        for char in reading.chars:
            chars.append(PictureChar(char.label, char.candidates, index, char.members,
                                     _members_box(segmented, index, char.members), char.box))
    if progress is not None:
        progress(total, total)
    if not chars:
        raise InputError("No writing stands out from the background in this picture.")
    return PictureReading(segmented, tuple(chars))


def merge_chars(reading: PictureReading, index: int, recognizer: Recognizer,
                allowed: Callable[[str], bool] | None = None) -> PictureReading:
    """Makes one character of the characters at ``index`` and ``index + 1`` and reads it.

    Raises:
        InputError: if there is no such pair, or the two are not on the same line.
    """
    first, second = reading._char(index), reading._char(index + 1)
    if first.line != second.line:
        raise InputError(f"Only neighbours on one line can be merged. Received: characters {index + 1} and "
                         f"{index + 2}, on lines {first.line + 1} and {second.line + 1}")
    members = tuple(sorted(set(first.members) | set(second.members)))
    window = _union(first.window, second.window)
    merged = _read(reading.segmented, recognizer, first.line, members, window, allowed)
    return reading._replaced(index, 2, [merged])


def split_char(reading: PictureReading, index: int, recognizer: Recognizer,
               allowed: Callable[[str], bool] | None = None, at: float | None = None) -> PictureReading:
    """Cuts the character at ``index`` in two across its line and reads both halves.

    Args:
        reading: The picture's reading.
        index: The character to split.
        recognizer: Reads the halves.
        allowed: Optional filter on labels.
        at: Where to cut, as a share (0-1) of the character's length along the line; by
            default the place where both halves read best.

    Raises:
        InputError: if there is no such character, ``at`` is outside (0, 1), or the
            character's ink cannot be cut in two there.
    """
    char = reading._char(index)
    if at is not None and not (math.isfinite(at) and 0.0 < at < 1.0):
        raise InputError(f"A split must fall inside the character. Received: at={at}")
    segmented = reading.segmented
    own = _own_ink(segmented, char.line, char.members, char.window)
    if own is None:
        raise InputError(f"This character holds no ink to split. Received: index={index}")
    axis = _split_axis(segmented, char.window)
    x0, y0 = _corner(char.window)
    profile = (own > 0).sum(axis=axis).astype(np.float32)  # ink per column (axis 0) or row
    lo, hi = int(SPLIT_RANGE[0] * len(profile)), int(math.ceil(SPLIT_RANGE[1] * len(profile)))
    if at is not None:
        cuts = [int(round(at * len(profile)))]
    else:
        cuts = sorted(set(np.linspace(lo, hi, SPLIT_TRIES).round().astype(int).tolist()))
    offset = x0 if axis == 0 else y0
    halves: list[tuple[Box, Box]] = []
    cost: list[float] = []  # for crossing ink and for uneven halves
    for cut in cuts:
        if not 0 < cut < len(profile) or not profile[:cut].any() or not profile[cut:].any():
            continue
        w = char.window
        left = (w[0], w[1], float(offset + cut), w[3]) if axis == 0 else (w[0], w[1], w[2], float(offset + cut))
        right = (float(offset + cut), w[1], w[2], w[3]) if axis == 0 else (w[0], float(offset + cut), w[2], w[3])
        halves.append((left, right))
        cost.append(CUT_COST * float(profile[cut]) / max(float(profile.max()), 1.0)
                    + UNEVEN_COST * (2 * cut / len(profile) - 1) ** 2)
    if not halves:
        raise InputError(f"This character cannot be cut in two there: one side holds no ink. Received: index={index}")
    spec = recognizer.bundle.preprocessing
    inputs = [segmented_input(segmented, char.line, char.members, part, spec) for pair in halves for part in pair]
    probs = recognizer.predict_many(np.stack(inputs))
    # Both halves read well (a tail cut off a character reads well too: halves of like length are preferred).
    scores = [float(np.log(max(probs[2 * k].max(), 1e-9)) + np.log(max(probs[2 * k + 1].max(), 1e-9)))
              - cost[k] for k in range(len(halves))]
    best = halves[int(np.argmax(scores))]
    parts = [_read(segmented, recognizer, char.line, char.members, part, allowed) for part in best]
    return reading._replaced(index, 1, parts)


def segmented_input(segmented: Segmented, line: int, members: Sequence[int], window: Box,
                    spec: Preprocessing) -> np.ndarray:
    """The model input of ``members``' ink inside ``window`` (straightened working pixels).

    Raises:
        InputError: if there is no ink there.
    """
    own = _own_ink(segmented, line, members, window)
    if own is None:
        raise InputError(f"There is no ink in this box. Received: window={tuple(round(v) for v in window)}")
    return ink_input(own, spec)


def char_model_input(reading: PictureReading, index: int, spec: Preprocessing) -> np.ndarray:
    """The model input of the character at ``index`` as the recognizer saw it: 2-D uint8,
    white ink on black (what a picture sample keeps, ``core.samples.SampleStore.add_picture``).

    Raises:
        InputError: if there is no such character, or no ink in its box.
    """
    char = reading._char(index)
    x = segmented_input(reading.segmented, char.line, char.members, char.window, spec)
    return np.clip(np.round(x[..., 0]), 0, 255).astype(np.uint8)


def _read(segmented: Segmented, recognizer: Recognizer, line: int, members: tuple[int, ...], window: Box,
          allowed: Callable[[str], bool] | None) -> PictureChar:
    """Reads one character made by hand; its window shrinks to its ink."""
    check_allowed(recognizer, allowed)
    own = _own_ink(segmented, line, members, window)
    if own is None:
        raise InputError(f"There is no ink in this box. Received: window={tuple(round(v) for v in window)}")
    ys, xs = np.nonzero(own)
    x0, y0 = _corner(window)
    tight = (float(x0 + xs.min()), float(y0 + ys.min()), float(x0 + xs.max() + 1), float(y0 + ys.max() + 1))
    probs = recognizer.predict(ink_input(own, recognizer.bundle.preprocessing)[None])[0]
    ranked = recognizer.rank(probs, SHOWN, allowed)
    return PictureChar(ranked[0].label, tuple(ranked), line, members, tight, segmented.to_original(tight))


def _own_ink(segmented: Segmented, line: int, members: Sequence[int], window: Box) -> np.ndarray | None:
    """The ink of ``members`` inside ``window`` (the window's pixels from its integer corner
    ``_corner(window)``, others black), or None if there is none."""
    labels = segmented.lines[line].labels
    h, w = labels.shape
    x0, y0 = _corner(window)
    x1, y1 = min(w, int(math.ceil(window[2]))), min(h, int(math.ceil(window[3])))
    if x1 <= x0 or y1 <= y0:
        return None
    area = labels[y0:y1, x0:x1]
    own = members_mask(area, members)
    if not own.any():
        return None
    return np.where(own, segmented.ink[y0:y1, x0:x1], 0).astype(np.uint8)


def _corner(window: Box) -> tuple[int, int]:
    return max(0, int(window[0])), max(0, int(window[1]))


def _members_box(segmented: Segmented, line: int, members: Sequence[int]) -> Box:
    boxes = segmented.lines[line].boxes
    return (min(boxes[m][0] for m in members), min(boxes[m][1] for m in members),
            max(boxes[m][2] for m in members), max(boxes[m][3] for m in members))


def _union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _split_axis(segmented: Segmented, window: Box) -> int:
    """0: cut left from right (lines); 1: top from bottom (columns; one character: its longer side)."""
    if segmented.layout == "horizontal":
        return 0
    if segmented.layout == "vertical":
        return 1
    return 0 if window[2] - window[0] >= window[3] - window[1] else 1
