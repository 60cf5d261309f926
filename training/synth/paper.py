"""Ink written on paper, as it looks in scans and phone photos: dark ink on light paper.

``layout_lines`` places characters' ink (``core.ink.Ink``, e.g. Tomoe's) along lines or
columns (right to left) with natural, tight or touching spacing; ``render`` draws them
with a ``Pen`` (ballpoint, pencil, felt pen or marker, brush) on paper seen under a
``Look`` (paper colour and grain, ruled or squared paper, a desk around the sheet, uneven
light, rotation and perspective, blur, noise, JPEG) and returns the picture, grey like a
decoded photo (or RGB), with each character's true box. Everything is drawn from a seeded ``numpy`` Generator: the same seed gives the
same picture. ``sample_pen`` and ``sample_look`` draw the benchmark's styles (``STYLES``),
which the training-data generator can reuse.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import cv2
import numpy as np

from core.ink import Ink

PenKind = Literal["ballpoint", "pencil", "marker", "brush"]
Layout = Literal["horizontal", "vertical"]
Spacing = Literal["natural", "tight", "touching"]
PEN_KINDS: tuple[PenKind, ...] = ("ballpoint", "pencil", "marker", "brush")
SPACINGS: tuple[Spacing, ...] = ("natural", "tight", "touching")
#: Picture styles of the benchmark (issue 12): see ``sample_look``.
STYLES = ("clean", "uneven", "rotated", "jpeg", "photo", "ruled", "desk")
Rules = Literal["", "ruled", "grid"]
#: Side of the box the ink's coordinates are written in (Tomoe's 300 units); one character cell.
CELL = 300.0
RGB = tuple[int, int, int]
#: Box of a character in picture pixels: x, y, w, h.
PixelBox = tuple[int, int, int, int]


@dataclass(frozen=True)
class Pen:
    """What the writing was done with.

    Attributes:
        kind: ``ballpoint`` (thin, even), ``pencil`` (faint grey, grainy, broken), ``marker``
            (a felt pen: thick, even) or ``brush`` (width swelling and tapering along a stroke).
        width: Line width as a fraction of the character cell.
        darkness: How much light the ink takes away where it lies fully (0..1).
        colour: The ink's colour (RGB).
    """

    kind: PenKind = "ballpoint"
    width: float = 0.045
    darkness: float = 0.95
    colour: RGB = (20, 20, 28)

    def __post_init__(self) -> None:
        if self.kind not in PEN_KINDS or not 0 < self.width < 0.5 or not 0 < self.darkness <= 1:
            raise ValueError(f"Need a pen kind of {PEN_KINDS}, 0 < width < 0.5, 0 < darkness <= 1. Received: "
                             f"kind={self.kind!r}, width={self.width}, darkness={self.darkness}")


@dataclass(frozen=True)
class Look:
    """How the paper and the camera or scanner make the picture look.

    Attributes:
        paper: Paper colour (RGB).
        texture: Strength of the paper's grain (0: smooth; 0.05: visible).
        gradient: Light falling off across the picture: the darkest side gets ``1 - gradient``.
        vignette: Light falling off towards the corners: corners get ``1 - vignette``.
        shadow: Darkness of a soft-edged shadow over part of the picture (0: none).
        rotation: Rotation of the writing in degrees (counter-clockwise).
        perspective: Largest corner displacement of a phone's perspective, as a fraction of the side.
        blur: Gaussian blur (defocus) as a fraction of the character cell.
        noise: Sensor noise, standard deviation in grey levels.
        jpeg_quality: JPEG quality the picture is saved at (0: not compressed).
        rules: Printed lines on the paper: ``ruled`` (a notebook's lines along the writing, one
            line of writing between two), ``grid`` (squares both ways, as on genkō yōshi or
            squared paper) or none.
        rule_colour: Their colour (RGB).
        rule_width: Their width as a fraction of the character cell.
        rule_pitch: Their spacing in character cells.
        rule_offset: Where they fall: for ``ruled``, how far (-1..1, a quarter cell at most) the
            writing sits off the middle between two lines; for ``grid``, the squares' phase (0..1).
        sheet: Share of the picture's width and height the sheet of paper takes, the rest a desk
            it lies on (1: the paper fills the picture).
        desk: The desk's colour (RGB).
    """

    paper: RGB = (246, 245, 240)
    texture: float = 0.01
    gradient: float = 0.0
    vignette: float = 0.0
    shadow: float = 0.0
    rotation: float = 0.0
    perspective: float = 0.0
    blur: float = 0.0
    noise: float = 1.0
    jpeg_quality: int = 0
    rules: Rules = ""
    rule_colour: RGB = (150, 175, 220)
    rule_width: float = 0.02
    rule_pitch: float = 1.4
    rule_offset: float = 0.0
    sheet: float = 1.0
    desk: RGB = (90, 62, 42)

    def __post_init__(self) -> None:
        if not 0 <= self.jpeg_quality <= 100:
            raise ValueError(f"Need 0 <= jpeg_quality <= 100. Received: jpeg_quality={self.jpeg_quality}")
        for name in ("texture", "gradient", "vignette", "shadow"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"Need 0 <= {name} < 1. Received: {name}={getattr(self, name)}")


@dataclass(frozen=True)
class Placed:
    """Characters laid out on a page, in reading order.

    Attributes:
        chars: Per character, its strokes as (N, 2) point arrays in page pixels.
        text: The characters, one per entry of ``chars``.
        width: Page width in pixels.
        height: Page height in pixels.
        cell: Pixels of one character cell (``CELL`` ink units).
        pen_width: The pen width (fraction of the cell) the spacing was planned for.
    """

    chars: tuple[tuple[np.ndarray, ...], ...]
    text: str
    width: int
    height: int
    cell: float
    pen_width: float


@dataclass(frozen=True)
class Picture:
    """A rendered picture and where each character is in it.

    Attributes:
        image: The picture (uint8, grey or RGB).
        boxes: Each character's box in the picture.
        text: The characters.
        chars: Each character's strokes on the paper as drawn (before the camera, on the desk
            where there is one), in pixels.
        matrix: The camera's 3x3 homography from those pixels to the picture's, or None (a flat scan).
    """

    image: np.ndarray
    boxes: tuple[PixelBox, ...]
    text: str
    chars: tuple[tuple[np.ndarray, ...], ...] = ()
    matrix: np.ndarray | None = None


def layout_lines(lines: Sequence[Sequence[Ink]], layout: Layout, spacing: Spacing, rng: np.random.Generator,
                 cell: float = 64.0, pen_width: float = 0.045, margin: float = 0.8) -> Placed:
    """Places characters' ink along lines (top to bottom) or columns (right to left).

    Each character keeps its position across the line inside its ``CELL`` box (small kana
    stay low, as written) and is scaled by about ``cell / CELL``. Along the line the space
    between neighbours is drawn per pair: ``natural`` leaves 12-40% of a cell between their
    boxes; ``tight`` brings their ink (not their boxes) within 4-10% of a cell, so boxes may
    overlap; ``touching`` makes their strokes overlap by 10-70% of the pen width.

    Args:
        lines: The characters of each line; every ink must have labels of one character.
        layout: ``horizontal`` lines or ``vertical`` columns.
        spacing: ``natural``, ``tight`` or ``touching``.
        rng: Source of every random choice.
        cell: Pixels per character cell.
        pen_width: The pen's width as a fraction of the cell (tight and touching allow for it).
        margin: Paper around the writing, in cells.

    Raises:
        ValueError: if there is no character, an ink is empty, or an option is unknown.
    """
    if spacing not in SPACINGS or layout not in ("horizontal", "vertical") or not any(lines):
        raise ValueError(f"Need characters, layout horizontal|vertical and spacing of {SPACINGS}. Received: "
                         f"layout={layout!r}, spacing={spacing!r}, {sum(map(len, lines))} characters")
    along = 0 if layout == "horizontal" else 1
    chars: list[tuple[np.ndarray, ...]] = []
    text = ""
    across_pos = 0.0
    for line in lines:
        reach: np.ndarray | None = None
        for ink in line:
            strokes = _ink_points(ink, cell * rng.uniform(0.92, 1.08) / CELL)
            for s in strokes:
                s[:, 1 - along] += across_pos + rng.normal(0.0, 0.03) * cell  # columns go right to left
            shift = 0.0 if reach is None else _shift(reach, np.concatenate(strokes), along, spacing, rng, cell,
                                                       pen_width)
            for s in strokes:
                s[:, along] += shift
            reach = np.concatenate(strokes) if reach is None else np.concatenate([reach, *strokes])
            chars.append(tuple(strokes))
            text += ink.label or "?"
        across_pos += cell * rng.uniform(1.3, 1.6) * (1 if along == 0 else -1)
    every = np.concatenate([s for c in chars for s in c])
    low = every.min(axis=0) - margin * cell
    size = every.max(axis=0) + margin * cell - low
    placed = tuple(tuple(s - low for s in c) for c in chars)
    return Placed(placed, text, int(math.ceil(size[0])), int(math.ceil(size[1])), cell, pen_width)


def _ink_points(ink: Ink, scale: float) -> list[np.ndarray]:
    strokes = [s[:, :2] * scale for s in ink.strokes if len(s)]
    if not strokes:
        raise ValueError(f"An ink to lay out has no points. Received: label={ink.label!r}")
    return [_resample(s, 0.01 * CELL * scale) for s in strokes]


def _resample(points: np.ndarray, step: float) -> np.ndarray:
    """Points along a polyline no more than ``step`` apart (the corners kept)."""
    if len(points) < 2:
        return points.astype(np.float64)
    out = [points[:1]]
    for a, b in zip(points[:-1], points[1:]):
        n = max(1, int(math.ceil(float(np.hypot(*(b - a))) / max(step, 1e-6))))
        t = np.arange(1, n + 1)[:, None] / n
        out.append(a + (b - a) * t)
    return np.concatenate(out)


def _shift(before: np.ndarray, new: np.ndarray, along: int, spacing: Spacing, rng: np.random.Generator,
           cell: float, pen_width: float) -> float:
    """How far along the line to move ``new`` so it follows the ink ``before`` at the drawn spacing."""
    box_shift = float(before[:, along].max() - new[:, along].min())
    if spacing == "natural":
        return box_shift + rng.uniform(0.12, 0.40) * cell
    # Tight: a visible gap beyond the pen and its anti-aliased edges (2 pixels), however small the cell.
    target = pen_width * cell + 2.0 + max(rng.uniform(0.04, 0.10) * cell, 2.0) if spacing == "tight" else \
        pen_width * cell * rng.uniform(0.3, 0.9)
    band = cell / 24.0
    b_band = np.floor(before[:, 1 - along] / band).astype(np.int64)
    n_band = np.floor(new[:, 1 - along] / band).astype(np.int64)
    lo = int(min(b_band.min(), n_band.min())) - 1
    count = int(max(b_band.max(), n_band.max())) - lo + 2
    far = np.full(count, -np.inf)
    np.maximum.at(far, b_band - lo, before[:, along])
    far = np.maximum(far, np.maximum(np.roll(far, 1), np.roll(far, -1)))  # neighbouring bands collide too
    near = np.full(count, np.inf)
    np.minimum.at(near, n_band - lo, new[:, along])
    common = np.isfinite(far) & np.isfinite(near)
    if not common.any():
        return box_shift + target
    # Never tuck the new character more than 0.3 cells under the one before.
    return max(float(target - (near[common] - far[common]).min()), box_shift - 0.3 * cell)


def sample_pen(rng: np.random.Generator, kind: PenKind | None = None) -> Pen:
    """A pen of ``kind`` (by default one of ``PEN_KINDS`` at random) with a usual width and colour."""
    kind = kind or PEN_KINDS[int(rng.choice(4, p=[0.35, 0.2, 0.25, 0.2]))]
    inks: list[RGB] = [(20, 20, 28), (25, 35, 120), (30, 30, 70), (170, 25, 30)]
    colour = inks[int(rng.choice(4, p=[0.5, 0.25, 0.15, 0.1]))]
    if kind == "ballpoint":
        return Pen(kind, rng.uniform(0.03, 0.055), rng.uniform(0.85, 1.0), colour)
    if kind == "pencil":
        return Pen(kind, rng.uniform(0.035, 0.06), rng.uniform(0.35, 0.65), (70, 70, 78))
    if kind == "marker":
        return Pen(kind, rng.uniform(0.07, 0.11), rng.uniform(0.9, 1.0), colour)
    return Pen(kind, rng.uniform(0.07, 0.11), rng.uniform(0.92, 1.0), (15, 15, 18))


def sample_look(style: str, rng: np.random.Generator) -> Look:
    """The look of one of ``STYLES``.

    ``clean``: white paper, a flat scan. ``uneven``: coloured paper under a light gradient,
    vignetting and often a shadow. ``rotated``: clean, turned 2-5 degrees either way. ``jpeg``:
    clean, saved at JPEG quality 25-50. ``photo``: a phone photo: perspective, a small turn,
    defocus blur, vignetting, a gradient, noise and JPEG 70-90. ``ruled``: clean, on a notebook's
    ruled paper (60%) or on squared paper (40%), its lines light blue, grey, green or red, thinner
    than most pens, crossing the writing where it reaches them. ``desk``: a phone photo (as
    ``photo``) of the sheet lying on a desk, a table or a book cover, the sheet 45-85% of the
    picture's width and height.

    Raises:
        ValueError: if ``style`` is not one of ``STYLES``.
    """
    grey = int(rng.integers(238, 253))
    clean = Look(paper=(grey, grey, grey - int(rng.integers(0, 6))), texture=rng.uniform(0.0, 0.02),
                 noise=rng.uniform(0.5, 1.5))
    if style == "clean":
        return clean
    if style == "uneven":
        papers: list[RGB] = [(244, 242, 236), (240, 232, 205), (214, 214, 212), (222, 232, 244), (245, 225, 228),
                             (205, 180, 140)]
        return replace(clean, paper=papers[int(rng.integers(len(papers)))], texture=rng.uniform(0.02, 0.05),
                       gradient=rng.uniform(0.25, 0.5), vignette=rng.uniform(0.1, 0.3),
                       shadow=rng.uniform(0.15, 0.35) if rng.random() < 0.6 else 0.0, noise=rng.uniform(1.0, 3.0))
    if style == "rotated":
        return replace(clean, rotation=float(rng.choice([-1, 1]) * rng.uniform(2.0, 5.0)))
    if style == "jpeg":
        return replace(clean, jpeg_quality=int(rng.integers(25, 51)))
    if style == "photo":
        warm = int(rng.integers(0, 16))
        return Look(paper=(min(255, grey + 2), grey - warm // 2, grey - warm), texture=rng.uniform(0.01, 0.04),
                    gradient=rng.uniform(0.1, 0.3), vignette=rng.uniform(0.25, 0.5),
                    shadow=rng.uniform(0.1, 0.3) if rng.random() < 0.3 else 0.0,
                    rotation=rng.uniform(-3.0, 3.0), perspective=rng.uniform(0.02, 0.05),
                    blur=rng.uniform(0.008, 0.02), noise=rng.uniform(2.0, 5.0), jpeg_quality=int(rng.integers(70, 91)))
    if style == "ruled":
        colours: list[RGB] = [(150, 175, 220), (165, 165, 165), (135, 185, 150), (215, 150, 150)]
        grid = rng.random() < 0.4
        return replace(clean, rules="grid" if grid else "ruled", rule_colour=colours[int(rng.integers(len(colours)))],
                       rule_width=rng.uniform(0.012, 0.035), rule_pitch=rng.uniform(1.1, 1.5) if grid else
                       rng.uniform(1.25, 1.7), rule_offset=rng.uniform(0.0, 1.0) if grid else rng.uniform(-1.0, 1.0))
    if style == "desk":
        desks: list[RGB] = [(90, 62, 42), (150, 112, 74), (105, 105, 110), (60, 62, 70), (170, 60, 50), (40, 40, 42)]
        photo = sample_look("photo", rng)
        return replace(photo, sheet=rng.uniform(0.45, 0.85), desk=desks[int(rng.integers(len(desks)))])
    raise ValueError(f"Unknown picture style. Received: style={style!r}, expected one of {STYLES}")


def render(placed: Placed, pen: Pen, look: Look, rng: np.random.Generator, colour: bool = False) -> Picture:
    """Draws laid-out ink on paper and photographs or scans it.

    Args:
        placed: Characters from ``layout_lines``.
        pen: What they are written with.
        look: The paper, light, camera and file.
        rng: Source of every random choice.
        colour: Return an RGB picture instead of grey.

    Returns:
        The picture (uint8; grey converted with OpenCV as a decoded photo would be, or RGB)
        and each character's box: the box of its ink after rotation and perspective.
    """
    sheet = None
    if look.sheet < 1.0:
        placed, sheet = _on_desk(placed, look.sheet, rng)
    h, w = placed.height, placed.width
    width_px = max(1.0, pen.width * placed.cell)
    cover = _coverage(placed, pen, width_px, rng)
    paper = np.asarray(look.paper, np.float32) / 255.0 * _grain(h, w, look.texture, rng)[:, :, None]
    if look.rules:
        lines = _rules(placed, look)[:, :, None]
        paper = paper * (1.0 - lines * (1.0 - np.asarray(look.rule_colour, np.float32) / 255.0))
    if sheet is not None:
        desk = np.asarray(look.desk, np.float32) / 255.0 * _grain(h, w, 0.06, rng)[:, :, None]
        paper = np.where(sheet[:, :, None], paper, desk)
    ink = np.asarray(pen.colour, np.float32) / 255.0
    image = paper * (1.0 - cover[:, :, None] * pen.darkness * (1.0 - ink))
    matrix, size = _camera(w, h, look, rng, placed.cell)
    if matrix is not None:
        image = cv2.warpPerspective(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    image = image * _light(image.shape[0], image.shape[1], look, rng)[:, :, None]
    if look.blur > 0:
        image = cv2.GaussianBlur(image, (0, 0), look.blur * placed.cell)
    image = image * 255.0 + rng.normal(0.0, look.noise, image.shape).astype(np.float32)
    rgb = np.clip(np.round(image), 0, 255).astype(np.uint8)
    if look.jpeg_quality:
        ok, data = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, look.jpeg_quality])
        decoded = cv2.imdecode(data, cv2.IMREAD_COLOR)
        if not ok or decoded is None:
            raise RuntimeError(f"OpenCV could not round-trip a JPEG. Received: quality={look.jpeg_quality}")
        rgb = decoded[:, :, ::-1]
    out = np.ascontiguousarray(rgb) if colour else cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    # Half the pen (a brush swells to 0.7 of its width), the anti-aliased edge and the blur.
    pad = max(1, round(width_px)) * (0.7 if pen.kind == "brush" else 0.5) + 1.5 + look.blur * placed.cell
    boxes = tuple(_box(char, matrix, pad, out.shape[1], out.shape[0]) for char in placed.chars)
    return Picture(out, boxes, placed.text, placed.chars, matrix)


def _on_desk(placed: Placed, share: float, rng: np.random.Generator) -> tuple[Placed, np.ndarray]:
    """The page enlarged into a desk around it (the page ``share`` of the picture's sides, at a
    random place), and where the sheet lies (bool)."""
    h, w = placed.height, placed.width
    big_h, big_w = int(round(h / share)), int(round(w / share))
    dy, dx = int(rng.integers(0, big_h - h + 1)), int(rng.integers(0, big_w - w + 1))
    sheet = np.zeros((big_h, big_w), bool)
    sheet[dy:dy + h, dx:dx + w] = True
    chars = tuple(tuple(stroke + [dx, dy] for stroke in char) for char in placed.chars)
    return replace(placed, chars=chars, width=big_w, height=big_h), sheet


def _rules(placed: Placed, look: Look) -> np.ndarray:
    """How much of each pixel the paper's printed lines cover (0..1), across the whole page.

    Ruled lines run along the writing (rows for a line, columns for a column, the longer way
    of the ink), the writing between two of them; a grid's squares run both ways.
    """
    h, w = placed.height, placed.width
    points = np.concatenate([s for char in placed.chars for s in char])
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    pitch = max(2.0, look.rule_pitch * placed.cell)
    thick = max(1, int(round(look.rule_width * placed.cell)))
    mask = np.zeros((h, w), np.uint8)
    rows, columns = [], []
    if look.rules == "grid":
        rows = list(np.arange(look.rule_offset * pitch, h, pitch))
        columns = list(np.arange(look.rule_offset * pitch, w, pitch))
    else:
        along_rows = x1 - x0 >= y1 - y0  # a line of writing: rows; a column: columns
        across, extent = ((y0 + y1) / 2, h) if along_rows else ((x0 + x1) / 2, w)
        first = across + 0.25 * look.rule_offset * placed.cell - pitch / 2
        positions = [first - k * pitch for k in range(int(first // pitch) + 1)] + \
            [first + k * pitch for k in range(1, int((extent - first) // pitch) + 2)]
        (rows if along_rows else columns).extend(positions)
    for y in rows:
        cv2.line(mask, (0, int(round(y * 16))), (w * 16, int(round(y * 16))), 255, thick, cv2.LINE_AA, 4)
    for x in columns:
        cv2.line(mask, (int(round(x * 16)), 0), (int(round(x * 16)), h * 16), 255, thick, cv2.LINE_AA, 4)
    return mask.astype(np.float32) / 255.0


def _coverage(placed: Placed, pen: Pen, width_px: float, rng: np.random.Generator) -> np.ndarray:
    """How much of each pixel the ink covers (0..1), with the pen's own unevenness."""
    h, w = placed.height, placed.width
    mask = np.zeros((h, w), np.uint8)
    for char in placed.chars:
        for stroke in char:
            if pen.kind == "brush":
                _brush_stroke(mask, stroke, width_px, rng)
            else:
                fixed = np.round(stroke * 16).astype(np.int32).reshape(-1, 1, 2)
                cv2.polylines(mask, [fixed], False, 255, max(1, int(round(width_px))), cv2.LINE_AA, 4)
    cover = mask.astype(np.float32) / 255.0
    if pen.kind == "pencil":  # graphite catches on the paper's grain and skips where the pen is light
        grain = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 0.7)
        grain = np.clip(0.8 + 0.6 * grain, 0.3, 1.0)
        breaks = _smooth_field(h, w, 3.0 * width_px, rng)
        cover *= grain * np.where(breaks < np.quantile(breaks, 0.12), 0.15, 1.0)
    else:
        cover *= 1.0 - 0.12 * np.clip(_smooth_field(h, w, 4.0 * width_px, rng), 0, 2) / 2
    return cover


