"""The Japanese class set built from the JIS X 0208 table, and its same-shape groups."""

from __future__ import annotations

import numpy as np
import pytest

from core.charsets import (DIGITS, HIRAGANA_ROW, KATAKANA_ROW, LOOKALIKES, jis_char, jis_row, japanese_classes,
                           level1_kanji, lookalikes_of)


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
    classes = set(japanese_classes())
    members = [c for group in LOOKALIKES for c in group]
    assert len(members) == len(set(members))
    assert set(members) <= classes
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
    assert with_lookalikes(ranked[:4], lambda c: c != "口") == ranked[:4]
    # Far down the list, nothing moves.
    assert with_lookalikes(["日", "目", "田", "白", "ロ"], lambda c: True) == ["日", "目", "田", "白", "ロ"]
