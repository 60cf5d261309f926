"""Reading pictures: formats, bad files, huge files, photo cleaning."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import core.images
from core.errors import InputError
from core.images import clean_photo, read_image


def _photo_of_a_seven(dark_on_light: bool = True) -> np.ndarray:
    img = np.full((300, 240), 210, np.uint8)
    img += np.linspace(0, 40, 240, dtype=np.uint8)[None, :]  # uneven lighting
    cv2.line(img, (60, 70), (180, 70), 30, 9)
    cv2.line(img, (180, 70), (100, 240), 30, 9)
    img[10, 10] = 0  # a speck
    return img if dark_on_light else 255 - img


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp", ".tiff", ".webp", ".pgm", ".ppm"])
def test_common_formats_read_as_grey(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"seven{ext}"
    photo = _photo_of_a_seven()
    assert cv2.imwrite(str(path), photo if ext == ".pgm" else cv2.cvtColor(photo, cv2.COLOR_GRAY2BGR))
    grey = read_image(path)
    assert grey.shape == (300, 240) and grey.dtype == np.uint8


@pytest.mark.parametrize("fmt", ["GIF", "JPEG2000"])
def test_formats_written_by_pillow_read_as_grey(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"seven.{fmt.lower()}"
    Image.fromarray(_photo_of_a_seven()).save(path, fmt)
    assert read_image(path).shape == (300, 240)


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
    with pytest.raises(InputError, match="does not exist"):
        read_image(tmp_path / "nope.png")


def _png(width: int, height: int) -> bytes:
    """A grey PNG header of any size, with the first row of pixels only."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(bytes(width + 1)))


def _tiff(width: int, height: int) -> bytes:
    """An uncompressed 8-bit grey TIFF header of any size, with 64 bytes of pixels."""
    tags = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
            (273, 4, 1, 122), (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, width * height)]
    ifd = struct.pack("<H", len(tags)) + b"".join(struct.pack("<HHII", *tag) for tag in tags) + bytes(4)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + bytes(64)


def _webp(width: int, height: int) -> bytes:
    """A lossless WebP written by Pillow at 16x16, its VP8L header then claiming ``width`` x ``height``."""
    buffer = io.BytesIO()
    Image.new("L", (16, 16), 200).save(buffer, "WEBP", lossless=True)
    data = bytearray(buffer.getvalue())
    at = data.index(b"VP8L") + 9  # after the chunk size and the 0x2f signature
    bits = int.from_bytes(data[at:at + 4], "little") >> 28 << 28
    data[at:at + 4] = (bits | (width - 1) | (height - 1) << 14).to_bytes(4, "little")
    return bytes(data)


def _jpeg(width: int, height: int, fill: bytes = b"") -> bytes:
    """A JPEG written by OpenCV at 8x8, its frame header then claiming ``width`` x ``height``;
    ``fill`` bytes are put right after the start-of-image marker."""
    data = bytearray(cv2.imencode(".jpg", np.full((8, 8), 200, np.uint8))[1].tobytes())
    at = data.index(b"\xff\xc0")
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    return bytes(data[:2] + fill + data[2:])


def _bmp(width: int, height: int) -> bytes:
    """An 8-bit BMP header of any size (top-down rows), without pixels."""
    info = struct.pack("<IiiHHIIiiII", 40, width, -height, 1, 8, 0, 0, 2835, 2835, 256, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + 1024, 0, 0, 14 + 40 + 1024) + info + bytes(1024 + 64)


def _gif(width: int, height: int) -> bytes:
    """A GIF written by Pillow at 8x8, its screen and first frame then claiming ``width`` x ``height``."""
    buffer = io.BytesIO()
    Image.new("L", (8, 8), 200).save(buffer, "GIF")
    data = bytearray(buffer.getvalue())
    data[6:10] = struct.pack("<HH", width, height)
    palette = 3 << (data[10] & 7) + 1 if data[10] & 0x80 else 0
    at = data.index(b"\x2c", 13 + palette)  # the first image descriptor, after any extensions
    data[at + 5:at + 9] = struct.pack("<HH", width, height)
    return bytes(data)