def _brush_stroke(mask: np.ndarray, stroke: np.ndarray, width_px: float, rng: np.random.Generator) -> None:
    """A brush stroke stamped as discs: pressed at the start, thinner where it runs fast, stopped or swept."""
    points = _resample(stroke, max(0.5, width_px / 5))
    n = len(points)
    t = np.linspace(0.0, 1.0, n)
    if n > 2:  # straight runs are written fast and thin; corners slowly and thick
        turn = np.abs(np.diff(np.unwrap(np.arctan2(*np.diff(points, axis=0).T[::-1])), prepend=0.0, append=0.0))
        k = min(9, n)  # a longer kernel than the stroke would lengthen the result
        slow = np.clip(np.convolve(turn, np.ones(k) / k, "same") * 6, 0, 1)
    else:
        slow = np.ones(n)
    profile = (0.75 + 0.25 * slow) * (1 + 0.35 * np.exp(-t / 0.06))
    if n > 8 and rng.random() < 0.5:  # harai: the brush lifts as it sweeps out
        start = rng.uniform(0.55, 0.8)
        profile *= np.where(t > start, 1 - 0.85 * (t - start) / (1 - start), 1.0)
    radius = np.maximum(0.5, width_px * rng.uniform(0.9, 1.1) * profile / 2)
    for (x, y), r in zip(points, radius):
        cv2.circle(mask, (int(round(x * 16)), int(round(y * 16))), int(round(r * 16)), 255, -1, cv2.LINE_AA, 4)


