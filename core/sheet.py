"""The sheet of paper in a photo of it lying on a desk, a table or a book.

People photograph their notes on whatever they lie on, and rarely fill the frame with the
paper. Around the sheet, a darker desk is most of the picture's edge: the polarity test would
take the bright sheet for light ink on a dark ground, and the sheet's edge would be a band of
ink. ``find_sheet`` finds a sheet; ``core.binarize.clean`` then paints everything outside it
as the nearest paper looks (``paint_desk``) and takes the writing for dark:

1. On the small copy: the bright part of the picture (Otsu's threshold on a blurred copy),
   its dark writing filled by a closing, and its largest component.
2. The desk is what is left that reaches the picture's border (the writing inside the sheet,
   however dense, is the sheet's; paper running on beyond the frame is the sheet's up to it),
   and it reaches some way into the picture (a printed line along the border is no desk).
   It is a sheet when it is between ``MIN_SHARE`` and
   ``MAX_SHARE`` of the picture, clearly brighter than the desk (``MIN_STEP`` grey levels between
   their medians), written on (``MIN_WRITING``) but mostly paper (at most ``MAX_INK`` of it
   dark), a convex shape (``MIN_SOLIDITY``), the desk holds neither paper nor writing
   (``MAX_DESK_INK``: paper in a shadow, written on, has ink darker than itself), and the
   sheet's edge is sharp: the grey changes by much of that step within a few pixels
   (``SHARP_EDGE``). A shadow's edge or light falling off towards the corners changes the grey
   over a tenth of the picture; a light character on a dark ground is mostly dark inside once
   its gaps are filled; a tight crop of thick strokes reaching the border leaves paper that is
   either blank or has the strokes cut into it.
"""

from __future__ import annotations

import cv2
import numpy as np

#: Share of the picture a sheet covers (less: a scrap or a bright object; more: paper fills the frame).
MIN_SHARE = 0.08
MAX_SHARE = 0.95
#: Grey levels between the median of the sheet and of the rest of the picture.
MIN_STEP = 35
#: Share of the sheet's pixels darker than halfway to the desk (writing) at most, and share of the
#: desk's pixels as much darker than the desk (writing in a shadow is not a desk).
MAX_INK = 0.25
MAX_DESK_INK = 0.01
#: At least this share of the sheet is writing (a tight crop of one thick stroke touching the
#: border leaves paper with nothing on it), and the sheet fills this share of its convex hull.
MIN_WRITING = 0.001
MIN_SOLIDITY = 0.9
#: Writing is this many grey levels darker than the paper (or half the step to the desk, if less).
WRITING_STEP = 30
#: Pictures whose shorter side is under this many pixels (a tiny scan, enlarged to 96 pixels
#: before it is cleaned) are never looked at.
MIN_PICTURE = 100
#: Across the sheet's edge, the grey changes by at least this share of the step per pixel (median).
SHARP_EDGE = 0.1
#: The sheet's edge is moved this share of the picture's size (the geometric mean of its sides)
#: inwards (its shadow and rim). Of the longer side, it took the first character off a column
#: written near the top of a long narrow sheet (desk, tuning half, 200 lines: 90.4 -> 91.1%).
RIM = 0.025
#: The desk is painted with the brightness of the paper's pixels (those within ``PAPER_BAND`` grey
#: levels below the median of a window ``1 / PAPER_AROUND`` of the picture's longer side wide, so that
#: the writing does not darken it and a shadow across the paper does) carried outwards.
PAPER_BAND = 30
PAPER_AROUND = 8