HUGE = {
    "tiff-16000x16000": _tiff(16000, 16000),
    "webp-12000x12000": _webp(12000, 12000),
    "pgm-12000x12000": b"P5\n12000 12000\n255\n" + bytes(64),
    "ppm-9000x9000": b"P6\n9000 9000\n65535\n" + bytes(64),
    "jpeg-30000x30000-fill-byte": _jpeg(30000, 30000, b"\xff"),
    "jpeg-30000x30000-fill-bytes": _jpeg(30000, 30000, b"\xff" * 7),
    "jpeg-9000x9000": _jpeg(9000, 9000),
    "png-9000x9000": _png(9000, 9000),
    "png-20000x20000": _png(20000, 20000),
    "bmp-9000x9000": _bmp(9000, 9000),
    "gif-9000x9000": _gif(9000, 9000),
}


@pytest.mark.parametrize("name", sorted(HUGE))
def test_pictures_over_the_pixel_limit_are_refused_from_their_header(tmp_path: Path, name: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def never_decode(*args: object) -> None:
        raise AssertionError("decoded a picture over the limit")

    (tmp_path / name).write_bytes(HUGE[name])
    monkeypatch.setattr(core.images.cv2, "imdecode", never_decode)
    size = name.split("-")[1]  # what the header claims: the message says it
    with pytest.raises(InputError, match=f"too large to recognize: {size} pixels"):
        read_image(tmp_path / name)


def test_a_picture_at_the_pixel_limit_is_decoded(tmp_path: Path) -> None:
    side = int(core.images.MAX_PIXELS ** 0.5)
    picture = tmp_path / "limit.pgm"
    picture.write_bytes(f"P5\n{side} {side}\n255\n".encode() + bytes(side * side))
    assert read_image(picture).shape == (side, side)


@pytest.mark.parametrize("ext, pixels", [(".hdr", np.float32), (".pfm", np.float32), (".pam", np.uint8)])
def test_formats_whose_size_is_not_checked_are_refused(tmp_path: Path, ext: str, pixels: type) -> None:
    # OpenCV decodes these, but nothing reads their size before it does.
    path = tmp_path / f"seven{ext}"
    assert cv2.imwrite(str(path), cv2.cvtColor(_photo_of_a_seven(), cv2.COLOR_GRAY2BGR).astype(pixels))
    with pytest.raises(InputError, match=r"not a picture that can be read \(PNG, JPEG"):
        read_image(path)


def test_files_over_the_size_limit_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core.images, "MAX_FILE_BYTES", 1000)
    (tmp_path / "big.png").write_bytes(_png(10, 10) + bytes(2000))
    with pytest.raises(InputError, match="too large: 2,"):
        read_image(tmp_path / "big.png")


