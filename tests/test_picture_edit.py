"""Mending a picture's cuts by hand (core.picture_edit): merge two boxes, split one, keep a sample."""

from __future__ import annotations


import cv2
import numpy as np
import pytest

from core.bundle import resolve_model
from core.charclass import label_filter
from core.errors import InputError
from core.ink import Ink
from core.lm import CharLM, bundled_lm_path, load_lm
from core.picture import read_picture, segment_picture
from core.picture_edit import PictureReading, ReadingCancelled, merge_chars, read_picture_chars, split_char
from core.recognizer import TFLiteRecognizer
from tests.test_picture import digit_line, kana_line
from training.synth import paper


@pytest.fixture(scope="module")
def digits() -> TFLiteRecognizer:
    return TFLiteRecognizer(resolve_model("digits"))


@pytest.fixture(scope="module")
def japanese() -> TFLiteRecognizer:
    return TFLiteRecognizer(resolve_model("japanese"))


@pytest.fixture(scope="module")
def line(digits: TFLiteRecognizer) -> PictureReading:
    return read_picture_chars(digit_line("4712"), digits)


def width(box: tuple[float, float, float, float]) -> float:
    return box[2] - box[0]


def test_a_line_is_read_character_by_character_with_boxes_in_the_picture(line: PictureReading) -> None:
    assert line.text == "4712"
    drawn = cv2.connectedComponentsWithStats((digit_line("4712") < 128).astype(np.uint8))[2][1:]
    for char, (x, y, w, h, _) in zip(line.chars, sorted(drawn.tolist())):
        assert abs(char.box[0] - x) <= 3 and abs(char.box[2] - (x + w)) <= 3
        assert char.candidates[0].label == char.label and len(char.candidates) == 10


def test_merge_makes_one_box_read_again_and_split_restores_the_two(line: PictureReading,
                                                                   digits: TFLiteRecognizer) -> None:
    merged = merge_chars(line, 0, digits)
    assert len(merged.chars) == 3
    box = merged.chars[0].box
    assert box[0] == line.chars[0].box[0] and box[2] == line.chars[1].box[2]
    assert merged.chars[1:] == line.chars[2:]  # the others are not read again
    split = split_char(merged, 0, digits)
    assert split.text == "4712"
    # The cut falls in the gap between 4 and 7, not inside either digit.
    assert [c.box for c in split.chars[:2]] == [c.box for c in line.chars[:2]]


def test_split_cuts_touching_digits_where_both_halves_read_well(digits: TFLiteRecognizer) -> None:
    picture = digit_line("38", gap=-12)  # the two digits overlap: one component
    reading = read_picture_chars(picture, digits, layout="single")
    assert len(reading.chars) == 1
    split = split_char(reading, 0, digits)
    assert split.text == "38"
    assert width(split.chars[0].box) < 0.7 * width(reading.chars[0].box)


def test_split_at_a_chosen_place(line: PictureReading, digits: TFLiteRecognizer) -> None:
    split = split_char(line, 3, digits, at=0.5)
    assert len(split.chars) == 5
    whole = line.chars[3].box
    assert split.chars[3].box[2] <= (whole[0] + whole[2]) / 2 + 1 <= split.chars[4].box[0] + 2


@pytest.mark.parametrize("at", [0.0, 1.0, -0.5, float("nan")])
def test_a_split_outside_the_character_is_refused(line: PictureReading, digits: TFLiteRecognizer,
                                                   at: float) -> None:
    with pytest.raises(InputError, match="inside the character"):
        split_char(line, 0, digits, at=at)


def test_merging_past_the_end_or_across_lines_is_refused(digits: TFLiteRecognizer, line: PictureReading) -> None:
    with pytest.raises(InputError, match="index=4"):
        merge_chars(line, 3, digits)
    page = np.concatenate([digit_line("47"), digit_line("12")], axis=0)
    two = read_picture_chars(page, digits, layout="horizontal")
    assert two.text == "47\n12" and [c.line for c in two.chars] == [0, 0, 1, 1]
    with pytest.raises(InputError, match="one line"):
        merge_chars(two, 1, digits)
    assert len(merge_chars(two, 2, digits).chars) == 3


