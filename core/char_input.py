"""One character's ink as the model's input: its size and its strokes' width evened to the models' pen.

``model_input`` turns the white-on-black ink that ``core.binarize.clean`` finds (a character cut
from it by ``core.picture``, or all of it: ``core.binarize.picture_input``) into what the models
learnt. ``stroke_width`` measures strokes here and in ``clean``. Split from ``core.binarize``,
which imports both, so callers of ``core.binarize.model_input`` are unchanged.
"""

from __future__ import annotations

import cv2
import numpy as np

from core.errors import InputError
from core.preprocess import INK_THRESHOLD, Preprocessing, normalize_image, preprocess_image

#: Strokes broader or thinner than the models' pen by more than this share are evened towards it.
EVEN = 0.1
#: Longer side (at most the models' render size) a character is evened at.
EVEN_SIDE = 64


def stroke_width(mask: np.ndarray) -> float:
    """Typical stroke width in pixels of a binary mask (twice its area over its outline)."""
    area = int(np.count_nonzero(mask))
    if not area:
        return 0.0
    contours, _ = cv2.findContours((mask > 0).astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    return 2.0 * area / max(perimeter, 1.0)


def model_input(ink: np.ndarray, spec: Preprocessing) -> np.ndarray:
    """One character's ink (white on black, cropped or not) as the model's input.

    The models learnt ink drawn with a pen ``spec.stroke_ratio`` of the character's size wide
    (``core.preprocess.render_ink``). The character is enlarged or shrunk so that its longer
    side is ``EVEN_SIDE`` pixels (at most the models' render size) and its strokes are eroded
    or dilated there towards the pen ``spec.picture_pen`` (that same pen unless the bundle
    names a broader one, as the digits bundle does: it learnt MNIST's thick strokes), so a
    marker or a brush on a small character is not a blob to them and a fine pen on a large
    one not a hair line. Evening the width at the picture's own resolution instead, with
    whole-pixel kernels, read worse (bench_pictures, tuning half, the best run of each
    character, clean / JPEG / photo, straight cuts: 72.7 / 65.5 / 61.8% there, 74.4 / 68.1 /
    66.4% at 112 pixels; seams: 74.4 / 72.3 / 68.9% at 112, 74.4 / 73.9 / 69.7% at 64).
    Thinning strokes to centre lines and drawing those again with the models' pen read worse
    still.

    Raises:
        InputError: if the ink is not 2-D or holds none.
    """
    if ink.ndim != 2:
        raise InputError(f"Expected one character's ink as a 2-D picture. Received: shape={ink.shape}")
    # The box of the ink: OpenCV's takes a tenth of numpy's nonzero (a page asks a thousand times).
    x, y, w, h = cv2.boundingRect(ink if ink.dtype == np.uint8 else (ink > 0).astype(np.uint8))
    if not w:
        return preprocess_image(ink, spec)
    crop = ink[y:y + h, x:x + w]
    solid = crop > 127
    width = stroke_width((solid if solid.any() else crop > 0).astype(np.uint8))
    side = min(spec.render_size, EVEN_SIDE)
    pen = spec.picture_pen * side
    scale = side / max(max(crop.shape) - width, 1.0)
    h, w = crop.shape
    big = cv2.resize(crop, (max(1, round(w * scale)), max(1, round(h * scale))),
                     interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    margin = int(pen) + 2
    big = cv2.copyMakeBorder(big, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=0)
    width *= scale
    k = int(round(abs(width - pen))) | 1
    if k > 1 and not (1 - EVEN) * pen <= width <= (1 + EVEN) * pen:  # a 1-pixel disc changes nothing
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        evened = cv2.erode(big, disc) if width > pen else cv2.dilate(big, disc)
        # A dot or a sliver of a cut stroke may erode away: it is left as it was.
        big = evened if int(evened.max()) > INK_THRESHOLD else big
    if 0 < int(big.max()) <= INK_THRESHOLD:
        # Ink the picture's mask holds but too faint to count (a one-pixel sliver a seam left at
        # the threshold, a pale stroke thinned by the resize) is stretched, not refused: refused,
        # it failed the reading of the whole picture (a sheet on a desk, "No ink was found").
        big = np.round(big.astype(np.float32) * (255.0 / float(big.max()))).astype(np.uint8)
    return normalize_image(big, spec)
