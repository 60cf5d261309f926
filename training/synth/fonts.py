"""Training samples from installed Japanese fonts, handwriting-like ones especially.

Fonts are found by scanning the system's font folders; ``fontTools`` reads each face's
name and character map (coverage is decided by the cmap, not by guessing from pixels);
Pillow's FreeType binding rasterizes a glyph. The glyph is then drawn white on black,
bent (affine and elastic), its strokes thickened or thinned to a pen width like the
canvas's, and fitted by ``core.preprocess.normalize_image`` as every input is.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from core.errors import DatasetError
from core.preprocess import Preprocessing, normalize_image

if TYPE_CHECKING:  # Pillow is imported when a glyph is drawn, not with this module
    from PIL import ImageFont

#: Where Debian's fonts-* packages (and users) put fonts.
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
#: A face counts as Japanese if its cmap has all of these.
PROBE = "あア字々"
#: Pixel size glyphs are rasterized at before augmentation.
RENDER_PX = 96


@dataclass(frozen=True)
class FontFace:
    """One face of an installed font file.

    Attributes:
        path: The font file.
        index: The face's index in a collection (``.ttc``); 0 otherwise.
        family: Its family name, for reports.
        group: The folder it came from (one Debian package), used to weigh packages evenly.
    """

    path: str
    index: int
    family: str
    group: str


@dataclass(frozen=True)
class GlyphAugment:
    """How much a font glyph is bent before normalization (angles in degrees).

    Attributes:
        rotation: Rotation (uniform +-).
        shear: Slant (uniform +-).
        aspect: Width/height ratio spread (log-uniform +-).
        elastic: Amplitude of a smooth displacement field, as a fraction of the glyph size.
        width: Range of the pen width, as multiples of ``spec.stroke_ratio`` of the glyph size.
    """

    rotation: float = 6.0
    shear: float = 0.15
    aspect: float = 0.15
    elastic: float = 0.03
    width: tuple[float, float] = (0.7, 1.3)


def find_fonts(dirs: Iterable[str] = FONT_DIRS, probe: str = PROBE) -> tuple[FontFace, ...]:
    """The installed faces that have Japanese glyphs, one per distinct file and face.

    Args:
        dirs: Folders searched recursively for .ttf, .otf and .ttc files.
        probe: Characters a face must map to count as Japanese.

    Returns:
        Faces sorted by path. Of a pan-CJK collection only its JP faces are kept (the
        others draw the same code points the Chinese or Korean way), and monospaced
        variants are left out as near duplicates.
    """
    return _find_fonts(tuple(str(Path(d).expanduser()) for d in dirs), probe)


@lru_cache(maxsize=4)
def _find_fonts(dirs: tuple[str, ...], probe: str) -> tuple[FontFace, ...]:
    files = sorted({os.path.realpath(p) for d in dirs if os.path.isdir(d)
                    for p in _walk(d) if p.lower().endswith(FONT_SUFFIXES)})
    faces: list[FontFace] = []
    for file in files:
        found = [face for face in _faces(file) if all(ord(c) in _cmap(face.path, face.index) for c in probe)]
        japanese = [f for f in found if " JP" in f.family]
        faces += [f for f in (japanese or found) if "Mono" not in f.family]
    # Some faces map the characters but FreeType cannot run their hinting code ("invalid opcode").
    return tuple(f for f in faces if render_glyph(f, probe[-1]) is not None)


def _walk(folder: str) -> list[str]:
    return [os.path.join(root, name) for root, _, names in os.walk(folder) for name in names]


def _faces(path: str) -> list[FontFace]:
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    try:
        if path.lower().endswith(".ttc"):
            fonts = TTCollection(path, lazy=True).fonts
        else:
            fonts = [TTFont(path, lazy=True)]
        group = Path(path).parent.name
        return [FontFace(path, i, str(f["name"].getBestFamilyName() or Path(path).stem), group)
                for i, f in enumerate(fonts)]
    except (TTLibError, OSError, KeyError, AssertionError):
        return []  # a broken or non-font file in a font folder is not ours to report


@lru_cache(maxsize=512)
def _cmap(path: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = TTFont(path, fontNumber=index, lazy=True)
        return frozenset((font.getBestCmap() or {}).keys())
    except (TTLibError, OSError, KeyError, AssertionError):
        return frozenset()


def covers(face: FontFace, char: str) -> bool:
    """True if the face's character map has ``char``."""
    return ord(char) in _cmap(face.path, face.index)