def _smooth_field(h: int, w: int, scale: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth noise of unit spread whose features are about ``scale`` pixels wide."""
    small = (max(2, int(round(w / max(scale, 1.0)))), max(2, int(round(h / max(scale, 1.0)))))
    field = rng.standard_normal((small[1], small[0])).astype(np.float32)
    return cv2.resize(field, (w, h), interpolation=cv2.INTER_CUBIC)


def _grain(h: int, w: int, texture: float, rng: np.random.Generator) -> np.ndarray:
    """The paper's brightness (about 1): fine fibres and coarse cloudiness."""
    if texture <= 0:
        return np.ones((h, w), np.float32)
    fine = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 0.8) * 2.0
    coarse = _smooth_field(h, w, max(h, w) / 12, rng)
    return (1.0 - texture * np.clip(0.6 * fine + 0.4 * coarse, -3, 3)).astype(np.float32)


def _camera(w: int, h: int, look: Look, rng: np.random.Generator, cell: float,
            ) -> tuple[np.ndarray | None, tuple[int, int]]:
    """The homography of the rotation and perspective, and an output size that keeps the writing in view."""
    if not look.rotation and not look.perspective:
        return None, (w, h)
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    angle = math.radians(look.rotation)
    turn = np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]], np.float32)
    moved = (corners - [w / 2, h / 2]) @ turn.T + [w / 2, h / 2]
    moved += rng.uniform(-1, 1, (4, 2)).astype(np.float32) * look.perspective * max(w, h)
    matrix = cv2.getPerspectiveTransform(corners, moved.astype(np.float32))
    inner = cv2.perspectiveTransform(np.array([[[cell * 0.5, cell * 0.5], [w - cell * 0.5, cell * 0.5],
                                                 [w - cell * 0.5, h - cell * 0.5], [cell * 0.5, h - cell * 0.5]]],
                                               np.float32), matrix)[0]
    low = inner.min(axis=0) - cell * 0.5
    high = inner.max(axis=0) + cell * 0.5
    shift = np.array([[1, 0, -low[0]], [0, 1, -low[1]], [0, 0, 1]], np.float64)
    return shift @ matrix, (int(math.ceil(high[0] - low[0])), int(math.ceil(high[1] - low[1])))


