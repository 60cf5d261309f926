"""Ink rendered as it looks on paper in scans and photos (training/synth/paper.py)."""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np
import pytest

from core.ink import Ink, make_stroke
from training.synth.paper import (PEN_KINDS, STYLES, Look, Pen, Picture, layout_lines, render, sample_look,
                                  sample_pen, write)

BALLPOINT = Pen("ballpoint", 0.045, 0.95, (20, 20, 28))
MARKER = Pen("marker", 0.1, 0.95, (20, 20, 28))
PENCIL = Pen("pencil", 0.05, 0.45, (70, 70, 78))
CLEAN = Look(texture=0.0, noise=0.0)


def _zigzag(label: str) -> Ink:
    """A one-stroke character filling most of Tomoe's 300 box (a Z with a tail)."""
    return Ink((make_stroke([(60, 60), (240, 60), (60, 240), (240, 240), (240, 150)]),), 300, 300, label)


def _bar(label: str) -> Ink:
    """A long horizontal stroke across the box."""
    return Ink((make_stroke([(30, 150), (270, 150)]),), 300, 300, label)


LINE = [_zigzag(c) for c in "abcde"]


def _picture(seed: int = 0, pen: Pen = BALLPOINT, look: Look = CLEAN, spacing: str = "natural",
             layout: str = "horizontal", inks: list[Ink] | None = None) -> Picture:
    return write(inks or LINE, layout, spacing, pen, look, np.random.default_rng(seed), cell=48)  # type: ignore[arg-type]


def _ink_mask(picture: Picture, depth: int = 60) -> np.ndarray:
    paper = float(np.median(picture.image))
    return picture.image < paper - depth


def _components(mask: np.ndarray) -> int:
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return int((stats[1:, cv2.CC_STAT_AREA] >= 5).sum())


def _inside_boxes(mask: np.ndarray, boxes: tuple[tuple[int, int, int, int], ...]) -> float:
    covered = np.zeros_like(mask)
    for x, y, w, h in boxes:
        covered[y:y + h, x:x + w] = True
    return float((mask & covered).sum() / max(mask.sum(), 1))


def test_same_seed_same_picture_other_seed_other_picture() -> None:
    for style in STYLES:
        a = write(LINE, "horizontal", "tight", sample_pen(np.random.default_rng(5)),
                  sample_look(style, np.random.default_rng(5)), np.random.default_rng(9), cell=40)
        b = write(LINE, "horizontal", "tight", sample_pen(np.random.default_rng(5)),
                  sample_look(style, np.random.default_rng(5)), np.random.default_rng(9), cell=40)
        c = write(LINE, "horizontal", "tight", sample_pen(np.random.default_rng(5)),
                  sample_look(style, np.random.default_rng(5)), np.random.default_rng(10), cell=40)
        assert np.array_equal(a.image, b.image) and a.boxes == b.boxes, style
        assert a.image.shape != c.image.shape or not np.array_equal(a.image, c.image), style


@pytest.mark.parametrize("style", [style for style in STYLES if style != "ruled"])  # its lines cross the page
@pytest.mark.parametrize("kind", PEN_KINDS)
def test_dark_ink_on_light_paper_inside_the_boxes(style: str, kind: str) -> None:
    rng = np.random.default_rng(10 * STYLES.index(style) + PEN_KINDS.index(kind))
    picture = write(LINE, "horizontal", "natural", sample_pen(rng, kind), sample_look(style, rng), rng, cell=48)  # type: ignore[arg-type]
    image = picture.image
    assert image.dtype == np.uint8 and image.ndim == 2
    assert picture.text == "abcde" and len(picture.boxes) == 5
    assert float(np.percentile(image, 90)) > 140, "the paper is light"
    local = cv2.medianBlur(image, 31).astype(np.int16)
    ink = image.astype(np.int16) < local - 25  # darker than the paper around it, whatever the light
    assert ink.sum() > 200, "there is dark ink"
    assert _inside_boxes(ink, picture.boxes) > 0.97
    h, w = image.shape
    for x, y, bw, bh in picture.boxes:
        assert 0 <= x and 0 <= y and x + bw <= w and y + bh <= h and bw > 10 and bh > 10