@lru_cache(maxsize=256)
def _pil_font(path: str, index: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(path, RENDER_PX, index=index)


def render_glyph(face: FontFace, char: str) -> np.ndarray | None:
    """The glyph drawn white on black, about ``RENDER_PX`` high, with a margin.

    Returns:
        A 2-D uint8 image, or None when the face draws nothing for ``char`` (an empty glyph,
        or one FreeType fails to render).
    """
    from PIL import Image, ImageDraw

    try:
        font = _pil_font(face.path, face.index)
        left, top, right, bottom = (int(v) for v in font.getbbox(char))
        if right <= left or bottom <= top:
            return None
        margin = RENDER_PX // 4
        image = Image.new("L", (right - left + 2 * margin, bottom - top + 2 * margin), 0)
        ImageDraw.Draw(image).text((margin - left, margin - top), char, fill=255, font=font)
    except OSError:  # FreeType failed on this glyph (broken hinting code): the face cannot draw it
        return None
    out = np.asarray(image, dtype=np.uint8)
    return out if (out > 127).any() else None


def font_sample(face: FontFace, char: str, rng: np.random.Generator, spec: Preprocessing,
                aug: GlyphAugment = GlyphAugment()) -> np.ndarray | None:
    """One augmented, normalized sample of ``char`` in ``face``.

    Args:
        face: The font face (see ``find_fonts``).
        char: The character; the face must cover it (``covers``).
        rng: The source of randomness; the same state gives the same sample.
        spec: The preprocessing of the model the sample is for.
        aug: How much the glyph is bent and its pen width varied.

    Returns:
        A float32 (size, size, 1) array in 0..255 as ``normalize_image`` returns, or None
        when the face has no visible glyph for ``char``.

    Raises:
        DatasetError: if the face does not map ``char`` at all.
    """
    if not covers(face, char):
        raise DatasetError(f"The font {face.family} has no glyph for {char!r}. Received: {face.path}")
    return glyph_sample(face, char, rng, spec, aug)


def glyph_sample(face: FontFace, char: str, rng: np.random.Generator, spec: Preprocessing,
                 aug: GlyphAugment = GlyphAugment()) -> np.ndarray | None:
    """``font_sample`` for a caller that has already checked coverage (no cmap is read)."""
    glyph = render_glyph(face, char)
    if glyph is None:
        return None
    bent = _elastic(_affine(glyph, rng, aug), rng, aug.elastic)
    return normalize_image(pen_width(bent, rng, spec, aug), spec)


def random_linear(rng: np.random.Generator, aug: GlyphAugment) -> np.ndarray:
    """A 2x2 map that turns, stretches (area kept) and slants, drawn within ``aug``'s bounds."""
    angle = math.radians(rng.uniform(-aug.rotation, aug.rotation))
    aspect = math.exp(rng.uniform(-aug.aspect, aug.aspect))
    shear = rng.uniform(-aug.shear, aug.shear)
    return np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]) @ \
        np.array([[aspect, shear], [0.0, 1 / aspect]])


def _affine(image: np.ndarray, rng: np.random.Generator, aug: GlyphAugment) -> np.ndarray:
    h, w = image.shape
    linear = random_linear(rng, aug)
    side = int(math.ceil(math.hypot(h, w) * 1.3))
    centre_in, centre_out = np.array([w / 2, h / 2]), np.array([side / 2, side / 2])
    matrix = np.hstack([linear, (centre_out - linear @ centre_in)[:, None]])
    return cv2.warpAffine(image, matrix, (side, side), flags=cv2.INTER_LINEAR, borderValue=0)


def _elastic(image: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    if not amplitude:
        return image
    h, w = image.shape
    scale = amplitude * max(h, w) / 1.3
    dx, dy = (cv2.resize(rng.normal(0, scale, (4, 4)), (w, h), interpolation=cv2.INTER_CUBIC).astype(np.float32)
              for _ in range(2))
    grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(image, grid_x + dx, grid_y + dy, cv2.INTER_LINEAR, borderValue=0)


def pen_width(image: np.ndarray, rng: np.random.Generator, spec: Preprocessing, aug: GlyphAugment) -> np.ndarray:
    """Thickens or thins the strokes to a random pen width near the canvas's."""
    mask = (image > 127).astype(np.uint8)
    area = int(mask.sum())
    if not area:
        return image
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    width = 2.0 * area / max(sum(cv2.arcLength(c, True) for c in contours), 1.0)
    ys, xs = np.nonzero(mask)
    extent = max(xs.max() - xs.min(), ys.max() - ys.min()) + 1
    target = spec.stroke_ratio * extent * rng.uniform(*aug.width)
    k = int(round(abs(target - width)))
    if k < 1:
        return image
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k | 1, k | 1))
    if target > width:
        return cv2.dilate(image, kernel)
    thinned = cv2.erode(image, kernel)
    return thinned if (thinned > 127).any() else image  # never erase a hairline glyph