def _light(h: int, w: int, look: Look, rng: np.random.Generator) -> np.ndarray:
    """The light falling on each pixel (at most 1): gradient, vignette and shadow, computed small and enlarged."""
    sh, sw = max(2, h * 64 // max(h, w)), max(2, w * 64 // max(h, w))
    v, u = np.mgrid[-1:1:complex(0, sh), -1:1:complex(0, sw)].astype(np.float32)
    light = np.ones((sh, sw), np.float32)
    if look.gradient:
        a = rng.uniform(0, 2 * math.pi)
        light *= 1 - look.gradient * (0.5 + (u * math.cos(a) + v * math.sin(a)) / (2 * math.sqrt(2)))
    if look.vignette:
        light *= 1 - look.vignette * (u * u + v * v) / 2
    if look.shadow:
        a, edge = rng.uniform(0, 2 * math.pi), rng.uniform(0.0, 0.8)
        light *= 1 - look.shadow / (1 + np.exp(-((u * math.cos(a) + v * math.sin(a)) - edge) / 0.08))
    return cv2.resize(light, (w, h), interpolation=cv2.INTER_LINEAR)


def _box(char: tuple[np.ndarray, ...], matrix: np.ndarray | None, pad: float, w: int, h: int) -> PixelBox:
    points = np.concatenate(char).astype(np.float32)
    if matrix is not None:
        points = cv2.perspectiveTransform(points[None], matrix)[0]
    x0, y0 = np.maximum(np.floor(points.min(axis=0) - pad), 0)
    x1, y1 = np.minimum(np.ceil(points.max(axis=0) + pad), [w, h])
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def write(inks: Sequence[Ink], layout: Layout | Literal["single"], spacing: Spacing, pen: Pen, look: Look,
          rng: np.random.Generator, cell: float = 64.0, colour: bool = False) -> Picture:
    """One phrase (or one character, ``single``) written in one line or column and rendered."""
    placed = layout_lines([list(inks)], "vertical" if layout == "vertical" else "horizontal", spacing, rng, cell,
                          pen.width)
    return render(placed, pen, look, rng, colour)
