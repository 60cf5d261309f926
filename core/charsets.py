"""The character classes of the Japanese model, built from the JIS X 0208 code table."""

from __future__ import annotations

from functools import lru_cache

DIGITS = "0123456789"
#: Same-shape groups: a model cannot tell these apart from the ink alone, so each member
#: must appear among the first candidates when another is written (size or position may order them).
LOOKALIKES: tuple[frozenset[str], ...] = tuple(frozenset(group) for group in (
    "つっ", "やゃ", "ゆゅ", "よょ", "あぁ", "いぃ", "うぅ", "えぇ", "おぉ", "わゎ", "ツッ", "ヤャ", "ユュ", "ヨョ",
    "アァ", "イィ", "ウゥ", "エェ", "オォ", "ワヮ", "カヵ", "ケヶ", "ロ口", "へヘ", "一ー", "カ力", "エ工", "ニ二",
    "ハ八", "タ夕", "ト卜", "0〇", "ぺペ", "べベ", "りリ"))


def jis_char(row: int, cell: int) -> str | None:
    """The character at a JIS X 0208 row and cell (1-94), or None for an empty cell."""
    try:
        return bytes([0x1B, 0x24, 0x42, 0x20 + row, 0x20 + cell, 0x1B, 0x28, 0x42]).decode("iso2022_jp")
    except UnicodeDecodeError:
        return None


def jis_row(row: int) -> list[str]:
    """Every character of one JIS X 0208 row, in code order."""
    return [c for c in (jis_char(row, cell) for cell in range(1, 95)) if c]


@lru_cache(maxsize=1)
def level1_kanji() -> tuple[str, ...]:
    """The 2,965 JIS X 0208 level-1 kanji (rows 16-47)."""
    return tuple(c for row in range(16, 48) for c in jis_row(row))


@lru_cache(maxsize=1)
def japanese_classes() -> tuple[str, ...]:
    """Digits, hiragana (row 4), katakana (row 5), ー, 々 and the level-1 kanji, in that order."""
    return tuple(DIGITS) + tuple(jis_row(4)) + tuple(jis_row(5)) + ("ー", "々") + level1_kanji()


def lookalikes_of(label: str) -> frozenset[str]:
    """The classes written the same way as ``label`` (itself included)."""
    for group in LOOKALIKES:
        if label in group:
            return group
    return frozenset({label})
