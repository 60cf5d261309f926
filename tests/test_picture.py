"""The picture path: paper and ink (core.binarize), layout, pieces and decoding (core.picture)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from core import strokeorder
from core.binarize import Cleaned, clean, model_input
from core.bundle import resolve_model
from core.errors import InputError
from core.picture import detect_layout, read_picture, segment_picture, skew_angle
from core.picture_cut import SEAM_STEP, _seam_costs, _seam_costs_apart, _seams, _trace
from core.preprocess import Preprocessing
from core.recognizer import TFLiteRecognizer
from tests.strokefont import write_digit
from training.synth import paper

PAPER = 245


@pytest.fixture(scope="module")
def digits() -> TFLiteRecognizer:
    return TFLiteRecognizer(resolve_model("digits"))


def digit_line(text: str, height: int = 120, gap: int = 80, ink: int = 30, thick: int = 9) -> np.ndarray:
    """Digits drawn on paper in a row (Hershey font, a broad pen)."""
    picture = np.full((height * 2, 80 + len(text) * (height // 2 + gap)), PAPER, np.uint8)
    for i, char in enumerate(text):
        cv2.putText(picture, char, (40 + i * (height // 2 + gap), int(height * 1.5)), cv2.FONT_HERSHEY_SIMPLEX,
                    height / 30, ink, thick, cv2.LINE_AA)
    return picture


def kana_line(text: str, height: int = 120, gap: int = 80, ink: int = 30, thick: int = 9) -> np.ndarray:
    """Characters KanjiVG draws (フ, 口...) written on paper in a row with the pen of ``digit_line``."""
    picture = np.full((height * 2, 80 + len(text) * (height + gap)), PAPER, np.uint8)
    for i, char in enumerate(text):
        for stroke in strokeorder.strokes(char) or ():
            points = np.asarray(stroke) * height + (40 + i * (height + gap), height // 2)
            cv2.polylines(picture, [points.astype(np.int32)], False, ink, thick, cv2.LINE_AA)
    return picture


def ink_boxes(picture: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) of each blob darker than the paper, left to right."""
    count, _, stats, _ = cv2.connectedComponentsWithStats((picture < 128).astype(np.uint8))
    return sorted((int(x), int(y), int(x + w), int(y + h)) for x, y, w, h, _ in stats[1:])


def full_mask(cleaned: Cleaned, shape: tuple[int, ...]) -> np.ndarray:
    """The cleaned ink's mask (cut to the ink) placed back on a picture of ``shape`` (no rescaling)."""
    out = np.zeros(shape[:2], bool)
    x0, y0 = cleaned.origin
    out[y0:y0 + cleaned.mask.shape[0], x0:x0 + cleaned.mask.shape[1]] = cleaned.mask > 0
    return out


def test_ink_is_found_under_vignetting_that_darkens_the_border_below_the_middle() -> None:
    # The old guess (paper is the border: median(border) >= median(picture)) takes this ink for paper.
    picture = digit_line("47").astype(np.float32)
    h, w = picture.shape
    v, u = np.mgrid[-1:1:complex(0, h), -1:1:complex(0, w)]
    picture = (picture * (1 - 0.5 * (u * u + v * v) / 2)).astype(np.uint8)
    border = np.concatenate([picture[0], picture[-1], picture[:, 0], picture[:, -1]])
    assert np.median(border) < np.median(picture)
    cleaned = clean(picture)
    assert cleaned.dark_ink
    drawn = digit_line("47") < 128
    found = full_mask(cleaned, drawn.shape)
    assert (found & drawn).sum() > 0.9 * drawn.sum()
    assert (found & ~drawn).sum() < 0.2 * drawn.sum()