@pytest.mark.parametrize("rules", ["ruled", "grid"])
def test_ruled_and_squared_paper_have_their_lines_across_the_page(rules: str) -> None:
    look = replace(CLEAN, rules=rules, rule_colour=(150, 175, 220), rule_width=0.03, rule_pitch=1.4)  # type: ignore[arg-type]
    plain = write(LINE, "horizontal", "natural", BALLPOINT, CLEAN, np.random.default_rng(4), cell=48)
    lined = write(LINE, "horizontal", "natural", BALLPOINT, look, np.random.default_rng(4), cell=48)
    assert plain.boxes == lined.boxes and plain.image.shape == lined.image.shape
    darker = plain.image.astype(np.int16) - lined.image.astype(np.int16) > 25
    rows = np.flatnonzero(darker.mean(axis=1) > 0.6)  # printed across the page (the writing hides some)
    columns = np.flatnonzero(darker.mean(axis=0) > 0.6)
    def lines(at: np.ndarray) -> int:  # runs of neighbouring rows (or columns): one printed line each
        return int(len(at) > 0) + int((np.diff(at) > 1).sum())

    assert lines(rows) >= 2 and (lines(columns) >= 2) == (rules == "grid")
    # A ruled line of writing sits between two printed lines.
    tops = [y for _, y, _, _ in lined.boxes]
    bottoms = [y + h for _, y, _, h in lined.boxes]
    if rules == "ruled":
        assert rows.min() < min(tops) + 0.25 * 48 and rows.max() > max(bottoms) - 0.25 * 48
    # The lines are lighter than the ink.
    assert np.median(lined.image[darker]) > np.percentile(plain.image, 1) + 40


def test_boxes_are_tight_around_each_characters_ink() -> None:
    picture = _picture(look=CLEAN)
    mask = _ink_mask(picture)
    for x, y, w, h in picture.boxes:
        inside = mask[y:y + h, x:x + w]
        assert inside[:3].any() or inside[-3:].any(), "the box reaches the ink at the top or bottom"
        assert inside[:, :3].any() and inside[:, -3:].any(), "the box reaches the ink left and right"


def test_jpeg_adds_block_artefacts_and_keeps_the_writing() -> None:
    plain = _picture(seed=3, look=CLEAN)
    jpeg = _picture(seed=3, look=replace(CLEAN, jpeg_quality=30))
    assert plain.boxes == jpeg.boxes
    diff = np.abs(plain.image.astype(np.int16) - jpeg.image.astype(np.int16))
    assert 0.3 < diff.mean() < 12
    _, jpeg_file = cv2.imencode(".jpg", jpeg.image, [cv2.IMWRITE_JPEG_QUALITY, 30])
    # Saving it again at the same quality changes it much less than the first saving did.
    again = np.asarray(cv2.imdecode(jpeg_file, cv2.IMREAD_GRAYSCALE), np.int16)
    assert np.abs(again - jpeg.image).mean() < 0.6 * diff.mean()


@pytest.mark.parametrize("angle", [-5.0, 3.0])
def test_rotation_turns_the_line_and_its_boxes(angle: float) -> None:
    picture = _picture(seed=1, look=replace(CLEAN, rotation=angle))
    centres = np.array([(x + w / 2, y + h / 2) for x, y, w, h in picture.boxes])
    slope = math.degrees(math.atan2(centres[-1, 1] - centres[0, 1], centres[-1, 0] - centres[0, 0]))
    straight = _picture(seed=1, look=CLEAN)
    flat = np.array([(x + w / 2, y + h / 2) for x, y, w, h in straight.boxes])
    base = math.degrees(math.atan2(flat[-1, 1] - flat[0, 1], flat[-1, 0] - flat[0, 0]))
    assert abs((slope - base) + angle) < 1.0, "counter-clockwise: the end of the line rises"
    assert _inside_boxes(_ink_mask(picture), picture.boxes) > 0.97


def test_pencil_is_fainter_than_marker_and_marker_thicker_than_ballpoint() -> None:
    pencil, marker, ball = (_picture(seed=2, pen=p) for p in (PENCIL, MARKER, BALLPOINT))
    paper = float(np.median(ball.image))
    assert float(np.percentile(pencil.image, 1)) > float(np.percentile(marker.image, 1)) + 60
    assert paper - float(np.percentile(pencil.image, 1)) > 40, "pencil is still visible"
    assert _ink_mask(marker, 40).sum() > 1.6 * _ink_mask(ball, 40).sum()


