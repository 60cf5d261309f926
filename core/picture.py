"""Reading a picture: one character, a line, a column or a page of them, into a ``Reading``.

The picture path of ``DESIGN-reading.md``:

    grey picture ─► clean (``core.binarize``) ─► straighten ─► lines or columns ─► pieces
        ─► ``core.decode.decode`` (recognizer, geometry, language model) ─► Reading

- **Straighten**: the writing's turn (up to ``MAX_TURN`` degrees) is the one that makes the
  ink's profile across its lines sharpest; the ink is turned back.
- **Layout**: ``horizontal`` lines (top to bottom) or ``vertical`` columns (right to left);
  ``auto`` picks the one whose bands of ink are long along their direction; ``single`` reads
  the whole picture as one character, whatever its parts.
- **Pieces**: connected components along each line, those that lie within another's span
  along the line joined (二, 三); a component that may hold touching neighbours (longer than a
  character, or than half of one with another component close by) is cut along seams that
  bend around strokes, from the thinnest places of its profile. The decoder chooses which
  pieces make one character. A line of specks only (a shadow's edge, grain) is dropped.
- Boxes of the ``Reading`` are in the ORIGINAL picture's pixels (x0, y0, x1, y1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import cv2
import numpy as np

from core.binarize import SPECK_SHARE, Cleaned, clean, model_input as ink_input
from core.decode import Box, CharReading, DecodeConfig, Piece, Reading, RunCache, decode
from core.errors import InputError
from core.lm import CharLM
from core.preprocess import Preprocessing
from core.recognizer import Recognizer

PictureLayout = Literal["auto", "horizontal", "vertical", "single"]
LAYOUTS: tuple[PictureLayout, ...] = ("auto", "horizontal", "vertical", "single")
#: Largest turn straightened, in degrees.
MAX_TURN = 10.0
#: Smaller turns are left alone: a handwritten line wanders that much, and turning the ink
#: for it read worse (tuning half, uneven light: 0.4 degrees 77%, 1 degree 79%, never 82%;
#: rotated: 76%, 75%, 68%).
MIN_TURN = 1.0
#: A component this many line sizes long (along the line) may hold touching neighbours; one
#: that stands apart (no other component within ``NEAR`` line sizes along the line) only when
#: longer than ``CUT_LENGTH_ALONE``. Touching characters tuck under each other, so their joined
#: component is often a part of each, shorter than a character (bench_pictures, tuning half,
#: 30 lines a style: 0.9 for all read 79 / 84 / 82 / 78 / 75%, 0.45 83 / 84 / 84 / 79 / 75%).
CUT_LENGTH = 0.45
CUT_LENGTH_ALONE = 0.9
NEAR = 0.12
#: Cuts inside a component are at least this many line sizes apart, and ``CUT_END`` from its ends.
CUT_SPACING = 0.2
CUT_END = 0.12
#: A part that lies this share of its length (or more) within the span of the piece before joins it.
INSIDE = 0.7
#: What a seam pays per ink pixel it crosses, and per column it moves sideways (``_seams``).
SEAM_INK = 4.0
SEAM_STEP = 0.3
#: How far (line sizes) a seam may stray from its cut, and what straying that far costs per row.
SEAM_BAND = 0.15
SEAM_STRAY = 0.5
#: Seams crossing more strokes than this are not cuts.
SEAM_CROSSINGS = 3
#: A line or column whose largest component is smaller than this share of the largest of all is specks.
SPECKS = 0.3
#: Ink bands this many times longer than thick read as lines in ``auto``.
BAND_ASPECT = 1.6
#: Ink at least this many characters (``char_size``) long is never one character in ``auto``.
ONE_CHAR = 2.5
#: The decoder's weights for pictures: the ink's. Weights fitted on the benchmark's tuning half
#: (``bench/fit_picture_segmentation.py``) and other scalar weights read worse there (clean lines
#: 85% -> 82%, photos 63% -> 56%), as did segment weights 0.15 or 0.6, character bonus 1.5 or 3.5,
#: language model weight 0.5; with seams, weights refitted (60 lines a style, seed 2) and language
#: model weights 0.5 or 0.8 still read no better (tuning half, 30 lines a style). Runs are at most 1.25 line sizes wide
#: (the ink's 1.9 ask for twice the runs of finely cut pictures; 1.25 reads 0.4 points fewer
#: characters than 1.4, on average over the styles, in 0.87 of the time).
PICTURE_CONFIG = DecodeConfig(max_width=1.25)


@dataclass(frozen=True)
class Straightened:
    """The cleaned ink turned upright, and how to map its pixels back to the original picture."""

    cleaned: Cleaned
    ink: np.ndarray
    mask: np.ndarray
    inverse: np.ndarray  # 2x3 affine: straightened working pixels -> original picture pixels
    angle: float


@dataclass(frozen=True)
class PictureLine:
    """One line or column of a picture, cut into pieces (straightened working pixels).

    Attributes:
        pieces: The pieces in reading order; their members index ``labels``.
        size: The line's size across it (a character's height in a horizontal line).
        labels: Each pixel's piece member id (0: paper).
        boxes: Each member id's box.
    """

    pieces: tuple[Piece, ...]
    size: float
    labels: np.ndarray
    boxes: dict[int, Box]


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

    def model_input(self, line: PictureLine, members: Sequence[int], spec: Preprocessing) -> np.ndarray:
        """The model input of a run of ``line``: the ink of its members only."""
        boxes = line.boxes
        x0 = int(min(boxes[m][0] for m in members))
        y0 = int(min(boxes[m][1] for m in members))
        x1 = int(max(boxes[m][2] for m in members))
        y1 = int(max(boxes[m][3] for m in members))
        window = line.labels[y0:y1, x0:x1]
        own = np.isin(window, members) if len(members) > 1 else window == members[0]
        return ink_input(np.where(own, self.ink[y0:y1, x0:x1], 0).astype(np.uint8), spec)


def segment_picture(grey: np.ndarray, layout: PictureLayout = "auto") -> Segmented:
    """Cleans a grey picture, finds its layout, straightens it and cuts its lines into pieces.

    Raises:
        InputError: if the layout is unknown or no writing stands out.
    """
    if layout not in LAYOUTS:
        raise InputError(f"Unknown layout. Received: layout={layout!r}, expected one of {', '.join(LAYOUTS)}")
    cleaned = clean(grey)
    labels, stats = _components(cleaned.mask)
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
        labels, stats = _components(page.mask)
    lines = []
    found = _lines(page.mask, labels, stats, along)
    largest = [int(np.maximum(members[:, 2], members[:, 3]).max()) for members in found]
    for members, big in zip(found, largest):
        if big < SPECKS * max(largest):
            continue  # a line of specks (grain, a shadow's edge), not of writing
        pieces, piece_labels, boxes, size = _pieces(members, labels, stats, along)
        if pieces:
            lines.append(PictureLine(tuple(pieces), size, piece_labels, boxes))
    return Segmented(layout, tuple(lines), page.ink, page.inverse, shape)


def read_picture(grey: np.ndarray, recognizer: Recognizer, lm: CharLM | None = None,
                 layout: PictureLayout = "auto", config: DecodeConfig | None = None) -> Reading:
    """Reads every character of a grey picture, in reading order.

    Args:
        grey: The picture, uint8 grey (any polarity, lighting and size).
        recognizer: Reads characters.
        lm: The language model, or None.
        layout: ``auto``, ``horizontal`` (lines), ``vertical`` (columns, right to left) or
            ``single`` (one character).
        config: Decoder weights (``PICTURE_CONFIG`` by default).

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
                config: DecodeConfig | None = None, context: str = "") -> Reading:
    """Line ``index`` of a segmented picture read after the text ``context`` (the lines before
    it, without line breaks); boxes in the original picture. A picture of one character is
    one run whatever its parts, read without the language model."""
    config = config or PICTURE_CONFIG
    if segmented.layout == "single":
        config, lm, context = replace(config, max_run=1), None, ""
    line = segmented.lines[index]
    spec = recognizer.bundle.preprocessing

    def model_input(members: tuple[int, ...]) -> np.ndarray:
        return segmented.model_input(line, members, spec)

    reading = decode(line.pieces, model_input, recognizer, lm,
                     "vertical" if segmented.layout == "vertical" else "horizontal", config,
                     context=context, cache=RunCache(), line_size=line.size)
    return replace(reading, chars=tuple(replace(c, box=segmented.to_original(c.box)) for c in reading.chars))