def pencil_column_in_a_dark_corner_photo(seed: int) -> np.ndarray:
    """Faint pencil strokes down a narrow photo whose light falls off steeply to its edges."""
    rng = np.random.default_rng(seed)
    h, w = 1000, 260
    picture = np.full((h, w), 240.0, np.float32)
    for k in range(8):
        y = 80 + 105 * k
        cv2.line(picture, (90, y), (170, y + 40), 240 * 0.62, 5)
        cv2.line(picture, (130, y - 10), (130, y + 60), 240 * 0.62, 5)
    v, u = np.mgrid[-1:1:complex(0, h), -1:1:complex(0, w)]
    picture *= (1 - 0.5 * (u * u + v * v) / 2) * (1 - 0.25 * (0.5 + u / 2))
    picture = cv2.GaussianBlur(picture, (0, 0), 1.2) + rng.normal(0, 4, (h, w))
    return np.clip(picture, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_dark_edge_of_a_vignetted_photo_is_not_ink(seed: int) -> None:
    cleaned = clean(pencil_column_in_a_dark_corner_photo(seed))
    found = cleaned.whole() > 0
    assert found[:, 80:180].sum() > 8000  # the pencil
    assert found[:, :12].sum() + found[:, -12:].sum() < 0.01 * found[:, 80:180].sum()


def test_a_column_of_specks_beside_the_writing_is_not_read() -> None:
    picture = pencil_column_in_a_dark_corner_photo(0)
    picture[40:960:23, 20] = 120  # grain down the left edge
    picture[41:961:23, 20] = 120
    assert len(segment_picture(picture, "vertical").lines) == 1


def test_light_ink_on_a_dark_ground_is_found() -> None:
    cleaned = clean(255 - digit_line("31"))
    assert not cleaned.dark_ink
    assert 0.9 < cleaned.mask.astype(bool).sum() / (digit_line("31") < 128).sum() < 1.3


@pytest.mark.parametrize("pen", [9, 25, 45])
def test_strokes_stay_whole_where_they_cross(pen: int) -> None:
    picture = np.full((300, 300), PAPER, np.uint8)
    cv2.line(picture, (40, 150), (260, 150), 20, pen)
    cv2.line(picture, (150, 40), (150, 260), 20, pen)
    cleaned = clean(picture)
    half = pen // 2 - 1
    assert full_mask(cleaned, picture.shape)[150 - half:150 + half, 150 - half:150 + half].all()
    assert cv2.connectedComponents(cleaned.mask)[0] == 2  # background and one cross


def test_a_pale_pencil_stroke_beside_dark_ink_is_kept() -> None:
    picture = np.full((200, 400), PAPER, np.uint8)
    cv2.line(picture, (30, 100), (170, 100), 15, 8)
    cv2.line(picture, (230, 60), (370, 140), int(PAPER * 0.65), 6)  # contrast 0.35
    assert full_mask(clean(picture), picture.shape)[100, 300]


def test_blur_does_not_close_the_gap_between_two_strokes() -> None:
    picture = np.full((200, 300), PAPER, np.uint8)
    cv2.line(picture, (50, 90), (250, 90), 30, 8)
    cv2.line(picture, (50, 106), (250, 106), 30, 8)
    across = full_mask(clean(cv2.GaussianBlur(picture, (0, 0), 2.5)), picture.shape)[80:116, 150]  # defocus
    assert across[:15].any() and not across[17:20].any() and across[21:].any()


def test_a_picture_without_writing_says_so() -> None:
    rng = np.random.default_rng(0)
    paper = np.clip(rng.normal(PAPER, 2, (300, 400)), 0, 255).astype(np.uint8)
    with pytest.raises(InputError, match="No writing stands out"):
        clean(paper)


@pytest.mark.parametrize("light_ink", [False, True])
@pytest.mark.parametrize("side", [16, 64])
def test_a_small_binary_scan_of_a_thick_digit_is_read(digits: TFLiteRecognizer, side: int, light_ink: bool) -> None:
    big = np.zeros((160, 160), np.uint8)
    cv2.putText(big, "7", (25, 145), cv2.FONT_HERSHEY_SIMPLEX, 5, 255, 30)
    ys, xs = np.nonzero(big)
    tiny = cv2.resize(big[ys.min():ys.max() + 1, xs.min() - 10:xs.max() + 11], (16, 16), interpolation=cv2.INTER_AREA)
    tiny = np.where(tiny > 96, 255, 0).astype(np.uint8)
    scan = cv2.resize(tiny, (side, side), interpolation=cv2.INTER_NEAREST)
    reading = read_picture(scan if light_ink else 255 - scan, digits, layout="single")
    assert reading.text == "7"


def test_a_line_is_read_with_boxes_in_the_original_picture(digits: TFLiteRecognizer) -> None:
    small = digit_line("4725")
    picture = cv2.resize(small, None, fx=5, fy=5, interpolation=cv2.INTER_LINEAR)  # 6 megapixels: worked on shrunk
    reading = read_picture(picture, digits, layout="horizontal")
    assert reading.text == "4725"
    for char, (x0, y0, x1, y1) in zip(reading.chars, ink_boxes(picture)):
        assert np.allclose(char.box, (x0, y0, x1, y1), atol=0.02 * picture.shape[1])


def test_a_turned_line_is_straightened(digits: TFLiteRecognizer) -> None:
    picture = digit_line("4725", gap=30)
    h, w = picture.shape
    turned = cv2.warpAffine(picture, cv2.getRotationMatrix2D((w / 2, h / 2), 7, 1.0), (w, h),
                            borderValue=PAPER)
    assert abs(skew_angle(clean(turned).mask, 0) + 7) < 1.0
    reading = read_picture(turned, digits, layout="horizontal")
    assert reading.text == "4725"


def test_columns_go_top_to_bottom_right_to_left() -> None:
    page = np.full((700, 460), PAPER, np.uint8)
    for column in (0, 1):  # the first column on the right
        for row in range(3):
            x, y = 330 - 200 * column, 60 + 200 * row
            cv2.rectangle(page, (x, y), (x + 90, y + 90), 30, 9)
            cv2.line(page, (x, y + 45 + 10 * row), (x + 90, y + 45 + 10 * row), 30, 9)
    for layout in ("vertical", "auto"):
        segmented = segment_picture(page, layout)  # type: ignore[arg-type]
        assert segmented.layout == "vertical"
        assert len(segmented.lines) == 2
        right, left = ([segmented.to_original(p.box) for p in line.pieces] for line in segmented.lines)
        assert min(b[0] for b in right) > max(b[2] for b in left)
        for column in (right, left):
            assert [b[1] for b in column] == sorted(b[1] for b in column)
            assert column[0][1] < 70 and column[-1][3] > 540


def test_several_lines_are_read_top_to_bottom(digits: TFLiteRecognizer) -> None:
    page = np.vstack([digit_line("472"), digit_line("531")])
    assert read_picture(page, digits, layout="horizontal").text == "472\n531"


def test_the_layout_is_detected() -> None:
    def layout(picture: np.ndarray) -> str:
        mask = clean(picture).mask
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        return detect_layout(mask, np.column_stack([stats[1:], np.arange(1, count)]))

    line = digit_line("4725")
    assert layout(line) == "horizontal"
    assert layout(np.ascontiguousarray(np.rot90(line))) == "vertical"
    assert layout(digit_line("4")) == "single"


@pytest.mark.parametrize("strokes", [
    [((50, 50), (150, 50)), ((35, 160), (165, 160))],  # 二: two bands across
    [((40, 30), (40, 170)), ((100, 40), (100, 160)), ((160, 30), (160, 170))],  # 川: three bands down
    [((20, 40), (60, 40)), ((20, 90), (60, 90)), ((20, 140), (60, 140)),  # 言 beside a body: two columns
     ((90, 30), (180, 30)), ((90, 30), (90, 170)), ((180, 30), (180, 170)), ((90, 170), (180, 170))],
])
def test_auto_takes_one_character_of_parts_for_one_character(strokes: list) -> None:
    picture = np.full((200, 200), PAPER, np.uint8)
    for a, b in strokes:
        cv2.line(picture, a, b, 30, 10)
    assert segment_picture(picture, "auto").layout == "single"


def test_a_single_character_is_one_character_whatever_its_parts(digits: TFLiteRecognizer) -> None:
    picture = digit_line("31", gap=10)
    assert len(segment_picture(picture, "horizontal").lines[0].pieces) >= 2
    reading = read_picture(picture, digits, layout="single")
    assert len(reading.text) == len(reading.chars) == 1


def test_touching_neighbours_are_cut_into_pieces(digits: TFLiteRecognizer) -> None:
    picture = digit_line("4725", gap=-8, thick=12)
    assert cv2.connectedComponents((picture < 128).astype(np.uint8))[0] - 1 < 4  # some touch
    line = segment_picture(picture, "horizontal").lines[0]
    assert len(line.pieces) >= 4
    text = read_picture(picture, digits, layout="horizontal").text
    assert len(text) == 4 and sum(a == b for a, b in zip(text, "4725")) >= 3


def test_touching_handwritten_digits_in_a_row_are_read(digits: TFLiteRecognizer) -> None:
    # Two touching digits are as wide as one kanji: the row's own cut read 84 as an 8. Its other
    # cut, for characters as narrow as its digits, is read when the row reads as digits.
    rng = np.random.default_rng(3)
    pen = paper.Pen("ballpoint", 0.045, 0.95, (20, 20, 28))
    texts = ("8084562", "240798", "75531", "6725231")
    read = []
    for text in texts:
        inks = [write_digit(c, rng, slant=0.1, squash=0.7) for c in text]
        placed = paper.layout_lines([inks], "horizontal", "tight", rng, 90.0, pen.width, margin=1.0)
        picture = paper.render(placed, pen, paper.Look(paper=(246, 245, 240), noise=1.0), rng).image
        other = segment_picture(picture, "horizontal").lines[0].other
        assert other is not None and other().size < segment_picture(picture, "horizontal").lines[0].size
        read.append(read_picture(picture, digits, layout="horizontal").text)
    assert sum(a == b for a, b in zip(read, texts)) >= 3, read


@pytest.mark.parametrize("spacing", ["natural", "tight"])
def test_handwritten_digits_one_under_another_are_read(digits: TFLiteRecognizer, spacing: str) -> None:
    # Digits are longer than a column of them is wide: as the pieces of square characters they
    # were read two or three to a digit (a third of them right). The column's other cut is read.
    rng = np.random.default_rng(3)
    pen = paper.Pen("ballpoint", 0.045, 0.95, (20, 20, 28))
    for text in ("3859", "4712", "906", "271828"):
        inks = [write_digit(c, rng, slant=0.1, squash=0.8) for c in text]
        placed = paper.layout_lines([inks], "vertical", spacing, rng, 90.0, pen.width, margin=1.0)
        picture = paper.render(placed, pen, paper.Look(paper=(246, 245, 240), noise=1.0), rng).image
        segmented = segment_picture(picture, "vertical")
        other = segmented.lines[0].other
        assert other is not None and other().size > segmented.lines[0].size
        assert read_picture(picture, digits, layout="vertical").text == text


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (9, 1), (40, 60)])
def test_a_seams_cost_is_the_cheapest_path_from_the_first_row(shape: tuple[int, int]) -> None:
    pixel = (np.random.default_rng(shape[1]).random(shape) < 0.3).astype(np.float32) * 4
    expected = pixel.astype(np.float64)
    for row in range(1, shape[0]):
        for col in range(shape[1]):
            before = [expected[row - 1, c] + SEAM_STEP * (c != col) for c in (col - 1, col, col + 1)
                      if 0 <= c < shape[1]]
            expected[row, col] = pixel[row, col] + min(before)
    assert np.allclose(_seam_costs(pixel), expected, atol=1e-4)


