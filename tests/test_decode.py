"""The decoder that reads several characters: pieces, runs, beam search, language model."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from core.bundle import resolve_model
from core.decode import DecodeConfig, Layout, Piece, RunCache, decode, ink_pieces, read_ink, run_spans
from core.errors import InputError
from core.ink import Ink, make_stroke
from core.lm import bundled_lm_path, load_lm
from core.preprocess import Preprocessing
from core.recognizer import Recognizer, TFLiteRecognizer
from tests.strokefont import ink_row, write_digit

LABELS = ("二", "ニ", "月", "日", "明", "1", "7", "フ", "0", "2")


class TableRecognizer(Recognizer):
    """Answers from a table: a run's members decide its probabilities (one row per run).

    A run missing from the table reads as 明 at 30%, as a real model would read two
    characters taken for one: something, without much confidence.
    """

    def __init__(self, table: dict[tuple[int, ...], dict[str, float]]) -> None:
        super().__init__(SimpleNamespace(labels=LABELS))  # type: ignore[arg-type]
        self.table = table
        self.calls = 0
        self.keys = list(table)

    def predict(self, batch: np.ndarray) -> np.ndarray:
        self.calls += len(batch)
        out = np.zeros((len(batch), len(LABELS)), np.float32)
        for row, x in zip(out, batch):
            key = int(x.flat[0])
            given = self.table[self.keys[key]] if key >= 0 else {"明": 0.3}
            row[:] = (1 - sum(given.values())) / (len(LABELS) - len(given))  # the rest, spread evenly
            for label, p in given.items():
                row[LABELS.index(label)] = p
        return out


def pieces_in_a_row(widths: list[float], gaps: list[float], height: float = 100.0) -> list[Piece]:
    pieces, x = [], 0.0
    for i, (w, g) in enumerate(zip(widths, gaps + [0.0])):
        pieces.append(Piece((i,), (x, 0.0, x + w, height)))
        x += w + g
    return pieces


def run_decoder(table: dict[tuple[int, ...], dict[str, float]], pieces: list[Piece], **kwargs: object):  # noqa: ANN202
    recognizer = TableRecognizer(table)
    index = {k: i for i, k in enumerate(recognizer.keys)}
    return decode(pieces, lambda members: np.full((2, 2, 1), index.get(members, -1), np.float32),
                  recognizer, **kwargs), recognizer


def test_the_language_model_picks_the_twin_that_fits_the_text() -> None:
    lm = load_lm(bundled_lm_path())
    # Two characters written apart: the model cannot tell 二 from ニ (ニ a little ahead).
    table = {(0,): {"ニ": 0.55, "二": 0.45}, (1,): {"月": 0.9, "日": 0.1}}
    pieces = pieces_in_a_row([90, 90], [40])
    without, _ = run_decoder(table, pieces)
    with_lm, _ = run_decoder(table, pieces, lm=lm)
    assert without.text == "ニ月"
    assert with_lm.text == "二月"
    assert [c.label for c in with_lm.chars[0].candidates][:2] == ["二", "ニ"]
    assert [c.members for c in with_lm.chars] == [(0,), (1,)]


def test_digits_among_digits_are_read_as_digits() -> None:
    lm = load_lm(bundled_lm_path())
    table = {(0,): {"2": 0.9}, (1,): {"0": 0.9}, (2,): {"1": 0.9}, (3,): {"フ": 0.6, "7": 0.4}}
    reading, _ = run_decoder(table, pieces_in_a_row([60, 60, 40, 60], [30, 30, 30]), lm=lm)
    assert reading.text == "2017"


def test_a_character_whose_halves_read_poorly_is_read_whole() -> None:
    lm = load_lm(bundled_lm_path())
    table = {(0,): {"日": 0.3}, (1,): {"月": 0.3}, (0, 1): {"明": 0.95}}
    reading, _ = run_decoder(table, pieces_in_a_row([40, 45], [8]), lm=lm)
    assert reading.text == "明" and reading.chars[0].members == (0, 1)
    # Two characters of full width, apart, are two characters.
    apart, _ = run_decoder({(0,): {"日": 0.9}, (1,): {"月": 0.9}}, pieces_in_a_row([80, 85], [40]), lm=lm)
    assert apart.text == "日月"


def test_runs_are_recognized_once_and_cached() -> None:
    table = {(0,): {"日": 0.9}, (1,): {"月": 0.9}, (0, 1): {"明": 0.5}}
    cache = RunCache()
    pieces = pieces_in_a_row([60, 65], [30])
    _, first = run_decoder(table, pieces, cache=cache)
    _, second = run_decoder(table, pieces, cache=cache)
    assert first.calls == 3 and second.calls == 0


def test_nothing_to_read_says_so() -> None:
    with pytest.raises(InputError, match="nothing to read"):
        run_decoder({}, [])
    with pytest.raises(ValueError, match="segment weights"):
        DecodeConfig(segment_weights=(1.0,))


def test_a_column_may_hold_longer_characters_than_a_row_when_asked() -> None:
    # Three pieces of one character 1.5 sizes long (size 100): in a row, in a column.
    row = [Piece((i,), (50.0 * i, 0.0, 50.0 * i + 50.0, 100.0)) for i in range(3)]
    column = [Piece((i,), (0.0, 50.0 * i, 100.0, 50.0 * i + 50.0)) for i in range(3)]
    config = DecodeConfig(max_width=1.25, column_max_width=1.75)

    def longest(pieces: list[Piece], layout: Layout, c: DecodeConfig) -> int:
        return max(len(m) for _, _, m, _ in run_spans(pieces, layout, c, 100.0))

    assert longest(column, "vertical", config) == 3
    assert longest(row, "horizontal", config) == 2
    assert longest(column, "vertical", replace(config, column_max_width=None)) == 2
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="column_max_width"):
            DecodeConfig(column_max_width=bad)


def _stroke(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return make_stroke([(x0, y0), ((x0 + x1) / 2, (y0 + y1) / 2), (x1, y1)])


def test_strokes_group_into_pieces_in_writing_order() -> None:
    # 十 then 二 written tight (the 二 starts a little inside the 十's reach), then a lone 1.
    ink = Ink((_stroke(0, 50, 100, 50), _stroke(50, 0, 50, 100),
               _stroke(95, 30, 190, 30), _stroke(92, 70, 195, 70), _stroke(230, 0, 230, 100)), 300, 100)
    pieces = ink_pieces(ink)
    assert [p.members for p in pieces] == [(0, 1), (2, 3), (4,)]
    assert pieces[0].box == (0.0, 0.0, 100.0, 100.0)
    vertical = Ink((_stroke(0, 50, 100, 50), _stroke(50, 0, 50, 100), _stroke(0, 150, 100, 150)), 100, 300)
    assert [p.members for p in ink_pieces(vertical, "vertical")] == [(0, 1), (2,)]
    assert ink_pieces(Ink((), 10, 10)) == []


def test_empty_ink_is_refused() -> None:
    with pytest.raises(InputError):
        read_ink(Ink((), 100, 100), TableRecognizer({}))


def test_the_reading_is_plain_json() -> None:
    import json

    table = {(0,): {"日": 0.9}, (1,): {"月": 0.9}}
    reading, _ = run_decoder(table, pieces_in_a_row([80, 85], [40]))
    data = json.loads(json.dumps(reading.to_json()))
    assert data["text"] == reading.text
    assert data["chars"][0]["members"] == [0] and len(data["chars"][0]["box"]) == 4
    assert data["chars"][0]["candidates"][0]["label"] == data["chars"][0]["label"]


def _written(text: str, tomoe: dict[str, Ink], gap: float = 80.0, vertical: bool = False) -> Ink:
    """``text`` written with Tomoe's ink, one character after another along a line or column."""
    strokes, pos, axis = [], 0.0, 1 if vertical else 0
    for char in text:
        points = np.concatenate(tomoe[char].strokes)
        low, high = points[:, axis].min(), points[:, axis].max()
        for stroke in tomoe[char].strokes:
            moved = stroke.copy()
            moved[:, axis] += pos - low
            strokes.append(moved)
        pos += high - low + gap
    return Ink(tuple(strokes), 300.0 if vertical else pos, pos if vertical else 300.0)