def test_pencil_strokes_are_grainy_and_marker_strokes_even() -> None:
    pencil, marker = _picture(seed=4, pen=PENCIL), _picture(seed=4, pen=MARKER)
    marker_core = cv2.erode(_ink_mask(marker, 80).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    pencil_core = cv2.erode(cv2.dilate(_ink_mask(pencil, 30).astype(np.uint8), np.ones((3, 3), np.uint8)),
                            np.ones((3, 3), np.uint8)) > 0
    assert marker.image[marker_core].std() < 12
    assert pencil.image[pencil_core].std() > marker.image[marker_core].std() + 6


def test_brush_width_swells_and_thins_along_a_stroke() -> None:
    def spread(pen: Pen) -> float:
        picture = _picture(seed=6, pen=pen, inks=[_bar("-")])
        mask = _ink_mask(picture, 60)
        columns = mask.sum(axis=0)
        columns = columns[columns > 0][3:-3]
        return float(columns.std() / columns.mean())

    brush = Pen("brush", 0.1, 0.97, (15, 15, 18))
    assert spread(brush) > 2 * spread(MARKER) + 0.05


def test_brush_draws_dots_and_short_strokes() -> None:
    # Strokes of 2 to 12 stamps (a dot, a short tick) once broke the brush's speed profile.
    brush = Pen("brush", 0.1, 0.97, (15, 15, 18))
    for length in (0.0, 3.0, 8.0, 15.0, 25.0):
        dot = Ink((make_stroke([(100, 100), (100 + length, 104)]), make_stroke([(100, 200), (260, 200)])), 300, 300, "x")
        picture = _picture(seed=1, pen=brush, inks=[dot])
        assert _ink_mask(picture).sum() > 100


def test_uneven_light_darkens_part_of_the_paper() -> None:
    def paper_range(look: Look) -> float:
        image = _picture(seed=7, look=look).image
        background = cv2.medianBlur(image, 31)
        return float(np.percentile(background, 98) - np.percentile(background, 2))

    assert paper_range(replace(CLEAN, gradient=0.5, vignette=0.3)) > paper_range(CLEAN) + 40


def test_spacing_natural_apart_touching_joined() -> None:
    natural = _picture(seed=8, spacing="natural")
    tight = _picture(seed=8, spacing="tight")
    touching = _picture(seed=8, spacing="touching")
    assert _components(_ink_mask(natural)) == 5
    assert _components(_ink_mask(tight)) == 5
    assert _components(_ink_mask(touching)) == 1
    gaps = [b[0] - (a[0] + a[2]) for a, b in zip(natural.boxes, natural.boxes[1:])]
    tight_gaps = [b[0] - (a[0] + a[2]) for a, b in zip(tight.boxes, tight.boxes[1:])]
    assert min(gaps) > 0 and sum(tight_gaps) < sum(gaps) - 8


def test_vertical_columns_run_top_down_and_right_to_left() -> None:
    placed = layout_lines([LINE[:3], LINE[3:]], "vertical", "natural", np.random.default_rng(0), cell=40)
    picture = render(placed, BALLPOINT, CLEAN, np.random.default_rng(0))
    first, second = picture.boxes[:3], picture.boxes[3:]
    assert all(a[1] + a[3] <= b[1] for a, b in zip(first, first[1:])), "top to bottom"
    assert min(x for x, _, _, _ in first) > max(x + w for x, _, w, _ in second), "the second column is left"
    assert picture.image.shape[0] > picture.image.shape[1]


def test_colour_output_keeps_the_ink_colour() -> None:
    blue = Pen("ballpoint", 0.05, 0.95, (25, 35, 160))
    picture = write(LINE, "horizontal", "natural", blue, CLEAN, np.random.default_rng(0), cell=48, colour=True)
    assert picture.image.shape[2] == 3
    grey = cv2.cvtColor(picture.image, cv2.COLOR_RGB2GRAY)
    ink = grey < np.median(grey) - 60
    red, _, blue_channel = (picture.image[:, :, i][ink].astype(float).mean() for i in range(3))
    assert blue_channel > red + 60


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="spacing"):
        layout_lines([LINE], "horizontal", "loose", np.random.default_rng(0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="style"):
        sample_look("sepia", np.random.default_rng(0))
    with pytest.raises(ValueError, match="kind"):
        Pen("quill")  # type: ignore[arg-type]


def test_picture_benchmark_scores_as_issue_12_defines_them() -> None:
    import sys
    from pathlib import Path

    # bench/ is a folder of scripts, not a package: put it on the path only for this test.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from bench_pictures import ReadResult, Tally, on_page

    lines = Tally()
    lines.add("未定義の値", ReadResult("未定義値", ((0, 0, 10, 10),)), ((0, 0, 10, 10), (20, 0, 10, 10)), 0.1,
              ("horizontal",))
    lines.add("主題欄", ReadResult("主題欄"), ((0, 0, 10, 10),) * 3, 0.1, ("vertical",))
    figures = lines.lines()
    assert figures["char_acc"] == round(1 - 1 / 8, 4)  # one character lost of eight
    assert figures["count_right"] == 0.5 and figures["exact"] == 0.5
    assert figures["boxes_found"] == 0.5  # only the first reading gave boxes; one of its two found
    assert figures["by"] == {"horizontal": 0.8, "vertical": 1.0}
    singles = Tally()
    for truth, read in (("異", "異"), ("常", "出蛸"), ("終", ""), ("了", "子")):
        singles.add(truth, ReadResult(read, (), "refused" if not read else ""), (), 0.0)
    assert singles.singles()["top1"] == 0.25 and singles.singles()["one_piece"] == 0.5
    assert singles.singles()["failed"] == 1
    placed = layout_lines([LINE[:2]], "horizontal", "natural", np.random.default_rng(0), cell=40)
    page = on_page(placed, 800, 600)
    assert (page.width, page.height) == (800, 600)
    centre = np.concatenate([s for c in page.chars for s in c]).mean(axis=0)
    assert abs(centre[0] - 400) < 60 and abs(centre[1] - 300) < 40


def test_the_lattice_check_finds_a_true_cut_among_runs_only_when_one_is_there() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from bench_pictures import ReadResult, Tally, cut_reaches

    # Three pieces: 0 and 1 make the first character (x 0-20), 2 the second (x 22-30).
    truth = ((0, 0, 20, 10), (22, 0, 8, 10))
    spans = [(0, 1, (0, 0, 9, 10)), (1, 2, (11, 0, 9, 10)), (0, 2, (0, 0, 20, 10)), (2, 3, (22, 0, 8, 10)),
             (1, 3, (11, 0, 19, 10))]
    assert cut_reaches(spans, 3, truth)
    assert not cut_reaches([s for s in spans if s[:2] != (0, 2)], 3, truth)  # the first only in two runs
    assert not cut_reaches(spans, 3, truth[:1])  # a path must cover every piece
    assert not cut_reaches(spans, 3, truth[::-1])  # in order
    tally = Tally()
    tally.add("して", ReadResult("に"), truth, 0.0, ("touching",), reaches=True)
    tally.add("して", ReadResult("しこ"), truth, 0.0, ("touching",), reaches=False)
    tally.add("値の", ReadResult("イ直の"), truth, 0.0, ("natural",), reaches=False)
    figures = tally.lines()
    assert figures["lattice"] == round(1 / 3, 4)
    assert figures["miscounted_in_lattice"] == 0.5  # two lines counted wrong, one of them reachable
    assert figures["lattice_by"] == {"natural": 0.0, "touching": 0.5}
    assert "lattice" not in Tally().lines()


def test_the_lattice_check_reaches_the_cut_of_a_clean_line_and_not_a_box_wider_than_a_run() -> None:
    import sys
    from dataclasses import replace
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from bench_pictures import Sample, lattice_reaches

    picture = _picture(inks=LINE[:3])
    sample = Sample("clean", "horizontal", "natural", "ballpoint", picture, LINE[0])
    assert lattice_reaches(sample)
    x0 = min(b[0] for b in picture.boxes)
    x1 = max(b[0] + b[2] for b in picture.boxes)
    whole = (x0, picture.boxes[0][1], x1 - x0, picture.boxes[0][3])
    # Three characters in a row as one: no run is that wide (``PICTURE_CONFIG.max_width``).
    assert not lattice_reaches(replace(sample, picture=replace(picture, boxes=(whole,), text="a")))
