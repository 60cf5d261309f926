"""Reading pictures of handwriting and cleaning them into white ink on black.

Photos and scans come as dark ink on light paper, often with uneven lighting and specks;
``clean_photo`` turns them into the white-on-black form that ``core.preprocess`` expects.
"""

from __future__ import annotations

import io
import logging
import os
import warnings

import cv2
import numpy as np
from PIL import Image

from core.binarize import clean
from core.errors import InputError
from core.nativelog import native_stderr_to_log
from core.safeio import read_bytes

log = logging.getLogger(__name__)

#: Largest picture accepted, in pixels; larger ones are refused before decoding. (``core``
#: also sets OpenCV's own limit, ``OPENCV_IO_MAX_IMAGE_PIXELS``, to this.)
MAX_PIXELS = 64_000_000
#: Largest picture file read, in bytes (an uncompressed 64-megapixel colour BMP is 192 MB).
MAX_FILE_BYTES = 256 * 1024 * 1024
#: Rows converted at a time by ``to_grey``.
_BAND_ROWS = 256
#: Formats read: Pillow reads their size from the header, then OpenCV decodes them. Others
#: OpenCV would decode (Radiance HDR, PFM, PAM) are refused, since their size is not checked.
FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP", "PPM", "JPEG2000", "SUN", "AVIF")
_FORMAT_NAMES = "PNG, JPEG, BMP, GIF, TIFF, WebP, PBM/PGM/PPM, JPEG 2000, Sun raster or AVIF"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: More chunks than any PNG of ``MAX_FILE_BYTES`` written by an encoder holds (8 KB each).
_MAX_PNG_CHUNKS = 1_000_000
#: The EXIF tag of a picture's orientation.
_ORIENTATION = 0x0112


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Reads a picture file as a grey uint8 array (dark ink on light paper, as taken).

    Raises:
        InputError: if the file is missing, not a regular file, empty, larger than
            ``MAX_FILE_BYTES``, not a picture, corrupt or over ``MAX_PIXELS``.
    """
    data = read_bytes(path, MAX_FILE_BYTES, "picture")
    if not data:
        raise InputError(f"{path} is empty (0 bytes), not a picture.")
    return decode_image(data, str(path))


def decode_image(data: bytes, name: str = "the picture") -> np.ndarray:
    """Decodes picture bytes (one of ``FORMATS``) to grey uint8, turned upright.

    Transparent pixels are laid on white paper. The size is read from the header and a
    picture over ``MAX_PIXELS`` is refused before it is decoded. A photo whose EXIF
    orientation says the camera was turned (a phone held upright stores its pixels sideways)
    is turned as every picture viewer shows it.

    Raises:
        InputError: if the bytes are not a picture, are corrupt, or the picture is too large.
    """
    width, height = picture_size(data, name)
    if width * height > MAX_PIXELS:
        raise InputError(f"{name} is too large to recognize: {width}x{height} pixels "
                         f"(the limit is {MAX_PIXELS // 1_000_000} megapixels). Crop or shrink it first.")
    if data.startswith(_PNG_SIGNATURE):
        _check_png_chunks(data, name)
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        with native_stderr_to_log(log, "OpenCV"):  # libpng and libjpeg print their complaints there
            image = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        raise InputError(f"{name} could not be decoded as a picture: {exc.err}") from exc
    if image is None or image.size == 0:
        raise InputError(f"{name} is not a picture that can be read, or it is corrupt "
                         f"(first bytes: {data[:8]!r}).")
    return upright(to_grey(image), exif_orientation(data))


#: How to turn a picture upright for each EXIF orientation (2-8; 1 is upright): transposed
#: first (swapping rows and columns), then turned by this many quarters counter-clockwise.
_UPRIGHT = {2: (True, 3), 3: (False, 2), 4: (True, 1), 5: (True, 0), 6: (False, 3), 7: (True, 2), 8: (False, 1)}


def exif_orientation(data: bytes) -> int:
    """The EXIF orientation (1-8) of a JPEG, PNG or WebP picture that OpenCV decodes as stored;
    1 when it has none or it cannot be read, and for other formats (OpenCV turns TIFFs itself)."""
    if not (data.startswith((b"\xff\xd8\xff", _PNG_SIGNATURE)) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")):
        return 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as picture:  # the header only: no pixels are decoded
                value = picture.getexif().get(_ORIENTATION, 1)
    except Exception:  # a corrupt or odd EXIF block: the picture is read as stored, as OpenCV read it
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def upright(grey: np.ndarray, orientation: int) -> np.ndarray:
    """A picture stored with EXIF ``orientation`` as it is meant to be seen."""
    if orientation not in _UPRIGHT:
        return grey
    transpose, quarters = _UPRIGHT[orientation]
    return np.ascontiguousarray(np.rot90(grey.T if transpose else grey, quarters))


def picture_size(data: bytes, name: str = "the picture") -> tuple[int, int]:
    """(width, height) of a picture in one of ``FORMATS``, read from its header alone.

    A PNG's size is in its first chunk; the other formats' headers are read by Pillow's
    plugins, each of which reads only what it needs to know the size. (Not ``Image.open``:
    it refuses pictures over 179 megapixels without saying their size.)

    Raises:
        InputError: if the bytes are not a picture in one of ``FORMATS`` or its header is corrupt.
    """
    if data.startswith(_PNG_SIGNATURE) and data[12:16] == b"IHDR" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    Image.init()
    for fmt in FORMATS:
        if fmt not in Image.OPEN:
            continue
        factory, accept = Image.OPEN[fmt]
        accepted = accept is None or accept(data[:16])
        if not accepted or isinstance(accepted, str):  # a string: the plugin's codec is missing
            continue
        try:
            with warnings.catch_warnings():  # e.g. "Corrupt EXIF data": the header is all that is used
                warnings.simplefilter("ignore")
                with factory(io.BytesIO(data), "") as picture:
                    return int(picture.size[0]), int(picture.size[1])
        except Exception:  # Pillow raises many kinds for a corrupt header: SyntaxError, struct.error...
            continue  # as Image.open does: another format may read it
    raise InputError(f"{name} is not a picture that can be read ({_FORMAT_NAMES}), or it is corrupt "
                     f"(first bytes: {data[:8]!r}).")


def _check_png_chunks(data: bytes, name: str) -> None:
    """Refuses a PNG with a chunk that claims more bytes than the file holds.

    OpenCV's PNG reader allocates what a chunk claims before reading it: a 500-byte file
    whose image data claimed 2 GB took 2.1 GB. Pillow's header reading stops before them.
    """
    at, count = len(_PNG_SIGNATURE), 0
    while at + 12 <= len(data) and count < _MAX_PNG_CHUNKS:
        length, kind = int.from_bytes(data[at:at + 4], "big"), data[at + 4:at + 8]
        if at + 12 + length > len(data):
            raise InputError(f"{name} is truncated or corrupt: its {kind.decode('latin-1')!r} chunk claims "
                             f"{length:,} bytes, past the end of the file ({len(data):,} bytes).")
        at, count = at + 12 + length, count + 1
        if kind == b"IEND":
            return
    if count >= _MAX_PNG_CHUNKS:
        raise InputError(f"{name} is not a PNG that can be read: over {_MAX_PNG_CHUNKS:,} chunks.")


def to_grey(image: np.ndarray) -> np.ndarray:
    """Any decoded picture (grey, BGR, BGRA, 16-bit, float) to grey uint8, alpha over white.

    Wide pictures are converted a band of rows at a time: a 64-megapixel RGBA picture took
    2.3 GB in float copies of the whole, now about a quarter of that.
    """
    if image.dtype != np.uint8:
        image = _to_uint8(image)
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        rgb = np.empty((*image.shape[:2], 3), np.uint8)
        for top in range(0, image.shape[0], _BAND_ROWS):
            band = image[top:top + _BAND_ROWS]
            alpha = band[:, :, 3:4].astype(np.float32) / 255.0
            rgb[top:top + _BAND_ROWS] = band[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        image = rgb
    if image.shape[2] == 1:
        return image[:, :, 0]
    return cv2.cvtColor(image[:, :, :3], cv2.COLOR_BGR2GRAY)


def _to_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint16:
        out = np.empty(image.shape, np.uint8)
        for top in range(0, image.shape[0], _BAND_ROWS):
            out[top:top + _BAND_ROWS] = image[top:top + _BAND_ROWS] >> 8
        return out
    if image.dtype.kind == "f" and not np.isfinite(image).all():
        # NaN and infinity have no grey level (and would make all of it NaN): black.
        image = np.nan_to_num(image, nan=0.0, posinf=0.0, neginf=0.0)
    return cv2.normalize(image, np.empty_like(image), 0, 255, cv2.NORM_MINMAX).astype(np.uint8)


def clean_photo(grey: np.ndarray) -> np.ndarray:
    """Turns a photo or scan of handwriting into white ink on a black background.

    The picture path's cleaning (``core.binarize.clean``: polarity from local contrast, the
    paper's light divided out, hysteresis), the whole picture at the working scale.

    Raises:
        InputError: if no ink stands out from the paper.
    """
    return clean(grey).whole()


def looks_like_model_input(grey: np.ndarray) -> bool:
    """True for small pictures already white on black (MNIST-like), which need no cleaning."""
    if max(grey.shape) > 64:
        return False
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    return float(np.mean(border)) < 32 and float(grey.max()) > 128
