"""Reading pictures of handwriting and cleaning them into white ink on black.

Photos and scans come as dark ink on light paper, often with uneven lighting and specks;
``clean_photo`` turns them into the white-on-black form that ``core.preprocess`` expects.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from core.errors import InputError

#: Largest picture accepted, in pixels; larger ones are refused before decoding.
MAX_PIXELS = 64_000_000
#: Pictures are reduced so that their longer side is at most this before cleaning.
WORK_SIDE = 1024


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Reads a picture file as a grey uint8 array (dark ink on light paper, as taken).

    Raises:
        InputError: if the file is missing, empty, not a picture, corrupt or too large.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    if not data:
        raise InputError(f"{path} is empty (0 bytes), not a picture.")
    return decode_image(data, str(path))


def decode_image(data: bytes, name: str = "the picture") -> np.ndarray:
    """Decodes picture bytes (PNG, JPEG, BMP, TIFF, WebP...) to grey uint8.

    Transparent pixels are laid on white paper. The size is read from the header and a
    picture over ``MAX_PIXELS`` is refused before it is decoded.

    Raises:
        InputError: if the bytes are not a picture, are corrupt, or the picture is too large.
    """
    size = _header_size(data)
    if size is not None and size[0] * size[1] > MAX_PIXELS:
        raise InputError(f"{name} is too large to recognize: {size[0]}x{size[1]} pixels "
                         f"(the limit is {MAX_PIXELS // 1_000_000} megapixels). Crop or shrink it first.")
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        image = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        raise InputError(f"{name} could not be decoded as a picture: {exc.err}") from exc
    if image is None or image.size == 0:
        raise InputError(f"{name} is not a picture that can be read, or it is corrupt "
                         f"(first bytes: {data[:8]!r}).")
    return to_grey(image)


def to_grey(image: np.ndarray) -> np.ndarray:
    """Any decoded picture (grey, BGR, BGRA, 16-bit) to grey uint8, alpha over white."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255.0
        rgb = image[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        image = rgb.astype(np.uint8)
    if image.shape[2] == 1:
        return image[:, :, 0]
    return cv2.cvtColor(image[:, :, :3], cv2.COLOR_BGR2GRAY)


def _header_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, JPEG, BMP or GIF header, or None if not recognized."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:2] == b"BM" and len(data) >= 26:
        return abs(int.from_bytes(data[18:22], "little", signed=True)), \
            abs(int.from_bytes(data[22:26], "little", signed=True))
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + length
    return None


def clean_photo(grey: np.ndarray) -> np.ndarray:
    """Turns a photo or scan of handwriting into white ink on a black background.

    Steps: shrink to ``WORK_SIDE``; decide the polarity from the border (paper is what
    surrounds the writing); flatten uneven lighting by dividing by a blurred background;
    Otsu threshold to find the ink while keeping its grey edges; drop specks much smaller
    than the largest ink blob.

    Raises:
        InputError: if no ink stands out from the paper.
    """
    if grey.ndim != 2 or grey.size == 0:
        raise InputError(f"Expected a grey picture. Received: shape={grey.shape}")
    grey = _shrink(grey)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    ink_is_dark = float(np.median(border)) >= float(np.median(grey)) and np.median(border) > 96
    inverted = 255 - grey if ink_is_dark else grey.copy()
    side = max(grey.shape)
    # The median must see more paper than ink, whatever the pen: a window narrower than
    # about four stroke widths takes a thick stroke's middle for background and hollows it.
    k = min(255, max(15, side // 8, 4 * _stroke_width(inverted) + 1)) | 1
    background = cv2.medianBlur(inverted, k)
    flat = cv2.subtract(inverted, background)
    if int(flat.max()) - int(flat.min()) < 16:
        raise InputError("No writing stands out from the background in this picture.")
    flat = cv2.normalize(flat, None, 0, 255, cv2.NORM_MINMAX)
    threshold, mask = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    mask = _drop_specks(mask)
    out = np.where(mask > 0, np.clip(flat.astype(np.float32) * 255.0 / max(threshold, 1) * 0.75, 0, 255), 0)
    out = np.maximum(out, (mask > 0) * 160).astype(np.uint8)
    return out


def _stroke_width(inverted: np.ndarray) -> int:
    """Rough pen width in pixels of light ink on a dark ground (0 when nothing stands out)."""
    _, mask = cv2.threshold(inverted, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    if not mask.any() or mask.all():
        return 0
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    return int(round(2 * float(np.percentile(distance[mask > 0], 90))))


def _shrink(grey: np.ndarray) -> np.ndarray:
    side = max(grey.shape)
    if side <= WORK_SIDE:
        return grey
    scale = WORK_SIDE / side
    return cv2.resize(grey, (max(1, int(grey.shape[1] * scale)), max(1, int(grey.shape[0] * scale))),
                      interpolation=cv2.INTER_AREA)


def _drop_specks(mask: np.ndarray) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        raise InputError("No writing stands out from the background in this picture.")
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.zeros(count, dtype=bool)
    keep[1:] = areas >= max(4, 0.02 * areas.max())
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def looks_like_model_input(grey: np.ndarray) -> bool:
    """True for small pictures already white on black (MNIST-like), which need no cleaning."""
    if max(grey.shape) > 64:
        return False
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    return float(np.mean(border)) < 32 and float(grey.max()) > 128
