"""Paper and ink: a grey photo or scan becomes white ink on black, at a working resolution.

Every picture goes through ``clean``: the one way from a picture to ink, used to read one
character, a line or a page (``core.picture``), by ``core.inputs`` and by the dataset readers.
A character's ink becomes the model's input in ``core.char_input`` (``model_input``).

1. **Working resolution**: pictures larger than ``WORK_PIXELS`` are shrunk; tiny ones (a 16x16
   binary digit) are enlarged so that a stroke spans several pixels.
2. **Polarity** from local contrast: each pixel is compared with the median of its
   neighbourhood; ink is the minority that departs far from it, darker (pen on paper) or
   lighter (chalk, a white-on-black model input). Light falling off, shadows and coloured
   paper change the neighbourhood's median and the pixel alike, so they do not sway it.
3. **Background**: the paper's brightness is estimated by a morphological closing (the ink
   taken away) with a window wider than the thickest stroke, smoothed, and the picture is
   divided by it: what remains is the ink's contrast, 0 on paper whatever the light.
4. **Threshold**: hysteresis on the contrast: a pixel is ink if it stands clear of the
   paper's noise and is connected to pixels that stand out strongly, so pale pencil strokes
   joined to their darker parts stay, grain does not, and a stroke is never hollowed where
   strokes cross or where a marker is wide (no local window decides inside the ink). The
   paper's printed lines (ruled or squared paper) are taken out of the candidate ink first
   (``core.rules``), where no stroke crosses them: they would join a line's characters into one
   component, and a component reaching the picture's edge is judged as a shadow's would be.

   Measured against the local thresholds of well-kept libraries on the raw picture, each
   followed by the same reading (``bench/bench_pictures.py``, tuning half, 40 lines per
   style, character accuracy clean / uneven / rotated / JPEG / photo): this 78 / 77 / 70 /
   70 / 56%; OpenCV's ``adaptiveThreshold`` (Gaussian, block 4 strokes) 62 / 69 / 65 / 56 /
   58% (pencil 2-31%); scikit-image's ``threshold_sauvola`` 61 / 73 / 62 / 57 / 52% (pencil
   0-9%) at 4x the time. Neither is used, so scikit-image is not a dependency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from core.char_input import model_input, stroke_width
from core.errors import InputError
from core.preprocess import Preprocessing
from core.rules import Rule, erase_rules, remove_rules
from core.sheet import MIN_PICTURE, find_sheet, paint_desk

#: Pictures over this many pixels are shrunk to it before cleaning (a 12-megapixel photo: 0.7x).
WORK_PIXELS = 2_400_000
#: Pictures whose shorter side is below this are enlarged to it (thick 16x16 scans).
MIN_SIDE = 96
#: Side of the small copy the polarity and the background are estimated on.
SMALL_SIDE = 512
#: Contrast (share of the paper's brightness) below which nothing is ink where the paper beside
#: the ink is not known to be quiet (JPEG ringing and blur halos reach it).
MIN_CONTRAST = 0.06
#: Lowest contrast taken for ink where the paper just beside the ink is quiet: the skips of a
#: pencil line (graphite left only in the paper's grain) are about 0.03-0.06.
FAINT_CONTRAST = 0.03
#: The bar is set at this many times the 90th percentile of the contrast in a ring around the
#: ink (between ``RING`` pixels from it), between ``FAINT_CONTRAST`` and ``MIN_CONTRAST``.
RING_SHARE = 1.5
RING = (2, 4)
#: Gaussian blur (working pixels) of the contrast of a picture whose ink does not stand out from
#: the paper's pixel noise, before it is tried again.
NOISY_SMOOTH = 1.5
#: Margin (working pixels) around the ink found within which fainter ink is looked for.
FAINT_MARGIN = 32
#: Noise levels (robust standard deviations of the paper's contrast) a weak ink pixel must pass.
WEAK_SIGMAS = 4.0
#: Share of the ink's typical contrast a component must reach somewhere to be kept.
STRONG_SHARE = 0.45
#: Components smaller than this many pixels, or this share of the writing's larger parts, are specks.
SPECK_AREA = 3
SPECK_SHARE = 0.015
#: Pictures whose ink's edges are less steep than this (``_unblurred``) are sharpened. Sharpening
#: JPEGs whose 8x8 blocks show from 0.5 read the JPEGs of one tuning sample better (79 -> 83%) and
#: of another worse (80.5 -> 79.5%): noise, left out.
SHARP = 0.4
#: Components touching the picture's edge whose mean contrast is under this share of the ink's are not ink.
EDGE_SHARE = 0.5
#: Contrast that makes a component ink even when darker ink elsewhere sets a higher bar.
DARK_PALE_INK = 0.3
#: Pencil (darkness 0.35-0.65 on grainy paper) reaches 0.15-0.45: a component with this share of
#: the writing's larger parts' area above ``PALE_INK`` is ink too. With ``DARK_PALE_INK`` alone the
#: pencil half of a line written half in ballpoint was dropped (0 of 20 read, now 18).
PALE_INK = 0.15
PALE_SHARE = 0.25
#: Share of the ink's typical contrast from which ink is drawn solid (255) for the model.
INK_SOLID = 0.5


@dataclass(frozen=True)
class Cleaned:
    """A picture as white ink on black at the working resolution.

    Attributes:
        ink: uint8, 0 on paper, the ink's contrast (up to 255) where ``mask`` is set.
        mask: uint8, 255 where there is ink.
        scale: Working pixels per pixel of the original picture.
        dark_ink: Whether the ink was darker than its paper.
        stroke: Typical stroke width in working pixels.
        origin: Where ``ink`` and ``mask`` (cut to the ink and a small margin) lie in the
            whole picture at the working scale: (x, y).
        shape: The whole picture's shape at the working scale.
    """

    ink: np.ndarray
    mask: np.ndarray
    scale: float
    dark_ink: bool
    stroke: float
    origin: tuple[int, int] = (0, 0)
    shape: tuple[int, int] = (0, 0)

    def whole(self) -> np.ndarray:
        """``ink`` placed back on the whole picture (at the working scale)."""
        out = np.zeros(self.shape, np.uint8)
        x0, y0 = self.origin
        out[y0:y0 + self.ink.shape[0], x0:x0 + self.ink.shape[1]] = self.ink
        return out

    def to_original(self) -> np.ndarray:
        """The 2x3 affine map from ``ink``'s pixels to the original picture's."""
        return np.array([[1 / self.scale, 0, self.origin[0] / self.scale],
                         [0, 1 / self.scale, self.origin[1] / self.scale]])


def clean(grey: np.ndarray) -> Cleaned:
    """Finds the ink of a grey picture (any polarity, any lighting).

    Raises:
        InputError: if the picture is not 2-D grey or no writing stands out from the paper.
    """
    if grey.ndim != 2 or grey.size == 0:
        raise InputError(f"Expected a grey picture. Received: shape={grey.shape}")
    if grey.dtype != np.uint8:
        grey = np.clip(grey, 0, 255).astype(np.uint8)
    factor = min(MIN_SIDE / min(grey.shape), 4096 / max(grey.shape))
    if factor > 1.01:  # a tiny scan: every estimate needs room, so it is enlarged first (a sliver stays)
        # Paper is most of a small scan: light ink when most of it is dark (MNIST-like inputs too).
        light = float(np.mean(grey > (int(grey.min()) + int(grey.max())) / 2)) < 0.5
        bigger = _resized(255 - grey if light else grey, factor)
        enlarged = clean(bigger)
        return replace(enlarged, scale=enlarged.scale * bigger.shape[1] / grey.shape[1],
                       dark_ink=enlarged.dark_ink and not light)
    small = _resized(grey, min(1.0, SMALL_SIDE / max(grey.shape)))
    # A sheet photographed on a desk: the desk is painted like the paper (``core.sheet``).
    sheet = find_sheet(small) if min(grey.shape) >= MIN_PICTURE else None
    if sheet is not None:
        grey, small = paint_desk(grey, small, sheet)
    local = _local_median(small)  # polarity and background share it (it is a third of their time)
    # On a bright sheet with little dark inside it, the writing is dark.
    dark = sheet is not None or _dark_ink(small, local)
    if not dark:
        # The median of the inverted picture is the inverted median (odd windows, replicated border).
        grey, small, local = 255 - grey, 255 - small, 255 - local
    work = _resized(grey, _work_scale(grey))
    contrast = _contrast(work, _background(small, local))
    contrast = _unblurred(contrast)
    try:
        mask, level = _threshold(contrast)
    except InputError:
        # Pale pencil on grainy paper in a dim, noisy photo: the paper's pixel noise is as strong
        # as the ink. Averaged over a few pixels, the noise falls and strokes several pixels wide
        # stay (2 of 4,500 single characters of the tuning half were refused, now none); blank
        # paper is still refused.
        contrast = cv2.GaussianBlur(contrast, (0, 0), NOISY_SMOOTH)
        mask, level = _threshold(contrast)
    # Only the part of the picture that holds ink is kept (a line on a page of paper).
    y0, y1, x0, x1 = _ink_window(mask, 2)
    mask, contrast = mask[y0:y1, x0:x1], contrast[y0:y1, x0:x1]
    # Ink at half its typical contrast or more is solid (pencil's grain does not riddle it); the
    # faint rim that JPEG and blur leave stays faint.
    ink = np.where(mask > 0, stretch(contrast, level), 0).astype(np.uint8)
    return Cleaned(ink, mask, work.shape[1] / grey.shape[1], dark, stroke_width(mask), (x0, y0),
                   (int(work.shape[0]), int(work.shape[1])))


def stretch(contrast: np.ndarray, level: float | None = None) -> np.ndarray:
    """The ink's contrast (any unit, 0 on paper) as white-on-black uint8: solid (255) from
    ``INK_SOLID`` of the ink's typical contrast (``level``; by default the 90th percentile of
    what is above 0), so faint pencil reads as firmly as ink. Scans (ETL) are stretched so too.
    """
    if level is None:
        above = contrast[contrast > 0]
        level = float(np.percentile(above, 90)) if above.size else 1.0
    return np.clip(contrast * (255.0 / max(INK_SOLID * level, 1e-6)), 0, 255).astype(np.uint8)


def _resized(grey: np.ndarray, scale: float) -> np.ndarray:
    if abs(scale - 1.0) < 1e-3:
        return grey
    h, w = grey.shape
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)


def _work_scale(grey: np.ndarray) -> float:
    """The working scale: at most ``WORK_PIXELS``.

    Shrinking further, to strokes 4 or 6 pixels wide, read worse (bench_pictures' tuning
    half: clean lines 86% -> 65% or 75%).
    """
    h, w = grey.shape
    return min(1.0, math.sqrt(WORK_PIXELS / (h * w)))


def ink_is_dark(grey: np.ndarray) -> bool:
    """Whether the writing is darker than its paper, from how pixels depart from their surroundings.

    Paper is the majority of every neighbourhood; ink departs from the neighbourhood's median
    much further than the paper's grain does, on one side. The side with more strong departure
    is the ink's, so vignetting, a shadow or a gradient (which move the median with the
    pixel) do not decide it, as a border-against-middle comparison would.
    """
    return _dark_ink(grey, _local_median(grey))


def _dark_ink(grey: np.ndarray, local: np.ndarray) -> bool:
    """``ink_is_dark`` given the neighbourhoods' medians ``local``; light ink is checked again
    with the picture mirrored beyond its edges (a printed line along an edge)."""
    return _darker(grey, local) or _darker(grey, _local_median(grey, mirrored=True))


def _local_median(grey: np.ndarray, mirrored: bool = False) -> np.ndarray:
    """The median of each pixel's neighbourhood, half the picture's longer side wide.

    OpenCV's median repeats the edge pixels beyond the picture; ``mirrored`` mirrors the picture
    there instead (twice the time), so that a printed line along the edge of a picture shorter
    than the window does not fill a third of the windows near it (the paper beside it would
    look light on dark: pencil on squared paper, tuning half). The paper's background keeps the
    repeated edge: with the mirrored one, photos of the tuning half read 7 points worse.
    """
    size = max(3, min(255, max(grey.shape) // 2)) | 1
    if not mirrored:
        return cv2.medianBlur(grey, size)
    pad = size // 2
    padded = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REFLECT)
    return cv2.medianBlur(padded, size)[pad:pad + grey.shape[0], pad:pad + grey.shape[1]]


def _darker(grey: np.ndarray, local: np.ndarray) -> bool:
    """``ink_is_dark`` given the neighbourhoods' medians ``local``."""
    depart = grey.astype(np.int16) - local.astype(np.int16)
    size = np.abs(depart)
    spread = max(2.0, 1.4826 * _median_of_levels(size))
    strong = depart[size > max(4 * spread, 12)]
    if not strong.size:
        return True
    darker = float(-strong[strong < 0].sum())
    lighter = float(strong[strong > 0].sum())
    return darker >= lighter


