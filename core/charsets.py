"""The character classes of the Japanese model, built from the JIS X 0208 code table.

The table comes from Python's ``iso2022_jp`` codec, so no list of characters is kept in
the source. Counts, checked by ``tests/test_charsets.py``: 10 digits, 83 hiragana (row 4),
86 katakana (row 5), ー, 々 and 2,965 level-1 kanji (rows 16-47): 3,146 classes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

import numpy as np

DIGITS = "0123456789"
#: JIS X 0208 rows of the classes: hiragana, katakana, and the level-1 kanji (16-47).
HIRAGANA_ROW = 4
KATAKANA_ROW = 5
LEVEL1_ROWS = range(16, 48)
#: Marks written in Japanese text that the JIS rows above leave out.
MARKS = ("ー", "々")

#: Same-shape groups: a model cannot tell these apart from the ink alone, so each member
#: must appear among the first candidates when another is written (size or position on
#: the canvas may order them). Groups are disjoint and hold classes only; the issue's
#: "0 and O" does not arise because neither O nor 〇 is a class.
LOOKALIKES: tuple[frozenset[str], ...] = tuple(frozenset(group) for group in (
    "つっ", "やゃ", "ゆゅ", "よょ", "あぁ", "いぃ", "うぅ", "えぇ", "おぉ", "わゎ",
    "ツッ", "ヤャ", "ユュ", "ヨョ", "アァ", "イィ", "ウゥ", "ワヮ", "ケヶ",
    "カヵ力", "エェ工", "オォ才", "ロ口", "へヘ", "べベ", "ぺペ", "一ー", "ニ二", "ハ八", "タ夕", "ト卜",
    "りリ"))


def jis_char(row: int, cell: int) -> str | None:
    """The character at a JIS X 0208 row and cell.

    Args:
        row: Row (ku), 1-94.
        cell: Cell (ten), 1-94.

    Returns:
        The character, or None for a cell the standard leaves empty.

    Raises:
        ValueError: if row or cell is outside 1-94.
    """
    if not (1 <= row <= 94 and 1 <= cell <= 94):
        raise ValueError(f"JIS X 0208 rows and cells run from 1 to 94. Received: row={row}, cell={cell}")
    escaped = bytes([0x1B, 0x24, 0x42, 0x20 + row, 0x20 + cell, 0x1B, 0x28, 0x42])
    try:
        return escaped.decode("iso2022_jp")
    except UnicodeDecodeError:
        return None


def jis_row(row: int) -> tuple[str, ...]:
    """Every character of one JIS X 0208 row, in code order (empty cells skipped)."""
    return tuple(c for c in (jis_char(row, cell) for cell in range(1, 95)) if c)


@lru_cache(maxsize=1)
def level1_kanji() -> tuple[str, ...]:
    """The 2,965 JIS X 0208 level-1 kanji (rows 16-47), in code (reading) order."""
    return tuple(c for row in LEVEL1_ROWS for c in jis_row(row))


@lru_cache(maxsize=1)
def japanese_classes() -> tuple[str, ...]:
    """The classes of the Japanese model, in a stable order.

    Returns:
        Digits, hiragana (row 4), katakana (row 5), ー, 々, then the level-1 kanji:
        3,146 single characters.
    """
    return (tuple(DIGITS) + jis_row(HIRAGANA_ROW) + jis_row(KATAKANA_ROW) + MARKS + level1_kanji())


def lookalikes_of(label: str) -> frozenset[str]:
    """The classes written the same way as ``label``, itself included.

    Args:
        label: A class label.

    Returns:
        Its ``LOOKALIKES`` group, or ``{label}`` when no other class shares its shape.
    """
    for group in LOOKALIKES:
        if label in group:
            return group
    return frozenset({label})


#: Small kana: written like their full-size forms, only smaller.
SMALL_KANA = frozenset("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
#: Below this share of the canvas's shorter side, ink counts as written small.
SMALL_INK = 0.45


def size_cue(extent: float | None) -> str | None:
    """``"small"`` or ``"large"`` from the ink's extent as a share of the canvas, or None.

    Args:
        extent: The larger side of the ink's bounding box divided by the canvas's shorter
            side; None when unknown (pictures).
    """
    if extent is None or not np.isfinite(extent) or extent <= 0:
        return None
    return "small" if extent < SMALL_INK else "large"


def order_by_size(probs: np.ndarray, labels: Sequence[str], cue: str | None,
                  index: Mapping[str, int] | None = None) -> np.ndarray:
    """Probabilities with each small kana and its full-size twin ordered by the size cue.

    The model sees normalized pictures, in which っ and つ are the same; how large the user
    wrote decides. Within each lookalike group the small forms and the others swap
    probabilities where the cue disagrees with the model, so the sum stays the same.

    Args:
        probs: One probability vector.
        labels: The model's labels, in output order.
        cue: ``"small"``, ``"large"`` or None (no change).
        index: ``labels`` by position, if the caller keeps one (saves building it).
    """
    if cue is None:
        return probs
    if index is None:
        index = {label: i for i, label in enumerate(labels)}
    out = probs.copy()
    for group in LOOKALIKES:
        small = [index[c] for c in group if c in SMALL_KANA and c in index]
        large = [index[c] for c in group if c not in SMALL_KANA and c in index]
        if not small or not large:
            continue
        best_small = max(small, key=lambda i: out[i])
        best_large = max(large, key=lambda i: out[i])
        wrong = out[best_large] > out[best_small] if cue == "small" else out[best_small] > out[best_large]
        if wrong:
            out[best_small], out[best_large] = out[best_large], out[best_small]
    return out


def with_lookalikes(ranked: Sequence[str], known: Callable[[str], bool], lead: int = 3) -> list[str]:
    """Labels in rank order, with every lookalike of the first ``lead`` placed right after it.

    Args:
        ranked: Labels, best first.
        known: Whether a label may be shown (a class of the model, allowed by the filter).
        lead: How many leading candidates bring their lookalikes along.
    """
    out = list(ranked)
    i = 0
    while i < min(lead, len(out)):
        group = lookalikes_of(out[i])
        if len(group) > 1:
            missing = [c for c in sorted(group) if c not in out[:lead] and known(c)]
            for c in missing:
                if c in out:
                    out.remove(c)
            out[i + 1:i + 1] = missing
        i += 1
    return out