def test_seam_costs_side_by_side_are_each_arrays_own_and_a_traced_seam_costs_the_least() -> None:
    rng = np.random.default_rng(5)
    pixels = [(rng.random((30, w)) < 0.3).astype(np.float32) * 4 + rng.random((30, w)).astype(np.float32)
              for w in (1, 7, 12, 3)]
    apart = _seam_costs_apart(pixels)
    for pixel, cost in zip(pixels, apart):
        assert np.array_equal(cost, _seam_costs(pixel))  # the walls between them change nothing
        seam = _trace(cost)
        assert np.all(np.abs(np.diff(seam)) <= 1) and seam.min() >= 0 and seam.max() < pixel.shape[1]
        paid = float(pixel[np.arange(len(seam)), seam].sum()) + SEAM_STEP * int(np.count_nonzero(np.diff(seam)))
        assert paid == pytest.approx(float(cost[-1].min()), abs=1e-3)


def test_a_seam_bends_between_slanted_strokes_that_no_straight_cut_separates() -> None:
    own = np.zeros((60, 60), np.uint8)
    cv2.line(own, (8, 0), (28, 59), 1, 3)  # two strokes leaning the same way, joined at the top
    cv2.line(own, (24, 0), (44, 59), 1, 3)
    cv2.line(own, (8, 1), (24, 1), 1, 2)
    own = own.astype(bool)
    first = np.zeros_like(own)
    cv2.line(first.view(np.uint8), (8, 0), (28, 59), 1, 3)
    assert all(own[:, c].sum() > 3 for c in range(20, 33))  # every straight cut between them crosses ink
    seams = _seams(own, 100.0)
    columns = np.arange(60)[None, :]
    crossed = [int((own & (columns == seam[:, None])).sum()) for seam in seams]
    best = seams[int(np.argmin(crossed))]
    assert min(crossed) <= 3  # only the join at the top
    right = columns >= best[:, None]
    assert not (first[5:] & right[5:]).any() and (own & ~first)[5:][right[5:] & own[5:]].all()