@pytest.mark.parametrize("vertical", [False, True])
def test_the_command_reads_a_line_of_ink_with_strokes_per_character(
        tomoe_inks: dict[str, Ink], tmp_path: object, vertical: bool, capsys: pytest.CaptureFixture[str]) -> None:
    import json
    from pathlib import Path

    from core.ink import save_ink
    from mojiyomi.cli import main

    ink = _written("二月の天気", tomoe_inks, vertical=vertical)
    path = Path(str(tmp_path)) / "line.json"
    save_ink(ink, path)
    assert main(["recognize", "--json", "--top", "3", str(path)]) == 0
    found = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert found["text"] == "二月の天気"
    strokes = [len(tomoe_inks[c].strokes) for c in "二月の天気"]
    assert [len(c["strokes"]) for c in found["chars"]] == strokes
    assert [c["candidates"][0]["label"] for c in found["chars"]] == list("二月の天気")
    assert all(len(c["candidates"]) <= 3 for c in found["chars"])


def test_an_ink_file_may_carry_the_text_before_it(tomoe_inks: dict[str, Ink], tmp_path: object,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import json
    from dataclasses import replace
    from pathlib import Path

    from core.ink import save_ink
    from mojiyomi.cli import main

    ink = _written("の天気", tomoe_inks)
    path = Path(str(tmp_path)) / "line.json"
    save_ink(replace(ink, extra={"context": "今日"}), path)
    assert main(["recognize", "--json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out.strip())["text"] == "の天気"
    single = Path(str(tmp_path)) / "one.json"
    save_ink(tomoe_inks["天"], single)
    assert main(["recognize", "--json", str(single)]) == 0
    found = json.loads(capsys.readouterr().out.strip())
    assert found["text"] == "天" and "chars" not in found  # one character: the app's one-character path


@pytest.mark.parametrize("text", ["説明", "好きな林", "外国の時間", "明日から"])
def test_kanji_of_separate_parts_stay_whole_in_real_writing(tomoe_inks: dict[str, Ink], text: str) -> None:
    from core.bundle import load_bundle
    from core.recognizer import TFLiteRecognizer
    from tests.conftest import REPO

    recognizer = TFLiteRecognizer(load_bundle(REPO / "resources" / "models" / "japanese"))
    for gap in (80.0, 0.0):
        assert read_ink(_written(text, tomoe_inks, gap), recognizer, load_lm(bundled_lm_path())).text == text


def test_each_character_offers_as_many_alternatives_as_asked_with_the_reading_first() -> None:
    table = {(0,): {"ニ": 0.55, "二": 0.45}, (1,): {"月": 0.6, "日": 0.3, "明": 0.05}}
    reading, _ = run_decoder(table, pieces_in_a_row([90, 90], [40]), lm=load_lm(bundled_lm_path()),
                             config=DecodeConfig(shown=8, top_k=3))
    first = reading.chars[0]
    assert first.label == "二" and first.candidates[0].label == "二"
    assert first.candidates[0].score == pytest.approx(0.45, abs=1e-6)
    assert len(first.candidates) == 8 and "ニ" in [c.label for c in first.candidates]


def test_a_filter_that_allows_none_of_the_model_s_characters_is_one_line() -> None:
    # The canvas with View > Show kanji under the digits model: a ValueError (empty max) before.
    pieces = pieces_in_a_row([60, 60], [40])
    with pytest.raises(InputError, match="None of this model's characters is allowed"):
        run_decoder({(0,): {"1": 0.9}, (1,): {"7": 0.9}}, pieces, allowed=lambda label: False)
    ink = Ink((_stroke(0, 50, 100, 50), _stroke(230, 0, 230, 100)), 300, 100)
    recognizer = TableRecognizer({})
    recognizer.bundle = SimpleNamespace(labels=LABELS, preprocessing=Preprocessing())  # type: ignore[assignment]
    with pytest.raises(InputError, match="None of this model's characters is allowed"):
        read_ink(ink, recognizer, allowed=lambda label: False)
    reading, _ = run_decoder({(0,): {"1": 0.9}, (1,): {"7": 0.9}}, pieces, allowed=lambda label: label.isdigit())
    assert reading.text == "17"


def test_digits_written_close_on_the_canvas_are_not_read_as_fewer() -> None:
    # Two digits written close are as wide as a kanji, and the digits model read them as one
    # (29 of 40 rows right): a row read as digits is read again at the width of its digits.
    digits = TFLiteRecognizer(resolve_model("digits"))
    rng = np.random.default_rng(4)
    right = 0
    for text in ("1637", "00248", "121379", "358187", "985999"):
        row = ink_row([write_digit(char, rng, slant=0.1, squash=0.8) for char in text], 0.0)
        right += read_ink(row, digits).text == text
    assert right >= 4


def test_pictures_consider_a_character_the_model_ranks_seventh_when_the_text_calls_for_it() -> None:
    """A finely cut picture's true character is often one the model ranks below sixth on its
    cut (場 at 2.6% in この場合には): pictures keep twelve candidates a run, the ink six."""
    from core.picture import PICTURE_CONFIG

    lm = load_lm(bundled_lm_path())
    ahead = {c: 0.15 for c in ("二", "ニ", "明", "1", "7", "フ")}
    table = {(0,): {**ahead, "月": 0.05, "日": 0.001}}  # 月 seventh; after 毎, 月 is a word (毎月)
    six = replace(PICTURE_CONFIG, top_k=6, beam=6)
    narrow, _ = run_decoder(table, pieces_in_a_row([80], []), lm=lm, config=six, context="毎")
    wide, _ = run_decoder(table, pieces_in_a_row([80], []), lm=lm, config=PICTURE_CONFIG, context="毎")
    assert narrow.text in ahead
    assert wide.text == "月"
    assert PICTURE_CONFIG.top_k >= 12 and PICTURE_CONFIG.beam >= 12


def test_pictures_bonus_kana_and_kanji_not_digits_so_touching_neighbours_are_not_merged() -> None:
    """Touching lines were read short: 日 pressed into 月 is one confident 明. Pictures add
    ``wide_bonus`` for each character that is not a digit or a Latin letter, so splits into kana
    or kanji win sooner, while a row of digits reads exactly as without it (a larger bonus for
    every character cut digits in two)."""
    from core.picture import PICTURE_CONFIG, PICTURE_CONFIG_WITHOUT_LM

    lm = load_lm(bundled_lm_path())
    pieces = pieces_in_a_row([60, 45], [-20])
    kanji = {(0,): {"日": 0.9}, (1,): {"月": 0.5}, (0, 1): {"明": 0.97}}
    digits = {(0,): {"1": 0.9}, (1,): {"2": 0.5}, (0, 1): {"0": 0.97}}
    assert PICTURE_CONFIG.wide_bonus > 0 and PICTURE_CONFIG_WITHOUT_LM.wide_bonus == 0
    tipped = False
    for bonus in np.arange(-5.0, 3.0, 0.25):
        without = replace(PICTURE_CONFIG, char_bonus=float(bonus), wide_bonus=0.0)
        with_wide = replace(without, wide_bonus=PICTURE_CONFIG.wide_bonus)
        plain, _ = run_decoder(kanji, pieces, lm=lm, config=without, context="毎")
        wide, _ = run_decoder(kanji, pieces, lm=lm, config=with_wide, context="毎")
        assert len(wide.text) >= len(plain.text)
        tipped |= (plain.text, wide.text) == ("明", "日月")
        assert run_decoder(digits, pieces, lm=lm, config=without)[0].text == \
            run_decoder(digits, pieces, lm=lm, config=with_wide)[0].text
    assert tipped
