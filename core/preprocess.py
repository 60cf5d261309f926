"""The one preprocessing path from ink or picture to model input, shared by app and training.

Every input goes through ``normalize_image``: crop to the ink, fit into a square box
preserving the aspect ratio, centre, pad, and resize to the model's input. Ink is first
drawn by ``render_ink`` at a working resolution with a pen width relative to the
character's size, so a digit written large on the canvas and one written small look the
same to the model. Images are white ink on black (as MNIST) and stay in 0..255: pixel
scaling lives inside the models.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np

from core.errors import InputError
from core.ink import Ink

#: Pixel value above which a normalized pixel counts as ink.
INK_THRESHOLD = 8
#: Largest model input side (and box) a preprocessing may ask for, in pixels.
MAX_SIZE = 1024
#: Largest side ink is drawn at before the fit (112 in every bundle so far).
MAX_RENDER_SIZE = 2048


@dataclass(frozen=True)
class Preprocessing:
    """How inputs are turned into model inputs; stored in every bundle's metadata.

    Attributes:
        id: Version of the algorithm; bumped whenever the output for the same input changes.
        size: Side of the square model input in pixels.
        box: Side of the square the ink is fitted into, centred in ``size``.
        stroke_ratio: Pen width as a fraction of the ink's longer side when drawing ink.
        render_size: Longer side of ink drawn before the fit (supersampling for anti-aliasing).
        picture_stroke_ratio: Pen width, as a fraction of the character's longer side, that
            strokes of a picture are evened to (``core.binarize.model_input``); None (the
            default, and every bundle that does not say) means ``stroke_ratio``. A model that
            learnt ink drawn by ``render_ink`` reads pictures best evened to its ink pen; one
            that learnt pictures (MNIST's thick strokes) reads them better evened to a broader
            pen. Training does not set it: it is measured on a picture bench and written into
            the bundle's metadata by hand (the digits bundle's, with ``bench_digit_scans``).
    """

    id: str = "fit-v1"
    size: int = 28
    box: int = 20
    stroke_ratio: float = 0.1
    render_size: int = 112
    picture_stroke_ratio: float | None = None

    def __post_init__(self) -> None:
        if self.id != "fit-v1":
            raise ValueError(f"Unknown preprocessing id. Received: id={self.id!r}, expected 'fit-v1'")
        for name, low, high in (("size", 1, MAX_SIZE), ("box", 1, MAX_SIZE), ("render_size", 8, MAX_RENDER_SIZE)):
            value = getattr(self, name)
            # Checked before anything is allocated: render_size=10**6 would ask for a terabyte canvas.
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"Need {name} to be an integer in [{low}, {high}]. Received: {name}={value!r}")
        if not self.box <= self.size:
            raise ValueError(f"Need 0 < box <= size. Received: box={self.box}, size={self.size}")
        for name in ("stroke_ratio", "picture_stroke_ratio"):
            ratio = getattr(self, name)
            if name == "picture_stroke_ratio" and ratio is None:
                continue
            # A NaN fails the range check: comparisons with it are False.
            if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 < ratio < 1:
                raise ValueError(f"Need 0 < {name} < 1. Received: {name}={ratio!r}")

    @property
    def picture_pen(self) -> float:
        """The pen, as a fraction of the character's longer side, picture strokes are evened to."""
        return self.stroke_ratio if self.picture_stroke_ratio is None else self.picture_stroke_ratio

    def to_json(self) -> dict[str, Any]:
        """The dict stored in bundle metadata.

        ``picture_stroke_ratio`` is written only when set, so the metadata of a bundle that does
        not set it is the same as before the field existed.
        """
        values = asdict(self)
        if values["picture_stroke_ratio"] is None:
            del values["picture_stroke_ratio"]
        return values

    @classmethod
    def from_json(cls, obj: Any) -> Preprocessing:
        """Reads the dict stored in bundle metadata; unknown keys and wrong types are an error.

        Raises:
            ValueError: if ``obj`` is not a dict of known keys with values in range.
        """
        if not isinstance(obj, dict):
            raise ValueError(f"The preprocessing must be a JSON object. Received: {type(obj).__name__}")
        unknown = sorted(str(key) for key in obj if key not in cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"Unknown preprocessing keys. Received: {', '.join(unknown)}")
        return cls(**obj)