def test_a_narrow_character_touching_both_neighbours_is_cut_out_on_both_sides() -> None:
    """Several touching characters are cut closer together than one long character: the two joins
    of a narrow stroke (い's, 1) to its neighbours are under ``CUT_SPACING`` line sizes apart."""
    own = np.zeros((100, 152), np.uint8)
    cv2.rectangle(own, (1, 10), (60, 90), 1, 3)  # a character
    cv2.line(own, (75, 10), (75, 90), 1, 3)  # a narrow one
    cv2.rectangle(own, (90, 10), (150, 90), 1, 3)  # another
    cv2.line(own, (60, 50), (75, 50), 1, 3)  # each joined to the narrow one by a stroke
    cv2.line(own, (75, 30), (90, 30), 1, 3)
    own = own.astype(bool)
    seams = _seams(own, 100.0)
    part = (np.arange(152)[None, :] >= np.stack(seams)[:, :, None]).sum(axis=0)
    assert part[20, 59] != part[20, 75] != part[20, 91]


def test_a_narrow_character_tucked_between_touching_neighbours_is_cut_out_on_both_sides() -> None:
    """Touching characters tuck under each other: the joins of a narrow stroke to its neighbours
    are under a tenth of a line size apart (``FINE_SPACING``), and both are cut."""
    own = np.zeros((100, 146), np.uint8)
    cv2.rectangle(own, (1, 10), (61, 90), 1, 3)  # a character
    cv2.line(own, (70, 10), (70, 90), 1, 3)  # a narrow one, 9 pixels from each neighbour
    cv2.rectangle(own, (79, 10), (139, 90), 1, 3)  # another
    cv2.line(own, (61, 50), (70, 50), 1, 3)
    cv2.line(own, (70, 30), (79, 30), 1, 3)
    own = own.astype(bool)
    seams = _seams(own, 100.0)
    part = (np.arange(146)[None, :] >= np.stack(seams)[:, :, None]).sum(axis=0)
    assert part[20, 59] != part[20, 70] != part[20, 81]


