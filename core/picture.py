"""Reading a picture: one character, a line, a column or a page of them, into a ``Reading``.

The picture path of ``DESIGN-reading.md``:

    grey picture ─► clean (``core.binarize``) ─► straighten ─► lines or columns ─► pieces
        ─► ``core.decode.decode`` (recognizer, geometry, language model) ─► Reading

- **Layout and straightening** (``core.picture_layout``): lines or columns, or ``single``
  (the whole picture as one character, whatever its parts); small turns set straight; each
  band of ink a line. A line of specks only (a shadow's edge, grain) is dropped.
- **Pieces** (``core.picture_cut``): connected components along each line, long ones cut
  along seams between touching characters. The decoder chooses which pieces make one character.
  A line whose characters may be longer or shorter along it than square ones (digits one under
  another, or touching in a row) is cut a second time for such characters, and the reading
  whose characters are likelier is kept (``read_line``).
- Boxes of the ``Reading`` are in the ORIGINAL picture's pixels (x0, y0, x1, y1).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from core.binarize import clean, model_input as ink_input
from core.decode import (Box, CharReading, DecodeConfig, Piece, Reading, RunCache, RunCheck, char_bonus, decode,
                         keeps_other, reads_again)
from core.errors import InputError
from core.lm import CharLM
from core.contacts import Contacts, bundled_model, line_contacts, members_mask
from core import runcheck
from core.picture_cut import cut_pieces, line_size, may_touch, other_size
from core.picture_layout import (BAND_ASPECT, MAX_TURN, MIN_TURN, ONE_CHAR, Straightened, char_size, components,
                                 detect_layout, line_components, skew_angle, straighten)
from core.preprocess import Preprocessing
from core.recognizer import Recognizer

__all__ = ["BAND_ASPECT", "LAYOUTS", "MAX_TURN", "MIN_TURN", "ONE_CHAR", "PICTURE_CONFIG", "PICTURE_CONFIG_WITHOUT_LM",
           "SPECKS", "PictureLayout", "PictureLine", "Segmented", "Straightened", "char_size", "decode_line",
           "decode_picture", "detect_layout", "read_line", "read_picture", "segment_picture", "skew_angle",
           "straighten"]

PictureLayout = Literal["auto", "horizontal", "vertical", "single"]
LAYOUTS: tuple[PictureLayout, ...] = ("auto", "horizontal", "vertical", "single")
#: A line or column whose largest component is smaller than this share of the largest of all is specks.
SPECKS = 0.3
#: The decoder's weights for pictures: the ink's, but for the language model's weight. Weights
#: fitted on the benchmark's tuning half (``bench/fit_picture_segmentation.py``) and other scalar
#: weights read worse there (clean lines 85% -> 82%, photos 63% -> 56%), as did segment weights
#: 0.15 or 0.6, character bonus 1.5 or 3.5. Since touching characters are cut finely
#: (``core.picture_cut.FINE_SPACING``) the language model weighs more: 0.6 (0.3: the ink's) reads
#: 81.5 -> 83.7% of the characters (tuning half, 60 lines a style, seed 1; 0.45 83.2, 0.8 83.6%)
#: and 83.5 -> 84.3% (seed 2). Runs are at most 1.25 line sizes wide (the ink's 1.9 ask for twice
#: the runs of finely cut pictures; 1.25 reads 0.4 points fewer characters than 1.4, on average
#: over the styles, in 0.87 of the time). Rescanned for the model 1.3.0 (60 lines a style): a
#: character bonus of 3.0 / 3.5 read the tuning half 0.5 / 0.8 points better but the test half
#: +0.05 / -0.3; language-model weight 0.45 / 0.8 and segment weight 0.2 / 0.45 moved the tuning
#: half by -0.6 to +0.4 points: kept. Twelve candidates a run and twelve hypotheses (the ink's six
#: and six): a finely cut picture's true reading often holds a character the model ranks seventh
#: to twelfth on its cut (場 at 2.6% in この場合には, read この1給には), or a hypothesis the sixth
#: place dropped; the tuning half, 200 lines a style, read 93.2 -> 93.8% on average, better in every
#: style (photo 92.1 -> 93.7%); twenty candidates or twenty-four hypotheses read no better (60 lines).
#: With that wider search the language model weighs less: 0.45 read the tuning half (200 lines a
#: style) 93.8 -> 94.1% on average and counted 90.7 -> 92.0% of the lines right (on 60 lines, 0.35:
#: 93.9 / 93.8%, 0.75: 94.0 / 89.0%). A bonus of 3.0 / 3.5 besides read 94.4 / 94.2% and counted
#: 93.1 / 93.2% right, but cut digits in two: bench_digit_lines, digits model, tight rows 97.8 -> 84.9%.
#: Most lines counted wrong are touching lines read short (45 of 61 on 100 tuning lines a style):
#: a small kana pressed into its neighbour is read with it as one confident character (自動的に
#: read 自動的). A bonus of 0.5 more for each character that is not a digit or a Latin letter
#: (``wide_bonus``) reads them (tuning half, 100 lines a style, the session's code before it:
#: 94.15 -> 94.83% on average, lines counted right 91.3 -> 92.9%; 1.0: 94.94 / 93.1%, but the
#: Japanese model's digit columns 100 -> 98.0% in bench_digit_lines, 0.5 99.7%, 0.75 98.9%).
#: The run check (``core.runcheck``) tells runs of characters merged. Weight 0.25 (tuning half,
#: 100 lines a style): 93.00 -> 93.21% on average, lines counted right 91.9 -> 92.4%; 0.5: 93.00 /
#: 93.1%; 1.0: 92.53 / 92.6%. The test half, 100 lines a style, at 0.25: 94.54 -> 94.96%, counted
#: right 92.3 -> 93.9%, no style worse. A first network that judged "one whole character" against
#: both merged and part (held out: 93% right) read worse at every weight (0.25 / 0.5 / 1.0: 92.90 /
#: 92.59 / 91.21%): the recognizer and the geometry already tell a part well, and its mistakes on
#: whole characters cost more than it mended.
#: A column's characters may be 1.75 of its widths long (``column_max_width``; rows keep 1.25): a
#: column is as wide as its widest character, handwriting is taller than wide, and a marker's も
#: or を cut finely was 1.3 widths long, so it could only be read in two (よりも read より士し).
#: Tuning half, 100 lines a style: 93.21 -> 93.78% on average, lines counted right 92.4 -> 93.4%
#: (1.5: 93.70 / 93.4%, 2.0 as 1.75); test half: 94.96 -> 95.05%, counted right 93.9 -> 94.1%,
#: no style worse; bench_digit_lines unchanged.
PICTURE_CONFIG = DecodeConfig(max_width=1.25, lm_weight=0.45, top_k=12, beam=12, wide_bonus=0.5, check_weight=0.25,
                              column_max_width=1.75)
#: Without a language model its weight only lowers the bonus per character (``core.decode``):
#: the ink's weight and bonuses keep a reading without one (the digits model's) as it was tuned.
#: The run check stays (bench_digit_lines, digits model: tight rows 98.6 -> 99.2%, tight columns
#: 98.9 -> 97.8%, the rest 100% with and without it).
PICTURE_CONFIG_WITHOUT_LM = replace(PICTURE_CONFIG, lm_weight=DecodeConfig().lm_weight,
                                    char_bonus=DecodeConfig().char_bonus, wide_bonus=DecodeConfig().wide_bonus)

@dataclass(frozen=True)
class PictureLine:
    """One line or column of a picture, cut into pieces (straightened working pixels).

    Attributes:
        pieces: The pieces in reading order; their members index ``labels``.
        size: The line's size across it (a character's height in a horizontal line).
        labels: Each pixel's piece member id (0: paper).
        boxes: Each member id's box.
        other: The line cut again for characters of another length (digits one under another,
            or touching in a row: ``core.picture_cut.other_size``), made when first asked; or
            None. ``read_line`` may read both.
    """

    pieces: tuple[Piece, ...]
    size: float
    labels: np.ndarray
    boxes: dict[int, Box]
    other: Callable[[], PictureLine] | None = None


@dataclass(frozen=True)
class Segmented:
    """A picture's writing, straightened and cut into lines of pieces, ready for decoding.

    Attributes:
        layout: ``horizontal``, ``vertical`` or ``single`` (one line of one piece).
        lines: The lines or columns in reading order.
        ink: The straightened working picture, white ink on black.
        inverse: 2x3 affine from straightened working pixels to the original picture's.
        shape: The original picture's shape.
    """

    layout: Literal["horizontal", "vertical", "single"]
    lines: tuple[PictureLine, ...]
    ink: np.ndarray
    inverse: np.ndarray
    shape: tuple[int, int]

    def to_original(self, box: Box) -> Box:
        """A box in straightened working pixels as (x0, y0, x1, y1) in the original picture."""
        corners = np.array([[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]])
        mapped = corners @ self.inverse[:, :2].T + self.inverse[:, 2]
        h, w = self.shape
        return (float(np.clip(mapped[:, 0].min(), 0, w)), float(np.clip(mapped[:, 1].min(), 0, h)),
                float(np.clip(mapped[:, 0].max(), 0, w)), float(np.clip(mapped[:, 1].max(), 0, h)))

    def with_line(self, index: int, line: PictureLine) -> Segmented:
        """The same picture with line ``index`` cut as ``line``."""
        return replace(self, lines=(*self.lines[:index], line, *self.lines[index + 1:]))

    def model_input(self, line: PictureLine, members: Sequence[int], spec: Preprocessing) -> np.ndarray:
        """The model input of a run of ``line``: the ink of its members only."""
        boxes = line.boxes
        x0 = int(min(boxes[m][0] for m in members))
        y0 = int(min(boxes[m][1] for m in members))
        x1 = int(max(boxes[m][2] for m in members))
        y1 = int(max(boxes[m][3] for m in members))
        window = line.labels[y0:y1, x0:x1]
        own = members_mask(window, members)
        return ink_input(np.where(own, self.ink[y0:y1, x0:x1], 0).astype(np.uint8), spec)


def segment_picture(grey: np.ndarray, layout: PictureLayout = "auto", meetings: bool = True) -> Segmented:
    """Cleans a grey picture, finds its layout, straightens it and cuts its lines into pieces.

    Seams between touching characters follow the contact network (``core.contacts``) when it is
    installed, unless ``meetings`` is False (its own training data is made without it).

    Raises:
        InputError: if the layout is unknown or no writing stands out.
    """
    if layout not in LAYOUTS:
        raise InputError(f"Unknown layout. Received: layout={layout!r}, expected one of {', '.join(LAYOUTS)}")
    cleaned = clean(grey)
    labels, stats = components(cleaned.mask)
    if len(stats) == 0:
        raise InputError("No writing stands out from the background in this picture.")
    shape = (int(grey.shape[0]), int(grey.shape[1]))
    if layout == "auto":
        layout = detect_layout(cleaned.mask, stats)
    if layout == "single":
        boxes = {int(s[5]): (float(s[0]), float(s[1]), float(s[0] + s[2]), float(s[1] + s[3])) for s in stats}
        whole = (min(b[0] for b in boxes.values()), min(b[1] for b in boxes.values()),
                 max(b[2] for b in boxes.values()), max(b[3] for b in boxes.values()))
        line = PictureLine((Piece(tuple(sorted(boxes)), whole),), whole[3] - whole[1], labels, boxes)
        return Segmented("single", (line,), cleaned.ink, cleaned.to_original(), shape)
    along = 0 if layout == "horizontal" else 1
    page = straighten(cleaned, along, char_size(stats))
    if page.angle:
        labels, stats = components(page.mask)
    lines = []
    found = line_components(page.mask, labels, stats, along)
    largest = [int(np.maximum(members[:, 2], members[:, 3]).max()) for members in found]
    top = max(largest, default=0)
    for members, big in zip(found, largest):
        if big < SPECKS * top:
            continue  # a line of specks (grain, a shadow's edge), not of writing
        contacts = _contacts(page.ink, members, along) if meetings else None
        pieces, piece_labels, boxes, size = cut_pieces(members, labels, stats, along, contacts=contacts)
        if not pieces:
            continue
        other = other_size(members, along)
        # The other cut is made the first time it is asked for (``cut_pieces`` cuts a copy of ``labels``).
        lines.append(PictureLine(tuple(pieces), size, piece_labels, boxes, None if other is None else
                                 functools.cache(functools.partial(_other_cut, members, labels, stats, along, other))))
    return Segmented(layout, tuple(lines), page.ink, page.inverse, shape)


def _contacts(ink: np.ndarray, members: np.ndarray, along: int) -> Contacts | None:
    """Where characters meet in a line (``core.contacts``), when some of its components may hold
    touching characters and the network is there."""
    model = bundled_model()
    if model is None or not may_touch(members, along):
        return None
    box = (float(members[:, 0].min()), float(members[:, 1].min()), float((members[:, 0] + members[:, 2]).max()),
           float((members[:, 1] + members[:, 3]).max()))
    return line_contacts(model, ink, box, line_size(members, along), along)


def _other_cut(members: np.ndarray, labels: np.ndarray, stats: np.ndarray, along: int, size: float) -> PictureLine:
    """A line cut at its other ``size`` (``core.picture_cut.other_size``), by seams alone: the cut
    for digits, whose seams the contact network moved (``bench/bench_digit_lines.py``, tight
    columns of digits: 94.4% with it, 99.2% without)."""
    pieces, piece_labels, boxes, _ = cut_pieces(members, labels, stats, along, size)
    return PictureLine(tuple(pieces), size, piece_labels, boxes)


def read_picture(grey: np.ndarray, recognizer: Recognizer, lm: CharLM | None = None,
                 layout: PictureLayout = "auto", config: DecodeConfig | None = None) -> Reading:
    """Reads every character of a grey picture, in reading order.

    Args:
        grey: The picture, uint8 grey (any polarity, lighting and size).
        recognizer: Reads characters.
        lm: The language model, or None.
        layout: ``auto``, ``horizontal`` (lines), ``vertical`` (columns, right to left) or
            ``single`` (one character).
        config: Decoder weights (``PICTURE_CONFIG``, or ``PICTURE_CONFIG_WITHOUT_LM`` without ``lm``, by default).

    Returns:
        A ``Reading`` whose text has a line break between lines (``chars`` holds the other
        characters, in order) and whose boxes are (x0, y0, x1, y1) in the original picture.

    Raises:
        InputError: if the layout is unknown or no writing stands out.
    """
    return decode_picture(segment_picture(grey, layout), recognizer, lm, config)


def decode_picture(segmented: Segmented, recognizer: Recognizer, lm: CharLM | None = None,
                   config: DecodeConfig | None = None) -> Reading:
    """Reads the lines of a segmented picture with ``core.decode.decode`` (see ``read_picture``),
    each after the text of the lines before it.

    Raises:
        InputError: if there is nothing to read.
    """
    chars: list[CharReading] = []
    text, score = "", 0.0
    for index in range(len(segmented.lines)):
        reading = decode_line(segmented, index, recognizer, lm, config, text.replace("\n", ""))
        text += ("\n" if text else "") + reading.text
        score += reading.score
        chars.extend(reading.chars)
    if not chars:
        raise InputError("No writing stands out from the background in this picture.")
    return Reading(text, tuple(chars), score)


def decode_line(segmented: Segmented, index: int, recognizer: Recognizer, lm: CharLM | None = None,
                config: DecodeConfig | None = None, context: str = "",
                allowed: Callable[[str], bool] | None = None) -> Reading:
    """Line ``index`` of a segmented picture read after the text ``context`` (the lines before
    it, without line breaks); boxes in the original picture. A picture of one character is
    one run whatever its parts, read without the language model. ``allowed`` filters the labels
    the decoder chooses among (the app's View filter), as ``core.decode.decode`` takes it.
    Members of its characters are of ``read_line``'s line."""
    return read_line(segmented, index, recognizer, lm, config, context, allowed)[0]


def read_line(segmented: Segmented, index: int, recognizer: Recognizer, lm: CharLM | None = None,
              config: DecodeConfig | None = None, context: str = "",
              allowed: Callable[[str], bool] | None = None) -> tuple[Reading, PictureLine]:
    """``decode_line``'s reading and the cut of the line it was read from: the line's own, or its
    ``other`` cut when the recognizer and the language model find that one's characters more
    likely on average. The bonus per character is left out of that average: a 3 cut in two reads
    as two confident 2s, and with a bonus each, two characters outscore the 3.

    A column's other cut is always read (digit columns, ``bench/bench_digit_lines.py --no-context``:
    32.5 -> 100% natural, 37.5 -> 99.2% tight with the digits model; bench_pictures' Japanese lines, tuning
    half, 60 a style, within -0.5..+1.6 points). A row's is read only when the row reads as digits
    or Latin letters for the most part (``core.decode.NARROW_SHARE``), and kept only if it reads so too: kana
    are narrow as well, and read every row again, the short cut won on some rows of kana
    (clean -0.8, desk -1.6 points) and a 12-megapixel page took 1.3 times as long. Rows of digits,
    tight: 92.7 -> 96.9% with the digits model.
    """
    config = config or (PICTURE_CONFIG if lm is not None else PICTURE_CONFIG_WITHOUT_LM)
    if segmented.layout == "single":
        config, lm, context = replace(config, max_run=1), None, ""
    line = segmented.lines[index]
    reading = _decode_cut(segmented, line, recognizer, lm, config, context, allowed)
    row = segmented.layout != "vertical"
    if line.other is not None and reads_again(reading, row):
        other_line = line.other()
        other = _decode_cut(segmented, other_line, recognizer, lm, config, context, allowed)
        if keeps_other(reading, other, char_bonus(config, lm), row, config.wide_bonus):
            reading, line = other, other_line
    return replace(reading, chars=tuple(replace(c, box=segmented.to_original(c.box)) for c in reading.chars)), line


def _decode_cut(segmented: Segmented, line: PictureLine, recognizer: Recognizer, lm: CharLM | None,
                config: DecodeConfig, context: str, allowed: Callable[[str], bool] | None) -> Reading:
    """``line`` (one of ``segmented``'s lines, or its other cut) decoded; boxes in working pixels."""
    spec = recognizer.bundle.preprocessing

    def model_input(members: tuple[int, ...]) -> np.ndarray:
        return segmented.model_input(line, members, spec)

    return decode(line.pieces, model_input, recognizer, lm,
                  "vertical" if segmented.layout == "vertical" else "horizontal", config,
                  context=context, cache=RunCache(), line_size=line.size, allowed=allowed,
                  check=_run_check(segmented, line) if config.check_weight else None)


def _run_check(segmented: Segmented, line: PictureLine) -> RunCheck | None:
    """The run check of ``line`` (``core.runcheck``), or None when the network is absent or the
    picture is one character."""
    model = runcheck.bundled_model()
    if model is None or segmented.layout == "single":
        return None
    along = 1 if segmented.layout == "vertical" else 0

    def check(runs: Sequence[tuple[tuple[int, ...], Box]]) -> np.ndarray:
        return model.log_prob(runcheck.line_windows(segmented.ink, line.labels, line.pieces, line.size, along, runs))

    return check