def paint_desk(grey: np.ndarray, small: np.ndarray, sheet: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``grey`` and its small copy with everything outside the sheet painted as the paper would
    look there: the brightness of the nearest paper (``_extended``), so that light falling off
    across the sheet goes on across the desk and the paper by the edge does not look dark beside
    it; without grain (grain there would be read as specks of ink once the light is divided out)."""
    # The paper's own pixels, not its writing: those within ``PAPER_BAND`` of their surroundings'
    # median. Against the sheet's one median, paper in a shadow along an edge was not paper; the
    # desk beside it was painted as bright as the lit paper, and the shadow became a band of ink
    # (single characters on a desk, tuning half: 83.5% -> 93.5%).
    around = cv2.medianBlur(small, max(3, max(small.shape) // PAPER_AROUND) | 1)
    paper = sheet & (small.astype(np.int16) > around.astype(np.int16) - PAPER_BAND)
    fill_small = np.clip(np.round(_extended(small.astype(np.float32), paper)), 0, 255).astype(np.uint8)
    size = (grey.shape[1], grey.shape[0])
    full = cv2.resize(sheet.view(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    fill_full = cv2.resize(fill_small, size, interpolation=cv2.INTER_LINEAR)
    return np.where(full, grey, fill_full), np.where(sheet, small, fill_small)


def _extended(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``values`` where ``known``, elsewhere the value of the nearest known pixel, smoothed a little
    (the paper by the sheet's edge, however shaded, is then as bright as the desk beside it)."""
    if not known.any():
        return values
    _, nearest = cv2.distanceTransformWithLabels((~known).view(np.uint8), cv2.DIST_L2, 5,
                                                 labelType=cv2.DIST_LABEL_PIXEL)
    value_of = np.zeros(int(nearest.max()) + 1, np.float32)
    value_of[nearest[known]] = values[known]
    spread = cv2.GaussianBlur(value_of[nearest], (0, 0), 2.0)
    return np.where(known, values, spread)


def find_sheet(small: np.ndarray) -> np.ndarray | None:
    """The sheet's pixels (bool, the shape of ``small``) in a grey picture, or None if it has none."""
    h, w = small.shape
    if min(h, w) < 64:
        return None
    side = max(h, w)
    blurred = cv2.GaussianBlur(small, (0, 0), max(1.0, side / 200))
    _, raw = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    k = max(3, int(side * 0.04)) | 1
    # Dark beyond the picture's border: a strip of desk between the sheet and the border stays desk.
    bright = cv2.morphologyEx(raw, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)),
                              borderType=cv2.BORDER_CONSTANT, borderValue=0)
    # ... but paper that runs on beyond the frame is the sheet's right up to the border (the closing
    # took a strip of it off, and that strip of bright "desk" refused the sheet).
    frame = np.ones_like(raw, dtype=bool)
    frame[k:-k, k:-k] = False
    bright[frame & (raw > 0)] = 255
    count, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
    if count < 2:
        return None
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    # The desk: what is not the sheet and reaches the picture's border; dark parts inside the
    # sheet (its writing, however dense) are the sheet's.
    _, around = cv2.connectedComponents((labels != largest).view(np.uint8), connectivity=4)
    border = np.unique(np.concatenate([around[0], around[-1], around[:, 0], around[:, -1]]))
    desk = np.isin(around, border[border > 0])
    # A desk reaches at least the kernel's width into the picture somewhere: a printed line
    # along the border of a picture cropped close on squared paper is not one (4 pixels of 11).
    if not desk.any() or float(cv2.distanceTransform(desk.view(np.uint8), cv2.DIST_L2, 3).max()) < k:
        return None
    sheet = ~desk
    share = float(sheet.mean())
    if not MIN_SHARE <= share <= MAX_SHARE:
        return None
    paper, ground = float(np.median(small[sheet])), float(np.median(small[desk]))
    step = paper - ground
    if step < MIN_STEP:
        return None
    # Mostly paper inside; a desk without paper in it (dense writing along the border is dark
    # strokes on bright paper) nor writing (paper in a shadow, written on, is darker than the lit
    # paper too, but its ink is darker still).
    outside = small[desk]
    inside = small[sheet]
    written = float(np.mean(inside < paper - min(step / 2, WRITING_STEP)))  # pencil too
    if float(np.mean(inside < paper - step / 2)) > MAX_INK or written < MIN_WRITING or \
            float(np.mean(outside > ground + step / 2)) > MAX_INK / 2 or \
            float(np.mean(outside < ground - step / 2)) > MAX_DESK_INK:
        return None
    # The grey's slope across the edge (the sheet's outermost pixels).
    edge = sheet & ~cv2.erode(sheet.view(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    smooth = cv2.GaussianBlur(small, (0, 0), 1.0).astype(np.float32)
    slope = np.hypot(cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)) / 8
    # The picture's own border is not an edge of the sheet (the paper runs on beyond the frame).
    inner = np.zeros_like(edge)
    inner[2:-2, 2:-2] = True
    edge &= inner
    # The steepest slope near each edge pixel: the sheet found may lie a pixel or two off its edge.
    steepest = cv2.dilate(slope, np.ones((5, 5), np.uint8))
    if edge.sum() < 0.05 * side or float(np.median(steepest[edge])) < SHARP_EDGE * step:
        return None
    # A sheet is a convex four-sided shape (cut by the picture's border, perhaps); what a thick
    # stroke reaching the border of a tight crop leaves of the paper has the stroke cut into it.
    contours, _ = cv2.findContours(sheet.view(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hull = cv2.contourArea(cv2.convexHull(max(contours, key=cv2.contourArea)))
    if float(sheet.sum()) < MIN_SOLIDITY * hull:
        return None
    rim = max(1, int(RIM * (h * w) ** 0.5))
    return cv2.erode(sheet.view(np.uint8), np.ones((2 * rim + 1, 2 * rim + 1), np.uint8)).astype(bool)
