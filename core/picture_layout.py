"""Where a picture's writing runs: its layout, its turn, and the components of each line.

Part of the picture path (``core.picture``):

- **Layout**: ``horizontal`` lines (top to bottom) or ``vertical`` columns (right to left);
  ``detect_layout`` picks the one whose bands of ink are long along their direction, or
  ``single`` for one character whatever its parts.
- **Straighten**: the writing's turn (up to ``MAX_TURN`` degrees) is the one that makes the
  ink's profile across its lines sharpest; the ink is turned back.
- **Lines**: bands of ink across the writing direction, thin ones joined (こ, 三), thick ones
  split at their emptiest places; every component goes to the band it overlaps most.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from core.binarize import SPECK_SHARE, Cleaned

#: Largest turn straightened, in degrees.
MAX_TURN = 10.0
#: Smaller turns are left alone: a handwritten line wanders that much, and turning the ink
#: for it read worse (tuning half, uneven light: 0.4 degrees 77%, 1 degree 79%, never 82%;
#: rotated: 76%, 75%, 68%).
MIN_TURN = 1.0
#: Ink bands this many times longer than thick read as lines in ``auto``.
BAND_ASPECT = 1.6
#: Ink at least this many characters (``char_size``) long is never one character in ``auto``.
ONE_CHAR = 2.5
#: Along its length, one character's largest part spans at least this share of the ink...
MAIN_PART = 0.8
#: ...and each other part lies at least this share of its length beside the largest.
PART_BESIDE = 0.5
#: Long ink of one character's shape is under this many times longer than wide; longer, it is
#: one character only when thin in strokes (below): a bench line of touching characters, all one
#: shape, is at least 2.37 times longer than wide.
TALL_CHAR = 2.0
#: A one-shape character longer than ``TALL_CHAR``: at most this many strokes wide (a 1)...
THIN_STROKES = 2.5
#: ...or this many strokes long (a thick 16x16 scan of 7 or 9 is 6-12; a bench line of touching
#: marker characters 9 or more, of pen characters 15 or more).
SHORT_STROKES = 10.0


@dataclass(frozen=True)
class Straightened:
    """The cleaned ink turned upright, and how to map its pixels back to the original picture."""

    cleaned: Cleaned
    ink: np.ndarray
    mask: np.ndarray
    inverse: np.ndarray  # 2x3 affine: straightened working pixels -> original picture pixels
    angle: float


def components(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
    if elongated and _one_shape(mask, stats, height, width):
        return "single"
    return "horizontal" if best == 0 else "vertical"


def _one_shape(mask: np.ndarray, stats: np.ndarray, height: int, width: int) -> bool:
    """Whether long ink is one character: one shape (a tall 1, 7 or り), or parts that lie beside
    the largest along its length (a broken 4, 卜), not after each other as a line's characters do.

    A shape ``TALL_CHAR`` times longer than wide and many strokes wide and long is a line of
    touching characters (a thin 1 is a stroke or two wide).
    """
    pos, size = (1, 3) if height >= width else (0, 2)
    lo, hi = stats[:, pos], stats[:, pos] + stats[:, size]
    main = int(np.argmax(hi - lo))
    if hi[main] - lo[main] < MAIN_PART * (hi.max() - lo.min()):
        return False
    beside = np.minimum(hi, hi[main]) - np.maximum(lo, lo[main])
    if not bool(np.all(beside >= PART_BESIDE * (hi - lo))):
        return False
    long, across = max(height, width), min(height, width)
    if long < TALL_CHAR * across:
        return True
    ink = mask > 0
    # A band of ink ``s`` wide has a mean distance to the paper of ``s / 4``.
    stroke = max(1.0, 4.0 * float(cv2.distanceTransform(ink.astype(np.uint8), cv2.DIST_L2, 3)[ink].mean()))
    return across <= THIN_STROKES * stroke or long <= SHORT_STROKES * stroke


def _longest_run(filled: np.ndarray, bridge: int) -> int:
    """The longest run of ``filled``, gaps shorter than ``bridge`` bridged: a band's length along
    itself, without the empty space between the lines a column of a page of lines crosses."""
    starts, stops = _runs(filled, bridge)
    return int((stops - starts).max()) if len(starts) else 0


def _runs(filled: np.ndarray, bridge: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Starts and (exclusive) stops of the runs of ``filled``, gaps shorter than ``bridge`` bridged."""
    at = np.flatnonzero(filled)
    if not len(at):
        return at, at
    breaks = np.flatnonzero(np.diff(at) > bridge)
    return np.concatenate([[at[0]], at[breaks + 1]]), np.concatenate([at[breaks], [at[-1]]]) + 1


def _bands(mask: np.ndarray, axis: int, char: float = 0.0) -> list[tuple[int, int]]:
    """Runs of rows (``axis`` 0: the bands of horizontal lines) or columns (1) holding ink.

    Small gaps are bridged; a band thicker than 1.7 characters (``char``, when given: lines
    that touch, or run into each other once turned) is split at the emptiest places of its
    profile, a character or so apart.
    """
    profile = np.count_nonzero(mask, axis=1 - axis)
    starts, stops = _runs(profile > 0)
    if not len(starts):
        return []
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


def line_components(mask: np.ndarray, labels: np.ndarray, stats: np.ndarray, along: int) -> list[np.ndarray]:
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
