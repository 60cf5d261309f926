"""A sheet photographed on a desk (core.sheet): found and read as if the paper filled the picture;
pictures that are all paper (shadows, vignetting, dense writing, light ink on dark) have no sheet."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from core.binarize import SMALL_SIDE, _resized, clean
from core.bundle import resolve_model
from core.images import to_grey
from core.picture import read_picture
from core.recognizer import TFLiteRecognizer
from core.sheet import find_sheet, paint_desk
from tests.strokefont import write_digit
from training.synth import paper

WHITE = paper.Look(paper=(246, 245, 240), texture=0.01, noise=1.0)
PHOTO = replace(WHITE, vignette=0.2, gradient=0.15, perspective=0.03, rotation=2.0, blur=0.01, noise=3.0,
                jpeg_quality=80)
BALLPOINT = paper.Pen("ballpoint", 0.045, 0.95, (20, 20, 28))
DESKS = {"dark wood": (90, 62, 42), "grey table": (105, 105, 110), "red cover": (170, 60, 50)}


@pytest.fixture(scope="module")
def digits() -> TFLiteRecognizer:
    return TFLiteRecognizer(resolve_model("digits"))


def written(text: str, look: paper.Look, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    placed = paper.layout_lines([[write_digit(c, rng) for c in text]], "horizontal", "natural", rng, 90.0,
                                BALLPOINT.width, margin=1.0)
    rgb = paper.render(placed, BALLPOINT, look, rng, colour=True).image
    return to_grey(np.ascontiguousarray(rgb[:, :, ::-1]))


def small_of(grey: np.ndarray) -> np.ndarray:
    return _resized(grey, min(1.0, SMALL_SIDE / max(grey.shape)))


@pytest.mark.parametrize("desk", sorted(DESKS))
@pytest.mark.parametrize("share", [0.5, 0.8])
def test_a_line_on_a_sheet_lying_on_a_desk_is_read(digits: TFLiteRecognizer, desk: str, share: float) -> None:
    picture = written("4712", replace(PHOTO, sheet=share, desk=DESKS[desk]), 1)
    assert find_sheet(small_of(picture)) is not None
    assert clean(picture).dark_ink  # writing on a bright sheet is dark, however the desk's fill looks
    assert read_picture(picture, digits, layout="horizontal").text == "4712"


def test_without_the_sheet_found_the_desk_is_taken_for_the_ground(digits: TFLiteRecognizer,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    picture = written("4712", replace(PHOTO, sheet=0.5, desk=DESKS["dark wood"]), 1)
    monkeypatch.setattr("core.binarize.find_sheet", lambda small: None)
    assert not clean(picture).dark_ink  # the bright sheet looked like light ink on a dark ground


def test_the_desk_is_painted_like_the_paper_beside_it() -> None:
    picture = written("58", replace(WHITE, sheet=0.5, desk=DESKS["grey table"]), 2)
    small = small_of(picture)
    sheet = find_sheet(small)
    assert sheet is not None and 0.15 < sheet.mean() < 0.5
    grey, painted = paint_desk(picture, small, sheet)
    assert grey.shape == picture.shape and painted.shape == small.shape
    assert abs(float(np.median(painted[~sheet])) - float(np.median(small[sheet]))) <= 3
    assert np.array_equal(painted[sheet], small[sheet]) and float(np.std(painted[~sheet])) < 3


@pytest.mark.parametrize("case", ["clean", "shadow and vignetting", "dense writing to the edges", "light ink on dark",
                                  "uneven light", "thick strokes reaching the border"])
def test_pictures_that_are_all_paper_have_no_sheet(case: str) -> None:
    if case == "clean":
        picture = written("4712", WHITE, 3)
    elif case == "shadow and vignetting":
        picture = written("4712", replace(WHITE, shadow=0.35, vignette=0.3, gradient=0.3), 3)
    elif case == "uneven light":
        looks = [paper.sample_look("uneven", np.random.default_rng(seed)) for seed in range(12)]
        assert all(find_sheet(small_of(written("365", look, seed))) is None for seed, look in enumerate(looks))
        return
    elif case == "dense writing to the edges":
        full = written("88888888", replace(WHITE, rules="ruled", rule_width=0.03, rule_pitch=1.2), 4)
        ys, xs = np.nonzero(full < 128)
        picture = full[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    elif case == "thick strokes reaching the border":  # tight crops of a brush's 1, 十 and 口
        for strokes in ([(0, 60, 400, 60)], [(0, 60, 400, 60), (200, 0, 200, 400)],
                        [(0, 60, 400, 60), (0, 340, 400, 340), (60, 0, 60, 400), (340, 0, 340, 400)]):
            picture = np.full((400, 400), 240, np.uint8)
            for x0, y0, x1, y1 in strokes:
                picture = cv2.line(picture, (x0, y0), (x1, y1), 15, 70)
            assert find_sheet(small_of(picture)) is None, strokes
        return
    else:
        picture = 255 - written("4712", WHITE, 5)
    assert find_sheet(small_of(picture)) is None


def test_a_shadow_along_the_sheets_edge_is_paper_not_ink() -> None:
    # The sheet's left part lies in a shadow that deepens towards its edge, 90 grey levels below
    # the lit paper: the desk beside it is painted as the shaded paper looks, and only the
    # writing in the middle is ink (painted as bright as the lit paper, the shadow was a band of ink).
    picture = np.full((400, 400), 80, np.uint8)
    sheet = np.full((260, 240), 235.0)
    sheet[:, :100] -= np.linspace(90, 0, 100)[None, :]
    picture[70:330, 80:320] = np.round(sheet).astype(np.uint8)
    cv2.line(picture, (170, 150), (250, 150), 20, 9)
    cv2.line(picture, (210, 110), (210, 250), 20, 9)
    picture = cv2.GaussianBlur(picture, (0, 0), 1.5)
    assert find_sheet(small_of(picture)) is not None
    cleaned = clean(picture)
    ys, xs = np.nonzero(cleaned.whole())
    x, y = xs / cleaned.scale, ys / cleaned.scale
    assert x.min() > 155 and x.max() < 265 and y.min() > 95 and y.max() < 265


def test_writing_near_the_edge_of_a_long_narrow_sheet_is_kept() -> None:
    # A column written on a strip of paper: its first character starts 14 pixels below the
    # sheet's top edge. The rim taken off the sheet (its edge's shadow) was a share of the
    # picture's longer side, 21 pixels here, and took that character's top stroke off with it.
    picture = np.full((900, 220), 80, np.uint8)
    picture[110:830, 40:180] = 235
    cv2.line(picture, (85, 128), (135, 128), 20, 8)  # the first character, near the top edge
    cv2.line(picture, (110, 128), (110, 175), 20, 8)
    for top in (300, 500):  # and two more down the column
        cv2.circle(picture, (110, top), 25, 20, 8)
    picture = cv2.GaussianBlur(picture, (0, 0), 1.5)
    assert find_sheet(small_of(picture)) is not None
    cleaned = clean(picture)
    ys, xs = np.nonzero(cleaned.whole())
    y = ys / cleaned.scale
    assert y.min() < 126 and y.max() < 540  # the first character's top stroke is ink; the sheet's edge is not


@pytest.mark.parametrize("desk", sorted(DESKS))
def test_a_sheet_running_off_the_top_and_bottom_of_the_frame_is_found(digits: TFLiteRecognizer, desk: str) -> None:
    # Only the desk beside it shows: the paper reaches the picture's border above and below.
    picture = written("4712", replace(PHOTO, sheet=0.6, desk=DESKS[desk]), 1)
    rows = np.flatnonzero((picture > 170).mean(axis=1) > 0.3)
    cut = picture[rows[0] + 8:rows[-1] - 8]
    assert find_sheet(small_of(cut)) is not None
    assert read_picture(cut, digits, layout="horizontal").text == "4712"