def test_a_picked_label_keeps_its_alternatives(line: PictureReading) -> None:
    picked = line.with_label(1, "1")
    assert picked.text == "4112"
    assert picked.chars[1].candidates[0].label == "1"
    assert {c.label for c in picked.chars[1].candidates} == {c.label for c in line.chars[1].candidates}


def test_progress_is_told_per_line_and_a_cancelled_reading_stops(digits: TFLiteRecognizer) -> None:
    page = np.concatenate([digit_line("47"), digit_line("12"), digit_line("90")], axis=0)
    seen: list[tuple[int, int]] = []
    read_picture_chars(page, digits, layout="horizontal", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2

    with pytest.raises(ReadingCancelled):
        read_picture_chars(page, digits, layout="horizontal", cancelled=cancelled)
    assert len(asked) == 3  # stopped before the second line


@pytest.mark.parametrize("text", ["フフフフ", "フ"])
def test_the_filter_makes_the_decoder_choose_among_the_characters_it_allows(japanese: TFLiteRecognizer,
                                                                             text: str) -> None:
    # The Japanese model reads フ as フ, with the language model's help (a line) or without it (one
    # character): with the Digits filter it must choose among the digits. フ alone is a seven there;
    # in a line each フ is read alike, as a seven or, cut where it bends, as two digits ("27" with
    # 1.3.0, "77" with 1.4.0).
    lm = load_lm(bundled_lm_path())
    picture = kana_line(text)
    assert read_picture_chars(picture, japanese, lm).text == text
    reading = read_picture_chars(picture, japanese, lm, allowed=label_filter("digits"))
    each = reading.text[:len(reading.text) // len(text)]
    assert reading.text == each * len(text) and each in ("7", "27", "77") and (len(text) > 1 or each == "7")
    assert all(c.label.isdigit() for char in reading.chars for c in char.candidates)


def test_the_filter_is_kept_whatever_the_picture_looks_like(japanese: TFLiteRecognizer) -> None:
    reading = read_picture_chars(digit_line("4712"), japanese, allowed=label_filter("kana"))
    assert len(reading.chars) == 4
    kana = label_filter("kana")
    assert kana is not None and all(kana(c.label) for char in reading.chars for c in char.candidates)


def test_a_filter_that_allows_none_of_the_models_characters_is_refused(digits: TFLiteRecognizer) -> None:
    with pytest.raises(InputError, match="None of this model's characters is allowed by the filter"):
        read_picture_chars(digit_line("47"), digits, allowed=label_filter("kanji"))
    reading = read_picture_chars(digit_line("47"), digits)
    with pytest.raises(InputError, match="None of this model's characters is allowed by the filter"):
        merge_chars(reading, 0, digits, allowed=label_filter("kanji"))
    with pytest.raises(InputError, match="None of this model's characters is allowed by the filter"):
        split_char(reading, 0, digits, allowed=label_filter("kanji"))


def test_in_a_column_merge_and_split_work_top_to_bottom(digits: TFLiteRecognizer) -> None:
    # Digits widened: the segmenter cuts characters much taller than the column is wide.
    column = cv2.resize(np.concatenate([digit_line(d)[40:220, :160] for d in "4712"], axis=0), None, fx=1.4, fy=1)
    reading = read_picture_chars(column, digits, layout="vertical")
    assert reading.text == "4712"
    merged = merge_chars(reading, 1, digits)
    assert len(merged.chars) == 3 and merged.chars[1].box[1] == reading.chars[1].box[1]
    assert merged.chars[1].box[3] == reading.chars[2].box[3]
    split = split_char(merged, 1, digits)
    assert split.text == "4712" and [c.box for c in split.chars] == [c.box for c in reading.chars]


@pytest.mark.parametrize("text", ["4712", "3859"])
def test_digits_one_under_another_are_read_and_mended_in_the_cut_they_were_read_from(digits: TFLiteRecognizer,
                                                                                      text: str) -> None:
    # Each digit is longer than the column is wide: cut as a column of square characters is, each
    # read as two or three digits ("22705004" for 3859). The column's other cut is read; merging and
    # splitting work on the members of the cut the characters came from.
    column = np.concatenate([digit_line(d)[40:220, :160] for d in text], axis=0)
    reading = read_picture_chars(column, digits, layout="vertical")
    assert reading.text == text
    assert reading.segmented.lines[0].other is None  # the column is the cut read, not the one left
    merged = merge_chars(reading, 1, digits)
    assert len(merged.chars) == 3 and merged.chars[1].box[3] == reading.chars[2].box[3]
    split = split_char(merged, 1, digits)
    assert split.text == text and [c.box for c in split.chars] == [c.box for c in reading.chars]


@pytest.mark.parametrize("text", ["口田目日", "国語日記"])
def test_a_column_of_kanji_some_longer_than_wide_is_read_in_its_own_cut(japanese: TFLiteRecognizer, text: str) -> None:
    # 目 and 日 are longer than the column is wide, so the column has another cut too; the
    # recognizer and the language model find the kanji in the column's own cut.
    column = np.concatenate([kana_line(c)[:, 20:200] for c in text], axis=0)
    assert segment_picture(column, "vertical").lines[0].other is not None
    for lm in (load_lm(bundled_lm_path()), None):
        reading = read_picture_chars(column, japanese, lm, layout="vertical")
        assert reading.text == text and len({c.line for c in reading.chars}) == 1


def test_each_line_is_read_after_the_text_of_the_lines_before_it(digits: TFLiteRecognizer,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    lm = load_lm(bundled_lm_path())
    asked: list[str] = []
    log_distribution = CharLM.log_distribution

    def spy(self: CharLM, context: str) -> np.ndarray:
        asked.append(context)
        return log_distribution(self, context)

    monkeypatch.setattr(CharLM, "log_distribution", spy)
    page = np.concatenate([digit_line("47"), digit_line("12")], axis=0)
    reading = read_picture_chars(page, digits, lm, layout="horizontal")
    assert reading.text == "47\n12"
    assert "471" in asked  # the second line's second digit is scored after "47" and "1"
    assert reading.text == read_picture(page, digits, lm, layout="horizontal").text


def test_a_page_of_handwriting_reads_as_the_command_line_reads_it(tomoe_inks: dict[str, Ink]) -> None:
    # Tomoe's ink on paper (bench_pictures' way): four lines of four characters. Read line by
    # line without the lines before as context, the third line was "方この人口" instead of "京の人口".
    japanese = TFLiteRecognizer(resolve_model("japanese"))
    lm = load_lm(bundled_lm_path())
    text = "".join(c for c in "日本の大学に行く。私は本を読むのが好きです。東京の人口は多い。今日は天気がよいので山に行きました。"
                   if c in tomoe_inks)
    rng = np.random.default_rng(6)
    start = int(rng.integers(0, len(text) - 16))
    lines = [[tomoe_inks[c] for c in text[start + 4 * i:start + 4 * i + 4]] for i in range(4)]
    placed = paper.layout_lines(lines, "horizontal", "natural", rng)
    picture = paper.render(placed, paper.sample_pen(rng), paper.sample_look("clean", rng), rng).image
    reading = read_picture_chars(picture, japanese, lm, layout="horizontal")
    expected = read_picture(picture, japanese, lm, layout="horizontal")
    assert reading.text == expected.text
    assert [c.box for c in reading.chars] == [c.box for c in expected.chars]
