"""Cutting a line of a picture into pieces: components, and seams between touching characters.

Part of the picture path (``core.picture``): connected components along each line, those
that lie within another's span along the line joined (二, 三); a component that may hold
touching neighbours (longer than a character, or than half of one with another component
close by) is cut along seams that bend around strokes and, where the contact network is
there (``core.contacts``), run through the ink it marks as two characters meeting. The decoder
(``core.decode``) chooses which pieces make one character.
"""

from __future__ import annotations

import math

import numpy as np

from core.contacts import Contacts
from core.decode import Box, Piece, other_line_size

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
#: Cuts in a component at least ``FINE_LENGTH`` line sizes long (several touching characters) are
#: only ``FINE_SPACING`` apart (bench_pictures, tuning half, 60 lines a style, touching lines:
#: 64.6 -> 69.9%, all lines 79.4 -> 81.5%; 0.1 apart everywhere read photos 2.7 points worse:
#: one wide character cut in two reads as two). 0.07 rather than 0.1: the joins of a narrow
#: character tucked between its neighbours are both cut (all lines 83.7 -> 84.3% on seed 1,
#: 83.4 -> 84.1% on seed 2, touching lines 68.3 -> 69.9% and 62.3 -> 64.9%, natural and tight
#: lines alike within 0.3 points; 0.05 read 82.8% on seed 1: wide characters fall apart).
FINE_SPACING = 0.07
FINE_LENGTH = 1.3
#: Where the contact network marks characters meeting (``core.contacts``), a seam pays this much
#: less per ink pixel: ``GUIDE`` of ``SEAM_INK`` off at a probability of ``MEETING`` or more, in
#: proportion below it. A place along the component where the marked probability, summed across
#: the line, reaches ``GUIDED_MASS`` is cut before any other (``_seams``).
GUIDE = 0.9
MEETING = 0.5
GUIDED_MASS = 0.5


def line_size(line: np.ndarray, along: int) -> float:
    """A line's size: its extent across the line (a horizontal line's height), from its
    components' stats rows."""
    c0, c_len = (1, 3) if along == 0 else (0, 2)
    return max(float((line[:, c0] + line[:, c_len]).max() - line[:, c0].min()), 1.0)


def may_touch(line: np.ndarray, along: int) -> bool:
    """Whether some component of a line (its stats rows) is long enough to hold touching characters."""
    return bool((line[:, 2 if along == 0 else 3] > CUT_LENGTH * line_size(line, along)).any())


def other_size(line: np.ndarray, along: int) -> float | None:
    """The size of a line's second cut (``core.decode.other_line_size``) from its components'
    stats rows, or None."""
    a_len, c_len = (2, 3) if along == 0 else (3, 2)
    size = line_size(line, along)
    return other_line_size(line[:, a_len].astype(np.float64), line[:, c_len].astype(np.float64), size, along)


def cut_pieces(line: np.ndarray, labels: np.ndarray, stats: np.ndarray, along: int, size: float | None = None,
               contacts: Contacts | None = None) -> tuple[list[Piece], np.ndarray, dict[int, Box], float]:
    """The pieces of one line, the label image they index, their boxes and the line's size
    (``line_size`` unless ``size`` is given).

    A component that may hold touching neighbours is cut along seams (``_seams``), guided by
    where ``contacts`` (``core.contacts``) marks characters meeting when it is given."""
    a0, a_len = (0, 2) if along == 0 else (1, 3)
    size = size or line_size(line, along)
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
            parts = _cut(piece_labels, (x, y, w, h), ident, along, size, next_id, contacts)
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
         next_id: int, contacts: Contacts | None = None) -> list[tuple[int, Box]]:
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
    meet = None
    if contacts is not None:
        meet = contacts.at(box) * own
        meet = meet if along == 0 else meet.T
    seams = _seams(across, size, meet)
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