def test_a_seam_crosses_every_stroke_that_reaches_into_a_touching_neighbour() -> None:
    """Where touching characters meet, the cut crosses each stroke of one that touches the other
    (four arms of a comb against a bar here): no limit on the strokes a seam crosses."""
    own = np.zeros((100, 140), np.uint8)
    cv2.line(own, (5, 20), (5, 80), 1, 3)  # a comb of four arms
    for y in (20, 40, 60, 80):
        cv2.line(own, (5, y), (60, y), 1, 3)
        cv2.line(own, (60, y), (66, y), 1, 1)  # each arm's thin end touches the next character
    cv2.line(own, (66, 5), (66, 95), 1, 3)  # which is a bar and a box
    cv2.rectangle(own, (80, 10), (135, 90), 1, 3)
    cv2.line(own, (66, 50), (80, 50), 1, 3)
    seams = _seams(own.astype(bool), 100.0)
    part = (np.arange(140)[None, :] >= np.stack(seams)[:, :, None]).sum(axis=0)
    assert all(part[y, 60] != part[y, 66] for y in (20, 40, 60, 80))


def test_touching_parts_shorter_than_a_character_are_cut_beside_a_neighbour() -> None:
    picture = np.full((140, 260), PAPER, np.uint8)
    cv2.rectangle(picture, (20, 20), (80, 120), 30, 6)  # a character
    for x in (92, 140):  # the next one touches the one after it in the middle
        cv2.line(picture, (x, 20), (x, 120), 30, 6)
    cv2.line(picture, (92, 70), (140, 70), 30, 6)
    assert len(segment_picture(picture, "horizontal").lines[0].pieces) >= 3


