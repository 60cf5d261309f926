"""Printed lines on the paper (a notebook's rules, squared paper, genkō yōshi) taken out of the ink.

Writing on ruled or squared paper is most of what people photograph, and the paper's lines
are ink to the threshold: they join every character of a line into one component, and a
column's lines cross every character. ``remove_rules`` finds them and takes them out of the
mask (``core.binarize.clean`` calls it), so the rest of the picture path sees the writing alone:

1. **Candidates**: straight segments (OpenCV's probabilistic Hough transform on a copy at most
   ``HOUGH_SIDE`` pixels long) within ``MAX_TILT`` degrees of horizontal or vertical and at
   least ``MIN_SPAN`` of the picture's width (or height) long.
2. **A printed line, not strokes that line up**: along the whole candidate, nearly every
   position (``MIN_FOUND``) has ink on the line, and at a good share of them (``MIN_THIN``:
   a printed line through the middle of a line of writing is crossed by many strokes) the run
   of ink across the line is thin, the line's own width. A horizontal line drawn through
   writing on plain paper meets ink only where strokes cross it, and then mostly as thick runs.
3. **Taken out where it is alone**: at each position along the line, the run of ink across it
   is removed when it is no thicker than the line (``THICK_SLACK``); where a stroke crosses or
   rests on the line, the run is thicker and stays whole, so the character keeps every stroke.
4. **Longer than any stroke**: a line is only taken out when it is at least ``MIN_ASPECT``
   times as long as it is wide. A printed line across two characters or more is (a notebook's
   line is about a fiftieth of a character wide); a handwritten stroke, even 一 or the side of
   日 in a tight crop, is at most about a character long and a thirtieth of one wide.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import cv2
import numpy as np

#: The Hough transform runs on a copy whose longer side is at most this many pixels.
HOUGH_SIDE = 1024
#: A printed line lies within this many degrees of horizontal or vertical (a tilted photo).
MAX_TILT = 12.0
#: ... and spans at least this share of the picture's width (horizontal) or height (vertical).
MIN_SPAN = 0.4
#: Share of the positions along a line that must have ink on it, and share of those whose run
#: across the line is thin (the line alone), for it to be a printed line.
MIN_FOUND = 0.85
MIN_THIN = 0.35
MIN_THIN_RULED = 0.2
#: A run across the line is the line alone when at most this many times the line's width (+1 pixel).
THICK_SLACK = 1.5
#: A line is taken out only when at least this many times as long as it is wide; once one is, the
#: paper is ruled, and lines across the whole picture (``EDGE_TO_EDGE`` of it) at least
#: ``MIN_ASPECT_RULED`` times as long as wide are its lines too (a grid's short lines across a
#: line of writing).
MIN_ASPECT = 60.0
MIN_ASPECT_RULED = 25.0
EDGE_TO_EDGE = 0.9
#: A grid's lines across a picture cropped close to one line of writing are short (the line's
#: height: 19 times as long as wide in a crop of squared paper with 5-pixel lines): on paper known
#: to be ruled, a line across the whole picture is one of them when it is straight (``wobble``
#: at most ``MAX_WOBBLE_GRID``), no wider than the lines found (``THICK_SLACK``) and at least
#: ``MIN_ASPECT_GRID`` times as long as wide. A stroke from one edge of the picture to the other
#: that is as thin and straight as a printed line is rarer than a grid.
MIN_ASPECT_GRID = 8.0
MAX_WOBBLE_GRID = 1.5
#: A printed line is straight: the spread (standard deviation) of its middle about a straight
#: line is at most ``MAX_WOBBLE`` pixels plus ``WOBBLE_SHARE`` of its width. A hand never draws
#: so straight (the strokes of 二, 正, 五 in tight crops spread 2-4 times as much), so on paper not
#: yet known to be ruled a line must be straight, and may then be short if it runs across the
#: whole picture (one character on squared paper).
MAX_WOBBLE = 0.25
WOBBLE_SHARE = 0.05


class Rule(NamedTuple):
    """A printed line: ``across = offset + slope * along`` (rows: y of x; columns: x of y)."""

    rows: bool
    slope: float
    offset: float
    span: tuple[float, float]

    def moved(self, dx: float, dy: float) -> Rule:
        """The same line in a window whose origin lies at (dx, dy)."""
        d_along, d_across = (dx, dy) if self.rows else (dy, dx)
        return Rule(self.rows, self.slope, self.offset + self.slope * d_along - d_across,
                    (self.span[0] - d_along, self.span[1] - d_along))


def remove_rules(mask: np.ndarray) -> tuple[np.ndarray, tuple[Rule, ...]]:
    """The mask (uint8, non-zero ink) without the printed lines of the paper, and those lines
    (the mask itself and none if there are none)."""
    h, w = mask.shape
    if min(h, w) < 16 or not mask.any():
        return mask, ()
    factor = min(1.0, HOUGH_SIDE / max(h, w))
    small = mask if factor == 1.0 else (cv2.resize(mask, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
                                        > 0).astype(np.uint8) * 255
    shortest = MIN_SPAN * min(h, w) * factor
    segments = cv2.HoughLinesP(small, 1, math.pi / 360, threshold=max(10, int(0.5 * shortest)),
                               minLineLength=max(10, int(shortest)), maxLineGap=max(4, int(0.02 * max(h, w) * factor)))
    candidates: dict[tuple[int, int, int], Rule] = {}
    ends = () if segments is None else segments.reshape(-1, 4).astype(np.float64) / factor
    for x1, y1, x2, y2 in ends:
        angle = math.degrees(math.atan2(y2 - y1, x2 - x1)) % 180
        rows = min(angle, 180 - angle) <= MAX_TILT
        if not rows and abs(angle - 90) > MAX_TILT:
            continue
        if math.hypot(x2 - x1, y2 - y1) < MIN_SPAN * (w if rows else h):
            continue
        # Segments of one printed line (a thick line gives several) are looked at once.
        slope = (y2 - y1) / (x2 - x1) if rows else (x2 - x1) / (y2 - y1)
        offset = (y1 - slope * x1) if rows else (x1 - slope * y1)
        rule = Rule(rows, slope, offset, (x1, x2) if rows else (y1, y2))
        candidates.setdefault(_same_line(rule), rule)
    for rule in _straight_across(mask):
        candidates.setdefault(_same_line(rule), rule)
    if not candidates:
        return mask, ()
    lines = [(rule, _thin_runs(mask, rule)) for rule in candidates.values()]
    printed = [line.width for _, line in lines if line is not None and _printed(line, False)]
    if not printed:
        return mask, ()
    width = float(np.median(printed))
    # The paper is ruled. Rows are taken out first, then columns: each line is looked at again
    # on what is left (where a row and a column cross, the run across the column is then its
    # own width, and no dot is left; a second segment of a line taken out finds nothing).
    out = mask.copy()
    found = []
    for rows in (True, False):
        for rule, _ in lines:
            if rule.rows != rows:
                continue
            line = _thin_runs(out, rule)
            if line is not None and _printed(line, True, width):
                out[line.pixels] = 0
                found.append(rule)
    return out, tuple(found)


def _same_line(rule: Rule) -> tuple[int, int, int]:
    """A key shared by the candidates of one printed line (a thick line gives several)."""
    return int(rule.rows), int(round(rule.offset / 3)), int(round(rule.slope * 50))


def _straight_across(mask: np.ndarray) -> list[Rule]:
    """Rows and columns with ink at ``MIN_FOUND`` of their positions: a scan's printed lines.

    The Hough transform above misses some of them: where a line runs through the middle of a
    character, the thick strokes around it vote for other angles, and the segments found there
    take its pixels, leaving it in pieces shorter than ``MIN_SPAN`` (squared paper's column
    through two characters of a line). A straight line along the picture's rows or columns is
    found by counting instead; whether it is printed is decided as for every other candidate.
    """
    rules = []
    h, w = mask.shape
    for rows in (True, False):
        share = (mask > 0).mean(axis=1 if rows else 0)
        full = np.flatnonzero(share >= MIN_FOUND)
        if not len(full):
            continue
        # One candidate per run of neighbouring rows (a line a few pixels wide): its fullest.
        for run in np.split(full, np.flatnonzero(np.diff(full) > 1) + 1):
            at = int(run[np.argmax(share[run])])
            rules.append(Rule(rows, 0.0, float(at), (0.0, float((w if rows else h) - 1))))
    return rules


def erase_rules(mask: np.ndarray, rules: tuple[Rule, ...]) -> np.ndarray:
    """The mask without the thin runs of lines found before (``remove_rules``), e.g. at another threshold."""
    if not rules:
        return mask
    out = mask.copy()
    for rows in (True, False):
        for rule in rules:
            if rule.rows == rows:
                line = _thin_runs(out, rule, check=False)
                if line is not None:
                    out[line.pixels] = 0
    return out


class _Line(NamedTuple):
    aspect: float  # length over width
    width: float  # pixels across where it is alone
    across: bool  # whether it runs across the whole picture
    thin: float  # share of its positions where it is thin (the line alone)
    wobble: float  # spread (pixels) of its middle about a straight line where it is thin, over what a printed one has
    pixels: tuple[np.ndarray, np.ndarray]  # rows and columns of its thin runs


def _printed(line: _Line, ruled: bool, width: float = 0.0) -> bool:
    """Whether a line's figures make it a printed line, on paper known to be ruled (whose lines
    are ``width`` pixels wide) or not."""
    if ruled:
        return (line.aspect >= MIN_ASPECT and line.thin >= MIN_THIN) or \
            (line.across and line.aspect >= MIN_ASPECT_RULED and line.thin >= MIN_THIN_RULED) or \
            (line.across and line.wobble <= MAX_WOBBLE_GRID and line.thin >= MIN_THIN_RULED
             and line.width <= THICK_SLACK * width + 1 and line.aspect >= MIN_ASPECT_GRID)
    return line.wobble <= 1.0 and line.thin >= MIN_THIN and \
        (line.aspect >= MIN_ASPECT or (line.across and line.aspect >= MIN_ASPECT_RULED))


def _thin_runs(mask: np.ndarray, rule: Rule, check: bool = True) -> _Line | None:
    """The line's figures and thin runs in ``mask``; None if it does not have ink nearly all along
    its span (``check``) or has no thin run."""
    grid = mask if rule.rows else mask.T
    h, w = grid.shape
    along = np.arange(w)
    centre = np.round(rule.offset + rule.slope * along).astype(np.int64)
    inside = (centre >= 0) & (centre < h)
    along, centre = along[inside], centre[inside]
    if not len(along):
        return None
    reach = 12
    offsets = np.arange(-reach, reach + 1)
    rows = centre[:, None] + offsets[None, :]
    valid = (rows >= 0) & (rows < h)
    band = np.where(valid, grid[np.clip(rows, 0, h - 1), along[:, None]] > 0, False)
    # The ink nearest the line at each position (within 2 pixels), and its run across the line.
    start = np.full(len(along), -1)
    for step in (0, -1, 1, -2, 2):
        take = (start < 0) & band[:, reach + step]
        start[take] = reach + step
    up = np.zeros(band.shape, np.int64)
    down = np.zeros(band.shape, np.int64)
    for j in range(band.shape[1]):
        up[:, j] = (up[:, j - 1] + 1) * band[:, j] if j else band[:, j]
    for j in range(band.shape[1] - 1, -1, -1):
        down[:, j] = (down[:, j + 1] + 1) * band[:, j] if j < band.shape[1] - 1 else band[:, j]
    has = start >= 0
    at = np.where(has, start, 0)
    first = at - up[np.arange(len(at)), at] + 1
    last = at + down[np.arange(len(at)), at] - 1
    run = np.where(has, last - first + 1, 0)
    lo, hi = sorted(rule.span)
    segment = (along >= lo) & (along <= hi) if check else np.ones(len(along), bool)
    if not (segment & has).any() or (check and (segment.sum() < 10 or has[segment].mean() < MIN_FOUND)):
        return None
    # The line's own width: where strokes cross it or lie along it, the runs are thicker.
    thin = has & (run <= THICK_SLACK * float(np.percentile(run[segment & has], 25)) + 1) \
        & (first > 0) & (last < 2 * reach)
    if not thin[segment].any():
        return None
    width = float(np.median(run[segment & thin]))
    # Its length: the stretch along it with ink, gaps no longer than the Hough transform bridges
    # (the tangent of a curved stroke meets the stroke only near the segment found).
    at_ink = along[has]
    breaks = np.flatnonzero(np.diff(at_ink) > max(4.0, 0.02 * max(h, w)))
    starts, ends = np.r_[0, breaks + 1], np.r_[breaks, len(at_ink) - 1]
    longest = int(np.argmax(at_ink[ends] - at_ink[starts]))
    lo, hi = at_ink[starts[longest]], at_ink[ends[longest]]
    length = float(hi - lo + 1)
    straight = thin & (along >= lo) & (along <= hi)
    middle = centre[straight] + (first[straight] + last[straight]) / 2 - reach
    wobble = math.inf
    if straight.sum() >= 10:
        fit = np.polyfit(along[straight].astype(np.float64), middle, 1)
        wobble = float(np.std(middle - np.polyval(fit, along[straight]))) / (MAX_WOBBLE + WOBBLE_SHARE * width)
    cols, cells = np.nonzero(thin[:, None] & (offsets[None, :] >= first[:, None] - reach)
                             & (offsets[None, :] <= last[:, None] - reach))
    ys, xs = centre[cols] + offsets[cells], along[cols]
    return _Line(length / max(width, 1.0), width, length >= EDGE_TO_EDGE * w, float(thin[segment].mean()), wobble,
                 (ys, xs) if rule.rows else (xs, ys))