def test_opencv_itself_refuses_pictures_over_the_limit() -> None:
    # The second guard: should a header be read wrongly, OpenCV's own limit (set by ``core``
    # before OpenCV is imported) still refuses to decode it. In a fresh process, quietly.
    code = ("import core.images, cv2, numpy as np\n"
            "data = np.frombuffer(b'P5\\n9000 9000\\n255\\n' + bytes(64), np.uint8)\n"
            "try:\n    cv2.imdecode(data, cv2.IMREAD_UNCHANGED)\nexcept cv2.error as exc:\n    print(exc.err)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "pixels <= CV_IO_MAX_IMAGE_PIXELS" and out.stderr == ""


@pytest.mark.filterwarnings("error")  # numpy's "invalid value encountered in cast" was an extra line on stderr
def test_float_pictures_with_nan_or_infinity_read_as_grey(tmp_path: Path) -> None:
    values = np.full((40, 40), 0.5, np.float32)
    values[:10] = np.nan
    values[10:20] = np.inf
    values[20:30] = 1.0
    Image.fromarray(values).save(tmp_path / "float.tiff")
    grey = read_image(tmp_path / "float.tiff")
    assert grey[0, 0] == 0 and grey[15, 0] == 0 and grey[25, 0] == 255 and grey[35, 0] == 127


def test_a_png_chunk_claiming_more_than_the_file_is_refused_before_decoding(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # OpenCV allocated the 2 GB such an image-data chunk claims (the fuzz saw 2.1 GB for 500 bytes).
    def never_decode(*args: object) -> None:
        raise AssertionError("decoded a PNG whose chunk overruns the file")

    data = bytearray(_png(100, 100))
    at = data.index(b"IDAT") - 4
    data[at:at + 4] = struct.pack(">I", 0x7FFFFFFF)
    (tmp_path / "claims.png").write_bytes(bytes(data))
    monkeypatch.setattr(core.images.cv2, "imdecode", never_decode)
    with pytest.raises(InputError, match="'IDAT' chunk claims 2,147,483,647 bytes, past the end"):
        read_image(tmp_path / "claims.png")


def test_codec_complaints_go_to_the_log_not_stderr(tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                                   caplog: pytest.LogCaptureFixture) -> None:
    # libpng prints "libpng error: ..." to the process's stderr itself, past OpenCV's log level.
    caplog.set_level("INFO", logger="core.images")
    png = bytearray(cv2.imencode(".png", _photo_of_a_seven())[1].tobytes())
    png[png.index(b"IDAT") + 20] ^= 0xFF
    (tmp_path / "damaged.png").write_bytes(bytes(png))
    with pytest.raises(InputError, match="not a picture that can be read"):
        read_image(tmp_path / "damaged.png")
    assert capfd.readouterr().err == ""
    assert "OpenCV: libpng error: IDAT" in caplog.text


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_a_large_transparent_picture_is_made_grey_without_float_copies_of_it(dtype: type) -> None:
    import tracemalloc

    rgba: np.ndarray = np.full((2000, 2000, 4), np.iinfo(dtype).max // 2, dtype)
    rgba[:, :, 3] = np.iinfo(dtype).max
    rgba[:1000, :, 3] = 0  # transparent: white
    tracemalloc.start()
    try:
        grey = core.images.to_grey(rgba)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert grey[0, 0] == 255 and grey[1500, 0] == 127
    assert peak < 2 * rgba.nbytes  # 8x the picture (4.5x for 16 bits) in float copies; a 64-MP one took 2.3 GB


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


#: What a camera stores for each EXIF orientation, given the picture as it is meant to be seen (the
#: inverse of the turn the orientation asks a viewer for; None: stored upright).
STORED = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
          4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90,
          7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_270}


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
def test_a_photo_the_camera_stored_turned_is_read_upright(tmp_path: Path, fmt: str, orientation: int) -> None:
    """A phone held upright stores its pixels sideways and says so in EXIF: the picture is read as
    every viewer shows it, not lying on its side or mirrored."""
    _, seven = cv2.threshold(_photo_of_a_seven()[:, :200], 128, 255, cv2.THRESH_BINARY)  # taller than wide
    turn = STORED[orientation]
    stored = Image.fromarray(seven) if turn is None else Image.fromarray(seven).transpose(turn)
    exif = stored.getexif()
    exif[0x0112] = orientation
    path = tmp_path / f"photo.{fmt.lower()}"
    stored.save(path, fmt, exif=exif, **({"quality": 100} if fmt in ("JPEG", "WEBP") else {}))
    grey = read_image(path)
    assert grey.shape == seven.shape
    assert float(np.mean(np.abs(grey.astype(int) - seven))) < 2
    assert grey.flags.c_contiguous


def test_a_photo_with_a_corrupt_exif_block_is_read_as_stored(tmp_path: Path) -> None:
    encoded = cv2.imencode(".jpg", _photo_of_a_seven())[1].tobytes()
    junk = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff" + bytes(40)
    path = tmp_path / "odd.jpg"
    path.write_bytes(encoded[:2] + b"\xff\xe1" + struct.pack(">H", len(junk) + 2) + junk + encoded[2:])
    assert read_image(path).shape == (300, 240)