def _median_of_levels(levels: np.ndarray) -> float:
    """``np.median`` of integers 0..255, from their histogram (a fifth of the time of sorting them)."""
    below = np.cumsum(np.bincount(levels.ravel(), minlength=256))
    n = int(below[-1])
    # The middle one (odd n) or the mean of the middle two: the first levels with more below them.
    low, high = np.searchsorted(below, [(n - 1) // 2, n // 2], side="right")
    return (int(low) + int(high)) / 2


def _background(small: np.ndarray, local: np.ndarray) -> np.ndarray:
    """The paper's brightness (float32, the size of ``small``) of a picture whose paper is lighter
    than its ink, given the neighbourhoods' medians ``local`` (``_local_median``)."""
    rough = cv2.subtract(local, small)
    spread = max(2.0, 1.4826 * _median_of_levels(rough))
    stroke = stroke_width(((rough > max(5 * spread, 16)) * 255).astype(np.uint8))
    k = int(max(5, min(max(small.shape) // 3, 3 * stroke + 3))) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)
    return cv2.GaussianBlur(background.astype(np.float32), (0, 0), k / 3)


def _contrast(paper_up: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The ink's contrast (0..1): how much darker than the paper's brightness each pixel is."""
    background = cv2.resize(background, (paper_up.shape[1], paper_up.shape[0]), interpolation=cv2.INTER_LINEAR)
    # In place: a 2-megapixel picture's float copies cost as much as the arithmetic.
    np.maximum(background, 8.0, out=background)
    contrast = paper_up.astype(np.float32)
    np.divide(contrast, background, out=contrast)
    np.subtract(1.0, contrast, out=contrast)
    return np.clip(contrast, 0.0, 1.0, out=contrast)


def _unblurred(contrast: np.ndarray) -> np.ndarray:
    """The contrast sharpened (an unsharp mask) when the ink's edges are soft, as in a phone's photo.

    A blur fills the gaps between strokes (the loop of の, the inside of 口) with ink-grey that
    the threshold takes for ink. Sharp pictures are left alone: sharpening would riddle pencil.
    Sharpness is the steepest edges' slope (95th percentile) per pixel over the ink's contrast:
    flat scans and JPEGs measure 0.39-0.51, the benchmark's photos 0.20-0.43.
    """
    ink = contrast > 0.1
    if np.count_nonzero(ink) < 16:
        return contrast
    level = float(np.percentile(contrast[ink], 90))
    # The slopes are needed at the ink only: around it, one pixel wider (a line on a page is a
    # small part of it; the 3x3 filter sees the same pixels there, or the same picture edge).
    y0, y1, x0, x1 = _ink_window(ink, 1)
    around = contrast[y0:y1, x0:x1]
    gx = cv2.Sobel(around, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(around, cv2.CV_32F, 0, 1, ksize=3)
    sharpness = float(np.percentile(cv2.magnitude(gx, gy)[ink[y0:y1, x0:x1]], 95)) / 8 / max(level, 1e-3)
    if sharpness >= SHARP:
        return contrast
    # contrast + (contrast - blurred), in place.
    out = cv2.GaussianBlur(contrast, (0, 0), 1.0 / max(sharpness, 0.1))
    np.subtract(contrast, out, out=out)
    np.add(contrast, out, out=out)
    return np.clip(out, 0.0, 1.0, out=out)


def _threshold(contrast: np.ndarray) -> tuple[np.ndarray, float]:
    """Hysteresis: weak ink above the paper's noise, kept where connected to strong ink.

    The bar for weak ink is first at least ``MIN_CONTRAST``; where the paper in a ring just
    around the ink found is quiet (no JPEG ringing, no blur halo), it is lowered towards
    ``FAINT_CONTRAST`` and the ink found again, so the faint skips of a pencil line join it.
    Tuning half of bench_pictures, 300 single characters a style (1,500), three seeds: top-1 of
    pencil 80.3 / 79.7 / 77.3 -> 82.6 / 81.0 / 79.0%, all pens 88.7 / 87.5 / 87.4 -> 89.3 / 87.8 /
    87.7%; a floor of 0.03 everywhere read JPEGs 5-9 points worse. Drawing pale ink solid (its
    grain filled) was as good on average and left out.
    """
    sample = contrast[:: max(1, contrast.shape[0] // 256), :: max(1, contrast.shape[1] // 256)]
    # The paper's noise, from the pixels that are clearly not ink (a thick digit filling a
    # small scan is nearly half the picture, and would count as noise otherwise).
    paper = sample[sample < 0.5 * float(np.percentile(sample, 99))]
    paper = paper if paper.size >= 16 else sample.ravel()
    centre = float(np.median(paper))
    sigma = 1.4826 * float(np.median(np.abs(paper - centre)))
    noise = centre + WEAK_SIGMAS * sigma
    mask, level, rules = _hysteresis(contrast, max(MIN_CONTRAST, noise))
    if noise >= MIN_CONTRAST:
        return mask, level
    # The second look is only around the ink found (a line on a page: a small part of it).
    y0, y1, x0, x1 = _ink_window(mask, FAINT_MARGIN)
    near, around = mask[y0:y1, x0:x1], contrast[y0:y1, x0:x1]
    floor = max(noise, float(np.clip(RING_SHARE * _ring_level(around, near), FAINT_CONTRAST, MIN_CONTRAST)))
    if floor >= MIN_CONTRAST:
        return mask, level
    # The paper's lines found at the first bar are its lines at this one too (in the window, a
    # line's stub beside the writing is too short to tell from a stroke).
    fainter, faint_level, _ = _hysteresis(around, floor, tuple(rule.moved(x0, y0) for rule in rules))
    # Only to join what was found: faint grain in a dark corner does not become ink.
    count, labels = cv2.connectedComponents(fainter, connectivity=8)
    found = np.zeros(count, np.uint8)
    found[labels[near > 0]] = 255
    found[0] = 0
    if not found.any():
        # What the first look found was not kept at the lower bar (a speck at the window's edge,
        # judged as a shadow's edge there): the first look stands.
        return mask, level
    mask = np.zeros_like(mask)
    mask[y0:y1, x0:x1] = found[labels]
    return mask, faint_level


def _ink_window(mask: np.ndarray, margin: int) -> tuple[int, int, int, int]:
    """Rows ``y0:y1`` and columns ``x0:x1`` of the box around ``mask``'s ink, ``margin`` pixels
    wider on every side (clipped at 0; slicing clips the far ends)."""
    ys, xs = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    return (max(0, int(ys[0]) - margin), int(ys[-1]) + 1 + margin,
            max(0, int(xs[0]) - margin), int(xs[-1]) + 1 + margin)


def _ring_level(contrast: np.ndarray, mask: np.ndarray) -> float:
    """The 90th percentile of the contrast between ``RING`` pixels from the ink."""
    near, far = (cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)) for r in RING)
    ring = (cv2.dilate(mask, far) > 0) & (cv2.dilate(mask, near) == 0)
    return float(np.percentile(contrast[ring], 90)) if ring.any() else MIN_CONTRAST


def _hysteresis(contrast: np.ndarray, weak_at: float, rules: tuple[Rule, ...] | None = None,
                ) -> tuple[np.ndarray, float, tuple[Rule, ...]]:
    """The ink above ``weak_at`` connected to strong ink, the ink's typical contrast, and the
    paper's printed lines taken out of it (``core.rules``: found, or the ``rules`` given)."""
    # The paper's own lines (ruled or squared paper) are not writing, nor do they join it up.
    candidates = (contrast > weak_at).view(np.uint8)
    if rules is None:
        candidates, rules = remove_rules(candidates)
    else:
        candidates = erase_rules(candidates, rules)
    above = candidates > 0
    values = contrast[above]
    if values.size < 4:
        raise InputError("No writing stands out from the background in this picture.")
    level = float(np.percentile(values, 90))
    if level < max(2 * weak_at, MIN_CONTRAST * 2):
        raise InputError("No writing stands out from the background in this picture.")
    strong_at = max(weak_at * 1.5, min(STRONG_SHARE * level, DARK_PALE_INK))
    # Every measure below is taken over the pixels above ``weak_at`` only (a few percent of a
    # photo): connectedComponentsWithStats spent 10 ms of a 2-megapixel picture's 12 on the paper.
    count, labels = cv2.connectedComponents(above.view(np.uint8), connectivity=8)
    at = np.flatnonzero(above)  # in the order of ``values``
    label = labels.ravel()[at]
    strong = np.zeros(count, bool)
    strong[label[values > strong_at]] = True
    # Specks (dust, a stray dot of noise) far smaller than the writing's parts are not ink.
    areas = np.bincount(label, minlength=count)
    # A pale pencil stroke beside dark ink is kept when much of it stands out from the paper on
    # its own (grain in a dark corner reaches as far only in small spots).
    pale = np.bincount(label[values > max(weak_at * 1.5, PALE_INK)], minlength=count)
    if strong.any():
        strong |= pale >= PALE_SHARE * float(np.percentile(areas[strong], 90))
    strong[0] = False
    # Light falling off steeply at the picture's edge (a phone's vignetting) leaves a band of faint
    # "contrast" along the edge; writing that reaches the edge is as dark as the rest of the ink.
    edge = np.zeros(count, bool)
    for side in (labels[0], labels[-1], labels[:, 0], labels[:, -1]):
        edge[side] = True  # the paper's label 0 too: it is never strong
    mean = np.bincount(label, weights=values, minlength=count) / np.maximum(areas, 1)
    strong &= ~(edge & (mean < EDGE_SHARE * level))
    if strong.any():
        strong &= areas >= max(SPECK_AREA, SPECK_SHARE * float(np.percentile(areas[strong], 90)))
    if not strong.any():
        raise InputError("No writing stands out from the background in this picture.")
    mask = np.zeros(contrast.shape, np.uint8)
    mask.ravel()[at[strong[label]]] = 255
    return mask, level, rules


def picture_input(grey: np.ndarray, spec: Preprocessing) -> np.ndarray:
    """A picture of ONE character (any polarity, lighting, size) as the model's input:
    ``clean`` and ``model_input`` of all its ink, as ``core.picture`` reads a character.

    Raises:
        InputError: if the picture is not 2-D grey or no writing stands out.
    """
    return model_input(clean(grey).ink, spec)
