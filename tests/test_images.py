"""Reading pictures: formats, bad files, huge files, photo cleaning."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import InputError
from core.images import clean_photo, read_image


def _photo_of_a_seven(dark_on_light: bool = True) -> np.ndarray:
    img = np.full((300, 240), 210, np.uint8)
    img += np.linspace(0, 40, 240, dtype=np.uint8)[None, :]  # uneven lighting
    cv2.line(img, (60, 70), (180, 70), 30, 9)
    cv2.line(img, (180, 70), (100, 240), 30, 9)
    img[10, 10] = 0  # a speck
    return img if dark_on_light else 255 - img


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp", ".tiff", ".webp"])
def test_common_formats_read_as_grey(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"seven{ext}"
    assert cv2.imwrite(str(path), cv2.cvtColor(_photo_of_a_seven(), cv2.COLOR_GRAY2BGR))
    grey = read_image(path)
    assert grey.shape == (300, 240) and grey.dtype == np.uint8


def test_transparent_png_is_laid_on_white(tmp_path: Path) -> None:
    rgba = np.zeros((50, 50, 4), np.uint8)
    rgba[20:30, 10:40] = (0, 0, 0, 255)
    cv2.imwrite(str(tmp_path / "t.png"), rgba)
    grey = read_image(tmp_path / "t.png")
    assert grey[0, 0] == 255 and grey[25, 25] == 0


@pytest.mark.parametrize("content, message", [(b"", "empty"), (b"hello, not a picture", "not a picture"),
                                              (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "not a picture")])
def test_bad_files_say_what_is_wrong(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_image(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Cannot read"):
        read_image(tmp_path / "nope.png")


def test_huge_picture_is_refused_before_decoding(tmp_path: Path) -> None:
    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + header
    data = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    (tmp_path / "huge.png").write_bytes(data + b"\0" * 100)
    with pytest.raises(InputError, match="20000x20000"):
        read_image(tmp_path / "huge.png")


@pytest.mark.parametrize("dark_on_light", [True, False])
def test_clean_photo_gives_white_ink_on_black_without_specks(dark_on_light: bool) -> None:
    out = clean_photo(_photo_of_a_seven(dark_on_light))
    assert out[0:40, 0:40].max() == 0  # the speck and the background are gone
    assert out[70, 120] > 128  # the stroke is ink


def test_clean_photo_of_blank_paper_is_an_input_error() -> None:
    with pytest.raises(InputError, match="No writing"):
        clean_photo(np.full((100, 100), 200, np.uint8))


@pytest.mark.parametrize("pen", [3, 8, 12, 16])
def test_clean_photo_keeps_thick_strokes_whole(pen: int) -> None:
    # A small picture written with a broad pen: the background estimate must not take
    # the middle of a stroke for paper (that hollowed a "7" into two pieces read as "21").
    picture = np.full((160, 160), 235, np.uint8)
    cv2.line(picture, (40, 35), (120, 35), 30, pen)
    cv2.line(picture, (120, 35), (70, 130), 30, pen)
    ink = clean_photo(picture) > 0
    pieces = cv2.connectedComponents(ink.astype(np.uint8))[0] - 1
    assert pieces == 1
    assert ink.mean() == pytest.approx((picture < 128).mean(), rel=0.15)