def test_a_sliver_too_small_to_even_is_still_an_input() -> None:
    """A sliver cut off a faint stroke (a piece of a line) would erode away to nothing."""
    spec = Preprocessing(size=40, box=32, stroke_ratio=0.07)
    sliver = np.zeros((5, 10), np.uint8)
    sliver[2, 2:8] = (22, 76, 121, 129, 108, 46)
    assert model_input(sliver, spec).max() > 0


def test_an_unknown_layout_is_refused(digits: TFLiteRecognizer) -> None:
    with pytest.raises(InputError, match="layout"):
        read_picture(digit_line("4"), digits, layout="diagonal")  # type: ignore[arg-type]


@pytest.mark.slow
def test_handwritten_lines_on_paper_are_read(tomoe_dir: Path) -> None:
    """Tomoe's ink written on paper (training.synth.paper) in lines and columns, naturally
    spaced, scanned clean or photographed: at least 85% of the characters come back."""
    from core.lm import bundled_lm_path, load_lm
    from training.datasets.tomoe import iter_tdic
    from training.synth import paper

    recognizer = TFLiteRecognizer(resolve_model("japanese"))
    inks = {}
    for ink in iter_tdic(tomoe_dir / "all.tdic"):
        if ink.label in recognizer.label_index and ink.label not in inks:
            inks[ink.label] = ink
    lm = load_lm(bundled_lm_path())
    rng = np.random.default_rng(5)
    errors = total = 0
    for phrase, layout, style in (("名前の設定", "horizontal", "clean"), ("文字のうち", "vertical", "clean"),
                                  ("それを含む", "horizontal", "photo"), ("を出力する", "vertical", "uneven")):
        pen = paper.sample_pen(rng, "ballpoint")
        picture = paper.write([inks[c] for c in phrase], layout, "natural", pen, paper.sample_look(style, rng),
                              rng, cell=80.0)
        text = read_picture(picture.image, recognizer, lm, layout).text
        errors += edit_distance(text, phrase)
        total += len(phrase)
    assert errors <= 0.15 * total


@pytest.mark.slow
def test_touching_handwritten_lines_are_read(tomoe_dir: Path) -> None:
    """Tomoe's ink written touching its neighbours, with a ballpoint and a marker: at least 80% of
    the characters come back (seams 0.2 line sizes apart and the language model at 0.3 read 73%; now 89%)."""
    from core.lm import bundled_lm_path, load_lm
    from training.datasets.tomoe import iter_tdic
    from training.synth import paper

    recognizer = TFLiteRecognizer(resolve_model("japanese"))
    inks = {}
    for ink in iter_tdic(tomoe_dir / "all.tdic"):
        if ink.label in recognizer.label_index and ink.label not in inks:
            inks[ink.label] = ink
    lm = load_lm(bundled_lm_path())
    errors = total = 0
    for pen_kind in ("ballpoint", "marker"):
        rng = np.random.default_rng(5)
        for phrase, layout, style in (("名前の設定", "horizontal", "clean"), ("文字のうち", "vertical", "clean"),
                                      ("それを含む", "horizontal", "photo"), ("を出力する", "vertical", "uneven"),
                                      ("この場合には", "horizontal", "jpeg"), ("指定しない", "vertical", "clean")):
            pen = paper.sample_pen(rng, pen_kind)
            picture = paper.write([inks[c] for c in phrase], layout, "touching", pen, paper.sample_look(style, rng),
                                  rng, cell=80.0)
            errors += edit_distance(read_picture(picture.image, recognizer, lm, layout).text, phrase)
            total += len(phrase)
    assert errors <= 0.2 * total


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


@pytest.mark.parametrize("shape", [(1, 10000), (10000, 1), (5, 5000), (1, 1), (3, 3)])
def test_slivers_and_dots_are_read_or_refused_in_one_line(digits: TFLiteRecognizer, shape: tuple[int, int]) -> None:
    picture = np.full(shape, PAPER, np.uint8)
    picture[..., : max(1, shape[1] // 2)] = 20
    try:
        read_picture(picture, digits)
    except InputError as exc:
        assert "\n" not in str(exc)