def _seams(own: np.ndarray, size: float, meet: np.ndarray | None = None) -> list[np.ndarray]:
    """Seams across a component whose rows run across the line: per seam, its column in every row.

    Cuts are first placed at the thinnest places of the component's profile along the line,
    then where the cheapest seam through the middle row costs least (tucked characters leave
    no thin place in the profile; tuning half, 60 lines a style, touching lines: clean 58 ->
    63%, rotated 64 -> 72%, photo 57 -> 58%), ``CUT_SPACING`` line sizes apart and
    ``CUT_END`` from the component's ends. Each becomes the cheapest
    seam within ``SEAM_BAND`` line sizes of it: a seam pays ``SEAM_INK`` per ink pixel it
    crosses, moves at most one column per row, paying ``SEAM_STEP`` a column, and pays more the
    further it strays from its cut. A seam may cross any number of strokes: where touching
    characters meet, a seam crosses every stroke reaching from one into the other (に beside は:
    three or more), and a cut through the middle of a character is undone by the decoder
    (tuning half, 60 lines a style: seams crossing more than 3 strokes left out read 84.3 /
    84.1% of the characters on seeds 1 / 2, none left out 84.7 / 84.8%, touching lines of JPEG
    and photos +1.6 to +7 points, natural and tight lines unchanged; no limit reads as a limit
    of 5 or 8). Seams are kept in order (one never crosses the one before). Seams free to stray
    further (0.25 line sizes) read touching lines worse (tuning half, 30 lines a style, clean
    touching lines: 68% -> 53%): they wander through characters. Giving each part's fragments cut
    off from its body to the neighbouring part they touch most read touching lines of another
    seed 2 points better but the benchmark's tuning half 0.3-2.2 points worse (model 1.3.0): not used.

    Where ``meet`` (the contact network's probability per pixel, ``core.contacts``) is given, ink
    marked as two characters meeting is cheap for a seam (``GUIDE``, ``MEETING``), and the places
    with the most marked ink across the line are cut first. Tuning half, 60 lines a style, clean /
    uneven / rotated / JPEG / photo / ruled / desk: 93.2 / 93.2 / 91.6 / 86.3 / 88.2 / 86.3 / 91.0%
    without the network, 95.0 / 96.6 / 95.6 / 91.0 / 90.3 / 89.1 / 92.2% with it. With a network
    trained without digits, splitting a component where it marks a meeting, before any seam, read
    93.8 / 92.8 / 94.4 / 85.4 / 87.9 / 88.2 / 91.3% (these seams: 96.0 / 96.0 / 93.5 / 86.9 / 89.7 /
    90.3 / 92.5%): a mark that misses part of a stroke leaves the two characters joined, and one
    that cuts into a character splits it. Marks counted fully from 0.3 or a ``GUIDE`` of 1.0 read
    within 0.3 points on average.
    """
    h, w = own.shape
    profile = own.sum(axis=0).astype(np.float32)
    smooth = max(1, int(size * 0.06)) | 1
    profile = np.convolve(profile, np.ones(smooth) / smooth, "same")
    end = max(2, int(CUT_END * size))
    valleys = [i for i in range(end, w - end) if profile[i] <= profile[i - 1] and profile[i] <= profile[i + 1]]
    pixel = own.astype(np.float32) * SEAM_INK
    guided: list[int] = []
    mass = profile
    if meet is not None:
        pixel = pixel * (1.0 - GUIDE * np.clip(meet / MEETING, 0, 1))
        mass = np.convolve(meet.sum(axis=0), np.ones(smooth) / smooth, "same")
        guided = [i for i in range(end, w - end) if mass[i] >= mass[i - 1] and mass[i] >= mass[i + 1]
                  and mass[i] >= GUIDED_MASS]
    # The cost of the cheapest seam through each column of the middle row (from the top and the
    # bottom: each half's costs are all it needs).
    middle = h // 2
    through = _seam_costs(pixel[:middle + 1])[-1] + _seam_costs(pixel[middle:][::-1])[-1] - pixel[middle]
    cheap = [i for i in range(end, w - end) if through[i] <= through[i - 1] and through[i] <= through[i + 1]]
    candidates = sorted(guided, key=lambda v: -mass[v]) + sorted(valleys, key=lambda v: profile[v]) + \
        sorted(cheap, key=lambda v: through[v])
    # Several touching characters: cuts closer together (characters tucked under each other).
    gap = max(2, int((FINE_SPACING if w >= FINE_LENGTH * size else CUT_SPACING) * size))
    cuts: list[int] = []
    for i in candidates:
        if all(abs(i - c) >= gap for c in cuts):
            cuts.append(int(i))
    band = max(1, int(SEAM_BAND * size))
    windows = [(max(0, cut - band), min(w, cut + band + 1), cut) for cut in sorted(cuts)]
    costs = _seam_costs_apart([pixel[:, lo:hi] + SEAM_STRAY * np.abs(np.arange(lo, hi) - cut, dtype=np.float32) / band
                               for lo, hi, cut in windows])
    seams: list[np.ndarray] = []
    for (lo, _, _), cost in zip(windows, costs):
        seam = _trace(cost) + lo
        seams.append(np.maximum(seam, seams[-1]) if seams else seam)
    return seams


