"""The Japanese class set built from the JIS X 0208 table, and its same-shape groups."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from core.charsets import (ASCII_MARKS, DEFAULT_WIDTH, DIGITS, EXTRA_KANJI, HIRAGANA_ROW, JAPANESE_MARKS,
                           KATAKANA_ROW, LATIN, LOOKALIKES, PUNCTUATION, class_label, coverage_classes, display_form,
                           jis_char, jis_row, japanese_classes, level1_kanji, level2_kanji, lookalikes_of)


def test_rows_hold_the_expected_characters() -> None:
    hiragana, katakana = jis_row(HIRAGANA_ROW), jis_row(KATAKANA_ROW)
    assert len(hiragana) == 83 and hiragana[0] == "ぁ" and hiragana[-1] == "ん"
    assert len(katakana) == 86 and katakana[0] == "ァ" and katakana[-1] == "ヶ"
    assert {"っ", "ゃ", "が", "ぱ"} <= set(hiragana) and {"ッ", "ヴ", "ヵ", "パ"} <= set(katakana)
    kanji = level1_kanji()
    assert len(kanji) == 2965 and kanji[0] == "亜" and kanji[-1] == "腕"


def test_class_set_is_3146_single_characters_in_a_stable_order() -> None:
    classes = japanese_classes()
    assert len(classes) == len(set(classes)) == 10 + 83 + 86 + 2 + 2965 == 3146
    assert all(isinstance(c, str) and len(c) == 1 for c in classes)
    assert classes[:10] == tuple(DIGITS) and classes[10] == "ぁ"
    assert {"ー", "々", "字", "書", "ヶ"} <= set(classes)
    assert "〇" not in classes and "A" not in classes


def test_jis_cells() -> None:
    assert jis_char(4, 2) == "あ" and jis_char(16, 1) == "亜"
    assert jis_char(4, 94) is None  # row 4 ends at cell 83
    with pytest.raises(ValueError, match="row=95"):
        jis_char(95, 1)


def test_lookalike_groups_are_disjoint_classes() -> None:
    classes = set(coverage_classes())
    members = [c for group in LOOKALIKES for c in group]
    assert len(members) == len(set(members))
    assert set(members) <= classes
    # The bundled model's own groups are unchanged (its twins among its classes).
    japanese = set(japanese_classes())
    assert {frozenset(g & japanese) for g in LOOKALIKES if len(g & japanese) > 1} == {frozenset(g) for g in (
        "つっ", "やゃ", "ゆゅ", "よょ", "あぁ", "いぃ", "うぅ", "えぇ", "おぉ", "わゎ", "ツッ", "ヤャ", "ユュ", "ヨョ", "アァ",
        "イィ", "ウゥ", "ワヮ", "ケヶ", "カヵ力", "エェ工", "オォ才", "ロ口", "へヘ", "べベ", "ぺペ", "一ー", "ニ二", "ハ八",
        "タ夕", "ト卜", "りリ")}
    for pair in ("つっ", "ロ口", "へヘ", "一ー", "カ力", "エ工", "ニ二", "ハ八", "タ夕", "ト卜"):
        assert set(pair) <= lookalikes_of(pair[0]) and lookalikes_of(pair[0]) == lookalikes_of(pair[1])
    assert lookalikes_of("字") == frozenset({"字"})


def test_size_cue_orders_small_kana_and_keeps_the_mass() -> None:
    from core.charsets import order_by_size, size_cue

    labels = ("つ", "っ", "あ")
    probs = np.array([0.6, 0.3, 0.1])
    small = order_by_size(probs, labels, size_cue(0.3))
    assert small.tolist() == [0.3, 0.6, 0.1]
    assert order_by_size(probs, labels, size_cue(0.8)).tolist() == probs.tolist()
    assert order_by_size(np.array([0.3, 0.6, 0.1]), labels, "large").tolist() == [0.6, 0.3, 0.1]
    assert order_by_size(probs, labels, size_cue(None)) is probs


def test_lookalikes_of_the_first_candidates_come_along() -> None:
    from core.charsets import with_lookalikes

    ranked = ["ロ", "日", "目", "田", "口"]
    assert with_lookalikes(ranked, lambda c: True)[:2] == ["ロ", "口"]
    # A lookalike the model or the filter does not offer is not invented.
    assert with_lookalikes(ranked[:4], lambda c: c in japanese_classes() and c != "口") == ranked[:4]
    # Far down the list, nothing moves.
    assert with_lookalikes(["日", "目", "田", "白", "ロ"], lambda c: True) == ["日", "目", "田", "白", "ロ"]


def test_coverage_classes_count_every_part_once() -> None:
    classes = coverage_classes()
    assert len(level2_kanji()) == 3390 and level2_kanji()[0] == "弌" and level2_kanji()[-1] == "熙"
    assert len(level1_kanji()) + len(level2_kanji()) == 6355
    assert len(LATIN) == 52 and set(LATIN) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    issue = "、。・「」『』（）！？～〜〆ヶ〒※○×△□+-=/%:.,"
    assert {class_label(c) for c in issue} <= set(classes)
    assert len(PUNCTUATION) == len(set(PUNCTUATION)) == 28 and set(ASCII_MARKS) <= set("()!?+-=/%:.,")
    assert len(classes) == len(set(classes)) == 3146 + 3390 + len(EXTRA_KANJI) + 52 + 28 == 6636
    assert classes[:3146] == japanese_classes()  # the bundled model's outputs keep their places
    assert all(len(c) == 1 and unicodedata.normalize("NFC", c) == c for c in classes)
    # No class is another's other width form: one class per character.
    assert len({class_label(c) for c in classes}) == len(classes)
    assert {"嶋", "嵜", "橿", "蔭", "鷲", "燿", "𠮟", "黃", "〇"} <= set(classes)


def test_extra_kanji_are_outside_jis_and_drawn_by_kanjivg() -> None:
    jis = set(level1_kanji() + level2_kanji())
    for new, old in EXTRA_KANJI:
        assert new not in jis and old in jis and lookalikes_of(new) == frozenset({new, old})


def test_extra_kanji_match_the_official_lists() -> None:
    lists = pytest.importorskip("kanji_lists")
    kanjivg = pytest.importorskip("training.synth.kanjivg")
    jis = set(level1_kanji() + level2_kanji())
    # Compatibility ideographs (U+F900...) in the list are their unified forms, in JIS.
    listed = {unicodedata.normalize("NFC", c) for c in set(lists.JOYO.HEISEI22) | set(lists.JINMEIYO.REIWA8)}
    derived = {c for c in listed - jis if kanjivg.has_strokes(c)} | {"𠮟", "頰"}
    assert derived == {new for new, _ in EXTRA_KANJI}


@pytest.mark.parametrize(("typed", "label"), [
    ("Ａ", "A"), ("ｚ", "z"), ("０", "0"), ("（", "("), ("）", ")"), ("！", "!"), ("？", "?"), ("＋", "+"),
    ("－", "-"), ("−", "-"), ("＝", "="), ("／", "/"), ("％", "%"), ("：", ":"), ("．", "."), ("，", ","),
    ("～", "〜"), ("~", "〜"), ("〜", "〜"), ("｡", "。"), ("､", "、"), ("･", "・"), ("｢", "「"), ("｣", "」"),
    ("ｱ", "ア"), ("ｰ", "ー"), ("ｶﾞ", "ガ"), ("ﾊﾟ", "パ"), ("字", "字"), ("A", "A"), ("ｯ", "ッ")])
def test_width_forms_map_to_one_class(typed: str, label: str) -> None:
    assert class_label(typed) == label
    assert all(c in coverage_classes() for c in label)


def test_display_form_is_full_width_by_default() -> None:
    assert DEFAULT_WIDTH == "full"
    assert display_form("A") == "Ａ" and display_form("7") == "７" and display_form("(") == "（"
    assert display_form("-") == "－" and display_form("?") == "？"
    assert display_form("A", "half") == "A" and display_form("、", "half") == "、"
    assert display_form("〜") == "〜" and display_form("字") == "字" and display_form("ガ", "half") == "ガ"
    # Every class shown in either form reads back as itself.
    assert all(class_label(display_form(c, w)) == c for c in coverage_classes() for w in ("full", "half"))
    with pytest.raises(ValueError, match="width='wide'"):
        display_form("A", "wide")  # type: ignore[arg-type]


@pytest.mark.parametrize("group", ["0O〇○", "1lI", "一ー-", "ロ口□", "カ力", "っつ", "Xx×", "・.", "剝剥", "ン冫", "×乂"])
def test_new_twins_are_one_group(group: str) -> None:
    assert set(group) <= lookalikes_of(group[0])


@pytest.mark.parametrize("pair", ["kK", "g9", "q9", "」亅", "J亅", "ク勹", "ウ宀", "ヌ又", "已巳", ")丿", "・。", ".O"])
def test_shapes_a_reader_tells_apart_are_not_twins(pair: str) -> None:
    assert pair[1] not in lookalikes_of(pair[0])


def test_level2_kanji_written_like_a_katakana_come_with_it() -> None:
    from core.charsets import with_lookalikes

    # The model's favourite 冫 brings ン (the decoder's neighbours then choose); 乂 brings × X x.
    assert with_lookalikes(["冫", "ソ", "シ"], lambda c: True)[:2] == ["冫", "ン"]
    assert set(with_lookalikes(["乂", "メ"], lambda c: True)[:4]) == set("乂×Xx")


def test_lookalikes_come_in_the_models_order() -> None:
    from core.charsets import with_lookalikes

    # 口 was ranked, □ and 囗 were not: 口 comes first, then the others.
    shown = with_lookalikes(["ロ", "日", "目", "口"], lambda c: True)
    assert shown[:2] == ["ロ", "口"] and set(shown[2:4]) == {"□", "囗"} and shown[4:] == ["日", "目"]
    shown = with_lookalikes(["0", "8", "日", "O"], lambda c: c != "。")
    assert shown[:2] == ["0", "O"] and set(shown[:5]) == set("0O〇○o") and "。" not in shown


def test_size_cue_orders_a_small_circle_as_the_full_stop() -> None:
    from core.charsets import order_by_size, size_cue

    labels = ("○", "。", "O", "字")
    probs = np.array([0.5, 0.2, 0.2, 0.1])
    assert order_by_size(probs, labels, size_cue(0.2)).tolist() == [0.2, 0.5, 0.2, 0.1]
    assert order_by_size(probs, labels, size_cue(0.9)).tolist() == probs.tolist()