def render_ink(ink: Ink, spec: Preprocessing) -> np.ndarray:
    """Draws ink white on black, scaled so that its longer side is ``spec.render_size``.

    The pen width is ``spec.stroke_ratio`` of that side, scaled by pressure when the ink
    carries it (0.4x at no pressure to 1.6x at full), anti-aliased.

    Raises:
        InputError: if the ink is empty or has NaN coordinates.
    """
    ink.validate()
    x0, y0, x1, y1 = ink.bounds()
    extent = max(x1 - x0, y1 - y0, 1e-6)
    scale = spec.render_size / extent
    pen = spec.stroke_ratio * spec.render_size
    margin = int(math.ceil(pen)) + 2
    width = int(math.ceil((x1 - x0) * scale)) + 2 * margin + 1
    height = int(math.ceil((y1 - y0) * scale)) + 2 * margin + 1
    canvas = np.zeros((height, width), dtype=np.uint8)
    has_pressure = ink.has_pressure
    for stroke in ink.strokes:
        if not len(stroke):
            continue
        xy = np.empty((len(stroke), 2))
        xy[:, 0] = (stroke[:, 0] - x0) * scale + margin
        xy[:, 1] = (stroke[:, 1] - y0) * scale + margin
        pressure = stroke[:, 3] if has_pressure else np.full(len(stroke), np.nan)
        _draw_stroke(canvas, xy, _pen_widths(pressure, pen))
    return canvas


def _pen_widths(pressure: np.ndarray, pen: float) -> np.ndarray:
    factor = np.where(np.isfinite(pressure), 0.4 + 1.2 * np.clip(pressure, 0.0, 1.0), 1.0)
    return np.maximum(1.0, pen * factor)


_SHIFT = 4  # cv2 fixed-point bits: coordinates in 1/16 pixel


def _draw_stroke(canvas: np.ndarray, xy: np.ndarray, widths: np.ndarray) -> None:
    """Draws one stroke: its points joined by anti-aliased lines with round ends.

    Consecutive segments of the same width are drawn as one polyline, so the cost grows with
    how often the pen's width changes, not with how many points a tablet sends.
    """
    fixed = np.round(xy * (1 << _SHIFT)).astype(np.int32)
    first = tuple(int(v) for v in fixed[0])
    cv2.circle(canvas, first, int(round(widths[0] / 2 * (1 << _SHIFT))), 255, -1, cv2.LINE_AA, _SHIFT)
    if len(fixed) == 1:
        return
    thickness = np.maximum(1, np.round((widths[:-1] + widths[1:]) / 2)).astype(np.int64)
    change = np.flatnonzero(np.diff(thickness)) + 1
    for start, stop in zip(np.concatenate([[0], change]), np.concatenate([change, [len(thickness)]])):
        cv2.polylines(canvas, [fixed[start:stop + 1].reshape(-1, 1, 2)], False, 255, int(thickness[start]),
                      cv2.LINE_AA, _SHIFT)


def normalize_image(image: np.ndarray, spec: Preprocessing) -> np.ndarray:
    """Crops to the ink, fits it into ``spec.box`` keeping the aspect ratio, centres it.

    Args:
        image: 2-D uint8 array, white (high) ink on a black (0) background.
        spec: The preprocessing of the model that will read the result.

    Returns:
        A float32 array of shape (size, size, 1) with values in 0..255.

    Raises:
        InputError: if the image is not 2-D or holds no ink.
    """
    if image.ndim != 2 or image.size == 0:
        raise InputError(f"Expected a 2-D grey image. Received: shape={image.shape}")
    image = image if image.dtype == np.uint8 else np.clip(image, 0, 255).astype(np.uint8)
    mask = image > INK_THRESHOLD
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    if not len(xs):
        raise InputError("No ink was found in the image: it is blank or has no contrast.")
    crop = image[ys[0]:ys[-1] + 1, xs[0]:xs[-1] + 1]
    h, w = crop.shape
    scale = spec.box / max(h, w)
    new_w, new_h = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    fitted = cv2.resize(crop, (new_w, new_h), interpolation=interpolation)
    out = np.zeros((spec.size, spec.size), dtype=np.float32)
    top, left = (spec.size - new_h) // 2, (spec.size - new_w) // 2
    out[top:top + new_h, left:left + new_w] = fitted
    return out[:, :, None]


def preprocess_ink(ink: Ink, spec: Preprocessing) -> np.ndarray:
    """Ink to model input: ``normalize_image(render_ink(ink))``."""
    return normalize_image(render_ink(ink, spec), spec)


def preprocess_image(image: np.ndarray, spec: Preprocessing) -> np.ndarray:
    """A white-on-black character picture to model input, with the pen width evened out."""
    return normalize_image(even_stroke_width(image, spec), spec)


def even_stroke_width(image: np.ndarray, spec: Preprocessing) -> np.ndarray:
    """Thickens strokes much thinner than the pen the models were trained with.

    A character scanned at high resolution with a fine pen would shrink to hair lines in
    the model's box; this dilates it so its stroke width is near ``spec.picture_pen`` of
    its longer side (the pen of drawn ink unless the bundle names another for pictures).
    """
    mask = (image > 127).astype(np.uint8)
    area = int(mask.sum())
    if area == 0:
        return image
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    width = 2.0 * area / max(perimeter, 1.0)
    ys, xs = np.nonzero(mask)
    extent = max(xs.max() - xs.min(), ys.max() - ys.min()) + 1
    missing = spec.picture_pen * extent - width
    if missing < 0.4 * width or missing < 2:
        return image
    k = int(round(missing)) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    return cv2.dilate(image, kernel)