def _seam_costs(pixel: np.ndarray) -> np.ndarray:
    """Cost of the cheapest seam from the first row to each pixel (one column per row at most)."""
    cost = np.empty_like(pixel)
    cost[0] = pixel[0]
    # The row before, between two infinities; the sums in float64 (then stored as ``pixel``'s
    # type), in buffers reused from row to row (two thirds of the time of new arrays each row).
    before = np.full(pixel.shape[1] + 2, np.inf)
    best = np.empty(pixel.shape[1])
    for row in range(1, len(pixel)):
        before[1:-1] = cost[row - 1]
        np.minimum(before[:-2], before[2:], out=best)
        best += SEAM_STEP
        np.minimum(best, before[1:-1], out=best)
        np.add(pixel[row], best, out=best)
        cost[row] = best
    return cost


def _seam_costs_apart(pixels: list[np.ndarray]) -> list[np.ndarray]:
    """``_seam_costs`` of each of several arrays of one height, in one pass: side by side with a
    column of infinite cost between them, which no cheapest seam takes, so each costs as alone
    (a component's seams took a pass each: a third of a line's cutting)."""
    if len(pixels) < 2:
        return [_seam_costs(pixel) for pixel in pixels]
    wall = np.full((pixels[0].shape[0], 1), np.inf, pixels[0].dtype)
    cost = _seam_costs(np.hstack([part for pixel in pixels for part in (pixel, wall)][:-1]))
    starts = np.cumsum([0] + [pixel.shape[1] + 1 for pixel in pixels])
    return [cost[:, start:start + pixel.shape[1]] for start, pixel in zip(starts, pixels)]


def _trace(cost: np.ndarray) -> np.ndarray:
    """The cheapest seam of ``cost`` (``_seam_costs``): its column in every row, followed up from
    the cheapest end in the last row. Moving sideways costs ``SEAM_STEP``; of equal costs the
    leftmost is taken. In Python floats (float64, as NumPy sums a float32 cost and a float64
    step): a row is three numbers, and NumPy's calls on them took 4 times as long."""
    values = cost.tolist()
    h, w = cost.shape
    seam = np.empty(h, np.int64)
    col = int(np.argmin(cost[-1]))
    seam[-1] = col
    for row in range(h - 2, -1, -1):
        line = values[row]
        best, best_col = math.inf, col
        for c in range(max(0, col - 1), min(w, col + 2)):
            value = line[c] + (0.0 if c == col else SEAM_STEP)
            if value < best:
                best, best_col = value, c
        col = best_col
        seam[row] = col
    return seam
