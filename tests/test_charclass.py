"""The candidate filter's idea of digits, kana and kanji."""

from __future__ import annotations

import pytest

from core.charclass import FILTERS, char_kind, label_filter


@pytest.mark.parametrize("label, kind", [("0", "digit"), ("9", "digit"), ("７", "digit"), ("あ", "hiragana"),
                                         ("っ", "hiragana"), ("ア", "katakana"), ("ー", "katakana"),
                                         ("ヶ", "kanji"), ("字", "kanji"), ("々", "kanji"), ("〆", "kanji"),
                                         ("A", "latin"), ("。", "symbol"), ("ab", "symbol"), ("", "symbol"),
                                         ("𠮟", "kanji"), ("𩸽", "kanji"), ("😀", "symbol")])
def test_char_kind(label: str, kind: str) -> None:
    assert char_kind(label) == kind


def test_filters_select_kinds() -> None:
    labels = list("05あアー字々A")
    assert [c for c in labels if FILTERS["digits"](c)] == ["0", "5"]
    assert [c for c in labels if FILTERS["kana"](c)] == ["あ", "ア", "ー"]
    assert [c for c in labels if FILTERS["kanji"](c)] == ["字", "々"]
    assert label_filter("all") is None


def test_unknown_filter_is_named() -> None:
    with pytest.raises(ValueError, match="kanjii"):
        label_filter("kanjii")


def test_every_coverage_kanji_passes_the_kanji_filter() -> None:
    from core.charsets import EXTRA_KANJI, coverage_classes, level1_kanji, level2_kanji

    # 𠮟 (U+20B9F, a jōyō kanji outside the BMP) was a "symbol": Show kanji hid it, and
    # bench_coverage counted it among the marks instead of the extra kanji.
    kanji = set(level1_kanji()) | set(level2_kanji()) | {new for new, _ in EXTRA_KANJI}
    assert {c for c in coverage_classes() if FILTERS["kanji"](c)} == kanji | set("々〆〇ヶ")
