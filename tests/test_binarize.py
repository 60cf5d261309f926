"""Paper and ink (core.binarize): faint pencil, pale ink beside dark, coloured paper and ink,
white on black and small turns, on pictures drawn by ``training.synth.paper``."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from core.binarize import MIN_CONTRAST, clean
from core.bundle import resolve_model
from core.errors import InputError
from core.images import to_grey
from core.picture import read_picture
from core.recognizer import TFLiteRecognizer
from tests.strokefont import write_digit
from training.synth import paper

PAPER = 245
WHITE = paper.Look(paper=(246, 245, 240), texture=0.01, noise=1.0)
BALLPOINT = paper.Pen("ballpoint", 0.045, 0.95, (20, 20, 28))
PENCIL = paper.Pen("pencil", 0.05, 0.35, (70, 70, 78))


@pytest.fixture(scope="module")
def digits() -> TFLiteRecognizer:
    return TFLiteRecognizer(resolve_model("digits"))


def written(text: str, pen: paper.Pen, look: paper.Look, seed: int) -> np.ndarray:
    """Digits in a row written with ``pen`` and photographed under ``look``, decoded to grey
    from BGR as a file would be."""
    rng = np.random.default_rng(seed)
    placed = paper.layout_lines([[write_digit(c, rng) for c in text]], "horizontal", "natural", rng, 90.0,
                                pen.width, margin=1.0)
    rgb = paper.render(placed, pen, look, rng, colour=True).image
    return to_grey(np.ascontiguousarray(rgb[:, :, ::-1]))


def noisy_paper(shape: tuple[int, int], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(PAPER, 1.0, shape).astype(np.float32)


def test_the_faint_skip_of_a_pencil_line_on_quiet_paper_stays_joined() -> None:
    # Graphite left only in the paper's grain: a stretch at contrast 0.045, under MIN_CONTRAST.
    picture = noisy_paper((120, 320))
    for (x0, x1), contrast in (((20, 120), 0.35), ((120, 200), 0.045), ((200, 300), 0.35)):
        picture[57:63, x0:x1] *= 1 - contrast
    assert 0.045 < MIN_CONTRAST
    cleaned = clean(np.clip(picture, 0, 255).astype(np.uint8))
    assert cv2.connectedComponents(cleaned.mask)[0] - 1 == 1  # one line, not two dashes
    assert cleaned.mask[:, 120 - cleaned.origin[0]:200 - cleaned.origin[0]].any(axis=0).all()


@pytest.mark.parametrize("quality", [25, 40])
def test_jpeg_ringing_beside_dark_ink_is_not_taken_for_ink(quality: int) -> None:
    # The lower bar for faint ink applies only where the paper next to the ink is quiet: taken
    # everywhere, JPEG ringing grew the ink by 25-65% and joined neighbouring digits.
    picture = written("4179", BALLPOINT, WHITE, 1)
    scanned = np.count_nonzero(clean(picture).mask)
    jpeg = cv2.imdecode(cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_GRAYSCALE)
    assert jpeg is not None
    mask = clean(jpeg).mask
    assert np.count_nonzero(mask) < 1.2 * scanned
    assert cv2.connectedComponents(mask)[0] - 1 == 4


def test_pencil_written_beside_dark_ink_is_kept_and_read(digits: TFLiteRecognizer) -> None:
    ink, pencil = written("86", BALLPOINT, WHITE, 0), written("52", PENCIL, WHITE, 0)
    height = min(ink.shape[0], pencil.shape[0])
    picture = np.hstack([ink[:height], pencil[:height]])
    cleaned = clean(picture)
    found = np.zeros(picture.shape, bool)
    x0, y0 = cleaned.origin
    found[y0:y0 + cleaned.mask.shape[0], x0:x0 + cleaned.mask.shape[1]] = cleaned.mask > 0
    drawn = pencil[:height] < PAPER - 40
    assert found[:, ink.shape[1]:][drawn].mean() > 0.8  # the pencil half was dropped: 0%
    assert read_picture(picture, digits, layout="horizontal").text == "8652"


CASES = {
    "kraft paper": (BALLPOINT, replace(WHITE, paper=(205, 180, 140), texture=0.04)),
    "blue paper": (BALLPOINT, replace(WHITE, paper=(222, 232, 244), texture=0.03)),
    "pink paper": (BALLPOINT, replace(WHITE, paper=(245, 225, 228), texture=0.03)),
    "red ink": (replace(BALLPOINT, colour=(170, 25, 30)), WHITE),
    "blue ink": (replace(BALLPOINT, colour=(25, 35, 120)), WHITE),
    "pencil": (replace(PENCIL, darkness=0.45), WHITE),
    "faint pencil": (replace(PENCIL, darkness=0.3), WHITE),
    "uneven light": (BALLPOINT, replace(WHITE, gradient=0.5, vignette=0.3, shadow=0.3)),
    "turned +10": (BALLPOINT, replace(WHITE, rotation=10.0)),
    "turned -10": (BALLPOINT, replace(WHITE, rotation=-10.0)),
}


@pytest.mark.parametrize("invert", [False, True], ids=["dark on light", "light on dark"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_single_digits_on_any_paper_in_any_ink_are_read(digits: TFLiteRecognizer, case: str, invert: bool) -> None:
    pen, look = CASES[case]
    right = 0
    for i in range(10):
        picture = written(str(i), pen, look, i)
        right += digits.recognize(255 - picture if invert else picture, 1)[0].label == str(i)
    assert right >= 9  # 10 of 10 in every case when written


@pytest.mark.parametrize("angle", [-10.0, 10.0])
def test_a_line_turned_10_degrees_is_read(digits: TFLiteRecognizer, angle: float) -> None:
    picture = written("4179", BALLPOINT, replace(WHITE, rotation=angle), 3)
    assert read_picture(picture, digits, layout="horizontal").text == "4179"


def dim_noisy_photo(stroke: float, seed: int = 0) -> np.ndarray:
    """Dim grainy paper (a phone photo in poor light), with a pencil '7' of contrast ``stroke``."""
    rng = np.random.default_rng(seed)
    picture = np.full((300, 300), 150.0, np.float32)
    ink = np.zeros((300, 300), np.float32)
    cv2.line(ink, (80, 90), (220, 90), 1.0, 9)
    cv2.line(ink, (220, 90), (130, 230), 1.0, 9)
    picture *= 1 - stroke * ink
    picture += rng.normal(0, 6, picture.shape)
    return np.clip(picture, 0, 255).astype(np.uint8)


def test_pale_pencil_in_a_dim_noisy_photo_is_found() -> None:
    cleaned = clean(dim_noisy_photo(0.22))  # refused before: "No writing stands out"
    assert cv2.connectedComponents(cleaned.mask)[0] - 1 == 1
    assert 200 < cleaned.mask.shape[0] * cleaned.mask.shape[1] / 100 < 300  # the 7's box, not the page


def test_dim_noisy_paper_without_writing_is_still_refused() -> None:
    with pytest.raises(InputError, match="No writing stands out"):
        clean(dim_noisy_photo(0.0))