def _components(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The label image and, per kept component, (x, y, w, h, area, id); specks dropped."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    stats = np.column_stack([stats[1:], np.arange(1, count)]).astype(np.int64)
    if not len(stats):
        return labels, stats
    typical = float(np.percentile(stats[:, 4], 90))
    keep = stats[:, 4] >= max(3.0, SPECK_SHARE * typical)
    return labels, stats[keep]


def detect_layout(mask: np.ndarray, stats: np.ndarray) -> Literal["horizontal", "vertical", "single"]:
    """How the writing runs: the way its bands of ink (lines or columns) run long.

    A band's length is its longest stretch of ink, gaps narrower than the band is thick
    bridged (a column across a page of spaced lines is as long as one character). Three bands
    or more are a page of lines or columns. Fewer, in a picture whose ink is about as wide as
    tall and under ``ONE_CHAR`` characters long, are one character (こ's strokes, 認's radical
    and body, are bands too).
    """
    scores, counts = {}, {}
    char = char_size(stats)
    for along in (0, 1):
        bands = _bands(mask, along, char)
        lengths = []
        for lo, hi in bands:
            part = mask[lo:hi] if along == 0 else mask[:, lo:hi]
            lengths.append(_longest_run(np.asarray(part.any(axis=along)), hi - lo) / max(hi - lo, 1))
        scores[along] = float(np.median(lengths)) if lengths else 0.0
        counts[along] = len(bands)
    best = 0 if scores[0] >= scores[1] else 1
    ys, xs = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    height, width = ys[-1] - ys[0] + 1, xs[-1] - xs[0] + 1
    elongated = max(height, width) >= BAND_ASPECT * min(height, width)
    one_character = not elongated and max(height, width) < ONE_CHAR * char
    if scores[best] < BAND_ASPECT:
        # No band runs long: one character, or widely spaced characters (a strip of digits
        # whose gaps are wider than they are), which run the way the ink is long.
        if not elongated:
            return "single"
        return "horizontal" if width >= height else "vertical"
    if counts[best] < 3 and one_character:
        return "single"
    return "horizontal" if best == 0 else "vertical"


def _longest_run(filled: np.ndarray, bridge: int) -> int:
    """The longest run of ``filled``, gaps shorter than ``bridge`` bridged: a band's length along
    itself, without the empty space between the lines a column of a page of lines crosses."""
    at = np.flatnonzero(filled)
    if not len(at):
        return 0
    breaks = np.flatnonzero(np.diff(at) > bridge)
    starts = np.concatenate([[at[0]], at[breaks + 1]])
    stops = np.concatenate([at[breaks], [at[-1]]]) + 1
    return int((stops - starts).max())


def _bands(mask: np.ndarray, axis: int, char: float = 0.0) -> list[tuple[int, int]]:
    """Runs of rows (``axis`` 0: the bands of horizontal lines) or columns (1) holding ink.

    Small gaps are bridged; a band thicker than 1.7 characters (``char``, when given: lines
    that touch, or run into each other once turned) is split at the emptiest places of its
    profile, a character or so apart.
    """
    profile = np.count_nonzero(mask, axis=1 - axis)
    filled = np.flatnonzero(profile > 0)
    if not len(filled):
        return []
    breaks = np.flatnonzero(np.diff(filled) > 1)
    starts = np.concatenate([[filled[0]], filled[breaks + 1]])
    stops = np.concatenate([filled[breaks] + 1, [filled[-1] + 1]])
    runs = [[int(lo), int(hi)] for lo, hi in zip(starts, stops)]
    typical = float(np.median([hi - lo for lo, hi in runs]))
    merged: list[list[int]] = [runs[0]]
    for lo, hi in runs[1:]:
        # A gap much narrower than a band is inside a line (a character of parts stacked across it).
        if lo - merged[-1][1] < 0.2 * max(typical, hi - lo, merged[-1][1] - merged[-1][0]):
            merged[-1][1] = hi
        else:
            merged.append([lo, hi])
    if char <= 0:
        return [(lo, hi) for lo, hi in merged]
    merged = _join_thin(merged, char)
    out: list[tuple[int, int]] = []
    for lo, hi in merged:
        out.extend(_split_band(profile[lo:hi].astype(np.float32), lo, char) if hi - lo > 1.7 * char
                   else [(lo, hi)])
    return out


def _join_thin(bands: list[list[int]], char: float) -> list[list[int]]:
    """Joins bands much thinner than a character to a neighbour while the two stay one character
    thick: the strokes of こ, 三 or り side by side across the line are one line, not several."""
    bands = [list(b) for b in bands]
    while len(bands) > 1:
        best = None
        for i, (lo, hi) in enumerate(bands):
            if hi - lo >= 0.7 * char:
                continue
            for j in (i - 1, i + 1):
                if 0 <= j < len(bands):
                    joined = max(hi, bands[j][1]) - min(lo, bands[j][0])
                    if joined <= 1.4 * char and (best is None or joined < best[0]):
                        best = (joined, min(i, j))
        if best is None:
            break
        k = best[1]
        bands[k:k + 2] = [[bands[k][0], bands[k + 1][1]]]
    return bands


def _split_band(profile: np.ndarray, offset: int, char: float) -> list[tuple[int, int]]:
    """Splits a thick band at its profile's deepest valleys, at least 0.7 characters apart."""
    k = max(1, int(char / 4)) | 1
    smooth = np.convolve(profile, np.ones(k) / k, "same")
    n, gap = len(smooth), max(2, int(0.7 * char))
    low = 0.35 * float(np.median(smooth[smooth > 0])) if (smooth > 0).any() else 0.0
    valleys = [i for i in range(gap // 2, n - gap // 2)
               if smooth[i] <= low and smooth[i] <= smooth[i - 1] and smooth[i] <= smooth[i + 1]]
    cuts: list[int] = []
    for i in sorted(valleys, key=lambda v: smooth[v]):
        if all(abs(i - c) >= gap for c in cuts):
            cuts.append(i)
    edges = [0, *sorted(cuts), n]
    return [(offset + a, offset + b) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def char_size(stats: np.ndarray) -> float:
    """A character's usual size, from the larger components' longer sides."""
    extents = np.maximum(stats[:, 2], stats[:, 3])
    big = extents[stats[:, 4] >= np.median(stats[:, 4])]
    return float(np.percentile(big, 80)) if len(big) else 0.0


def straighten(cleaned: Cleaned, along: int, char: float = 0.0) -> Straightened:
    """Turns the ink so its lines (``along`` 0) or columns (1) run straight; small turns left alone.

    ``char`` is a character's size across the line (``char_size``), to tell one line from several.
    """
    angle = skew_angle(cleaned.mask, along, char)
    h, w = cleaned.mask.shape
    scale_back = cleaned.to_original()
    if abs(angle) < MIN_TURN:
        return Straightened(cleaned, cleaned.ink, cleaned.mask, scale_back, 0.0)
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    new_w, new_h = int(math.ceil(w * cos + h * sin)), int(math.ceil(w * sin + h * cos))
    turn[0, 2] += (new_w - w) / 2
    turn[1, 2] += (new_h - h) / 2
    ink = cv2.warpAffine(cleaned.ink, turn, (new_w, new_h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpAffine(cleaned.mask, turn, (new_w, new_h), flags=cv2.INTER_LINEAR)
    mask = ((mask >= 128) * 255).astype(np.uint8)
    back = np.vstack([cv2.invertAffineTransform(turn), [0, 0, 1]])
    inverse = (np.vstack([scale_back, [0, 0, 1]]) @ back)[:2]
    return Straightened(cleaned, ink, mask, inverse, angle)


def skew_angle(mask: np.ndarray, along: int, char: float = 0.0, limit: float = MAX_TURN) -> float:
    """The turn (degrees, as ``cv2.getRotationMatrix2D`` takes it) that sets the writing straight.

    One line or column: the direction in which its ink spreads least across the line (the
    principal axes of the ink's pixels). Several: the turn that makes the ink's profile across
    the lines sharpest (the gaps between lines clearest).
    """
    ys, xs = np.nonzero(mask)
    if len(xs) < 16:
        return 0.0
    step = max(1, len(xs) // 40_000)
    xs, ys = xs[::step].astype(np.float64), ys[::step].astype(np.float64)
    xs -= xs.mean()
    ys -= ys.mean()

    def across(degrees: float) -> np.ndarray:
        a = math.radians(degrees)
        # The coordinate across the line once the picture is turned by ``degrees`` counter-clockwise.
        return (-xs * math.sin(a) + ys * math.cos(a)) if along == 0 else (xs * math.cos(a) + ys * math.sin(a))

    if len(_bands(mask, along, char)) <= 1:
        angles = np.arange(-limit, limit + 1e-9, 0.25)
        return float(angles[int(np.argmin([float(np.var(across(a))) for a in angles]))])
    bin_size = max(1.0, math.sqrt(len(xs) * step) / 40)

    def sharpness(degrees: float) -> float:
        values = across(degrees)
        counts = np.bincount(((values - values.min()) / bin_size).astype(np.int64))
        return float(np.dot(counts, counts))

    coarse = np.arange(-limit, limit + 1e-9, 1.0)
    best = float(coarse[int(np.argmax([sharpness(a) for a in coarse]))])
    fine = np.arange(best - 1.0, best + 1.0 + 1e-9, 0.2)
    return float(fine[int(np.argmax([sharpness(a) for a in fine]))])


def _lines(mask: np.ndarray, labels: np.ndarray, stats: np.ndarray, along: int) -> list[np.ndarray]:
    """Components of each line (``along`` 0) or column (1), in reading order."""
    bands = _bands(mask, along, char_size(stats))
    if not bands:
        return []
    centres = np.array([(lo + hi) / 2 for lo, hi in bands])
    lo_col, size_col = (1, 3) if along == 0 else (0, 2)
    groups: list[list[int]] = [[] for _ in bands]
    for row, s in enumerate(stats):
        lo, hi = s[lo_col], s[lo_col] + s[size_col]
        overlaps = [min(hi, b_hi) - max(lo, b_lo) for b_lo, b_hi in bands]
        best = int(np.argmax(overlaps)) if max(overlaps) > 0 else int(np.argmin(np.abs(centres - (lo + hi) / 2)))
        groups[best].append(row)
    order = range(len(bands)) if along == 0 else reversed(range(len(bands)))  # columns right to left
    return [stats[groups[i]] for i in order if groups[i]]


def _pieces(line: np.ndarray, labels: np.ndarray, stats: np.ndarray, along: int,
            ) -> tuple[list[Piece], np.ndarray, dict[int, Box], float]:
    """The pieces of one line, the label image they index, their boxes and the line's size."""
    a0, a_len, c0, c_len = (0, 2, 1, 3) if along == 0 else (1, 3, 0, 2)
    size = float((line[:, c0] + line[:, c_len]).max() - line[:, c0].min())
    size = max(size, 1.0)
    boxes: dict[int, Box] = {}
    units: list[tuple[float, float, int]] = []  # (start, end, id) along the line
    source: dict[int, int] = {}  # the component each part was cut from
    piece_labels = labels
    next_id = int(labels.max()) + 1
    starts, ends = line[:, a0].astype(np.float64), (line[:, a0] + line[:, a_len]).astype(np.float64)
    for row, s in enumerate(line):
        x, y, w, h, _, ident = (int(v) for v in s)
        length = s[a_len]
        apart = np.maximum(starts - ends[row], starts[row] - ends)
        apart[row] = np.inf
        near = len(line) > 1 and float(apart.min()) < NEAR * size
        if length > (CUT_LENGTH if near else CUT_LENGTH_ALONE) * size:
            if piece_labels is labels:
                piece_labels = labels.copy()
            parts = _cut(piece_labels, (x, y, w, h), ident, along, size, next_id)
            next_id += len(parts)
            for part_id, box in parts:
                boxes[part_id] = box
                units.append((box[along], box[along + 2], part_id))
                source[part_id] = ident
        else:
            box = (float(x), float(y), float(x + w), float(y + h))
            boxes[ident] = box
            units.append((box[along], box[along + 2], ident))
    units.sort()
    grouped: list[tuple[list[int], list[float]]] = []
    for start, end, ident in units:
        if grouped:
            g_start, g_end = grouped[-1][1][along], grouped[-1][1][along + 2]
            inside = min(end, g_end) - max(start, g_start)
            # A part that lies mostly within the span of the piece before belongs with it (二, 三),
            # unless a seam has just cut the two apart: a character tucked under the one before
            # (tuning half, 60 lines a style: uneven 80.9 -> 82.5%, photo 76.3 -> 77.1%).
            cut_apart = ident in source and any(source.get(m) == source[ident] for m in grouped[-1][0])
            if inside >= INSIDE * min(end - start, g_end - g_start) and not cut_apart:
                grouped[-1][0].append(ident)
                b = grouped[-1][1]
                nb = boxes[ident]
                b[:] = [min(b[0], nb[0]), min(b[1], nb[1]), max(b[2], nb[2]), max(b[3], nb[3])]
                continue
        grouped.append(([ident], list(boxes[ident])))
    pieces = [Piece(tuple(sorted(ids)), (b[0], b[1], b[2], b[3])) for ids, b in grouped]
    return pieces, piece_labels, boxes, size


def _cut(labels: np.ndarray, box: tuple[int, int, int, int], ident: int, along: int, size: float,
         next_id: int) -> list[tuple[int, Box]]:
    """Cuts a long component along seams where neighbours may touch; relabels the parts in ``labels``.

    A seam runs across the line from one side of the component to the other, bending around
    strokes (``_seams``): characters written tight or touching reach under each other, and a
    straight cut would slice both into stripes. Every cheapest place for a seam may be where two
    characters meet: the decoder decides which pieces make a character.
    """
    x, y, w, h = box
    window = labels[y:y + h, x:x + w]
    own = window == ident
    across = own if along == 0 else own.T  # rows across the line, columns along it
    seams = _seams(across, size)
    if not seams:
        return [(ident, (float(x), float(y), float(x + w), float(y + h)))]
    columns = np.arange(across.shape[1])[None, :]
    part = np.zeros(across.shape, np.int64)
    for seam in seams:
        part += columns >= seam[:, None]
    part = part if along == 0 else part.T
    parts: list[tuple[int, Box]] = []
    for k in range(len(seams) + 1):
        sub = own & (part == k)
        ys, xs = np.nonzero(sub)
        if not len(xs):
            continue
        part_id = ident if not parts else next_id + len(parts) - 1
        if part_id != ident:
            window[sub] = part_id
        parts.append((part_id, (float(x + xs.min()), float(y + ys.min()), float(x + xs.max() + 1),
                                float(y + ys.max() + 1))))
    return parts


def _seams(own: np.ndarray, size: float) -> list[np.ndarray]:
    """Seams across a component whose rows run across the line: per seam, its column in every row.

    Cuts are first placed at the thinnest places of the component's profile along the line,
    then where the cheapest seam through the middle row costs least (tucked characters leave
    no thin place in the profile; tuning half, 60 lines a style, touching lines: clean 58 ->
    63%, rotated 64 -> 72%, photo 57 -> 58%), ``CUT_SPACING`` line sizes apart and
    ``CUT_END`` from the component's ends. Each becomes the cheapest
    seam within ``SEAM_BAND`` line sizes of it: a seam pays ``SEAM_INK`` per ink pixel it
    crosses, moves at most one column per row, paying ``SEAM_STEP`` a column, and pays more the
    further it strays from its cut. A seam that crosses more than ``SEAM_CROSSINGS`` strokes is
    no cut. Seams are kept in order (one never crosses the one before). Seams free to stray
    further (0.25 line sizes) read touching lines worse (tuning half, 30 lines a style, clean
    touching lines: 68% -> 53%): they wander through characters.
    """
    h, w = own.shape
    profile = own.sum(axis=0).astype(np.float32)
    smooth = max(1, int(size * 0.06)) | 1
    profile = np.convolve(profile, np.ones(smooth) / smooth, "same")
    gap = max(2, int(CUT_SPACING * size))
    end = max(2, int(CUT_END * size))
    valleys = [i for i in range(end, w - end) if profile[i] <= profile[i - 1] and profile[i] <= profile[i + 1]]
    pixel = own.astype(np.float32) * SEAM_INK
    # The cost of the cheapest seam through each column of the middle row (from the top and the bottom).
    through = (_seam_costs(pixel) + _seam_costs(pixel[::-1])[::-1] - pixel)[h // 2]
    cheap = [i for i in range(end, w - end) if through[i] <= through[i - 1] and through[i] <= through[i + 1]]
    candidates = sorted(valleys, key=lambda v: profile[v]) + sorted(cheap, key=lambda v: through[v])
    cuts: list[int] = []
    for i in candidates:
        if all(abs(i - c) >= gap for c in cuts):
            cuts.append(int(i))
    band = max(1, int(SEAM_BAND * size))
    seams: list[np.ndarray] = []
    for cut in sorted(cuts):
        lo, hi = max(0, cut - band), min(w, cut + band + 1)
        stray = SEAM_STRAY * np.abs(np.arange(lo, hi) - cut, dtype=np.float32) / band
        cost = _seam_costs(pixel[:, lo:hi] + stray)
        seam = np.empty(h, np.int64)
        seam[-1] = int(np.argmin(cost[-1]))
        _trace(cost, seam, range(h - 2, -1, -1))
        seam += lo
        path = own[np.arange(h), seam]
        if int(path[0]) + int(np.count_nonzero(path[1:] & ~path[:-1])) > SEAM_CROSSINGS:
            continue  # through the middle of a character, not between two
        seams.append(np.maximum(seam, seams[-1]) if seams else seam)
    return seams


def _seam_costs(pixel: np.ndarray) -> np.ndarray:
    """Cost of the cheapest seam from the first row to each pixel (one column per row at most)."""
    cost = np.empty_like(pixel)
    cost[0] = pixel[0]
    for row in range(1, len(pixel)):
        before = cost[row - 1]
        sideways = np.minimum(np.concatenate([[np.inf], before[:-1]]), np.concatenate([before[1:], [np.inf]]))
        cost[row] = pixel[row] + np.minimum(before, sideways + SEAM_STEP)
    return cost


def _trace(cost: np.ndarray, seam: np.ndarray, rows: range) -> None:
    """Follows the cheapest seam of ``cost`` from the row before ``rows`` through ``rows``."""
    w = cost.shape[1]
    step = 1 if rows.step > 0 else -1
    for row in rows:
        col = int(seam[row - step])
        lo, hi = max(0, col - 1), min(w, col + 2)
        options = cost[row, lo:hi] + SEAM_STEP * (np.arange(lo, hi) != col)
        seam[row] = lo + int(np.argmin(options))
