"""The character classes of the Japanese models, built from the JIS X 0208 code table.

The table comes from Python's ``iso2022_jp`` codec, so no list of kanji is kept in the
source. Counts, checked by ``tests/test_charsets.py``: 10 digits, 83 hiragana (row 4),
86 katakana (row 5), ー, 々 and 2,965 level-1 kanji (rows 16-47): 3,146 classes
(``japanese_classes``, the bundled model). ``coverage_classes`` adds the 3,390 level-2
kanji (rows 48-84), 20 jōyō/jinmeiyō kanji outside JIS X 0208, Latin letters and the
punctuation and symbols of handwritten Japanese text: 6,636 classes (issue 15).

Full-width and half-width forms of a character are one class (``class_label``); the form
shown to the user is a setting (``display_form``, full-width by default).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Literal

import numpy as np

DIGITS = "0123456789"
#: JIS X 0208 rows of the classes: hiragana, katakana, and the level-1 kanji (16-47).
HIRAGANA_ROW = 4
KATAKANA_ROW = 5
LEVEL1_ROWS = range(16, 48)
#: Marks written in Japanese text that the JIS rows above leave out.
MARKS = ("ー", "々")

#: JIS X 0208 rows of the level-2 kanji.
LEVEL2_ROWS = range(48, 85)
#: Jōyō (2010) and jinmeiyō (2026) kanji outside JIS X 0208 that KanjiVG draws, each with
#: the JIS X 0208 form it is another shape of (the jōyō table's "permitted" form or the
#: jinmeiyō list's new form). Derived from the ``kanji-lists`` package (JOYO.HEISEI22,
#: JINMEIYO.REIWA8) and the ``kanjivg`` package, plus 𠮟 and 頰, which the jōyō table lists
#: but ``kanji-lists`` records by their permitted forms 叱 and 頬; kept here so that the class
#: order never changes with a package (``tests/test_charsets.py`` re-derives it).
EXTRA_KANJI: tuple[tuple[str, str], ...] = (
    ("剝", "剥"), ("塡", "填"), ("𠮟", "叱"), ("頰", "頬"),
    ("俱", "倶"), ("吞", "呑"), ("摑", "掴"), ("焰", "焔"), ("禱", "祷"), ("簞", "箪"), ("繡", "繍"),
    ("繫", "繋"), ("萊", "莱"), ("蔣", "蒋"), ("蟬", "蝉"), ("醬", "醤"), ("顚", "顛"), ("鷗", "鴎"),
    ("黃", "黄"), ("黑", "黒"))
LATIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#: Punctuation and symbols written in Japanese text (issue 15), each as its class label:
#: the ASCII form where ASCII has the character (as the digits already are), else the
#: Japanese one. ヶ is a katakana class already; 〇 (the kanji zero) joins them.
JAPANESE_MARKS = "、。・「」『』〜〆〒※○×△□〇"
ASCII_MARKS = "()!?+-=/%:.,"
PUNCTUATION = JAPANESE_MARKS + ASCII_MARKS

WidthForm = Literal["full", "half"]
#: The form Japanese text is written in unless the user picks another.
DEFAULT_WIDTH: WidthForm = "full"
#: Forms that are not the class label and are not found by the full-width/half-width rule
#: of ``class_label``: the wave dash's other code points, and the minus and hyphen signs.
VARIANT_FORMS: Mapping[str, str] = {"～": "〜", "~": "〜", "−": "-", "‐": "-", "‑": "-", "◯": "○"}

#: Same-shape groups: a model cannot tell these apart from the ink alone, so each member
#: must appear among the first candidates when another is written (size or position on
#: the canvas may order them), and the decoder lets the neighbours decide between them.
#: Groups are disjoint and hold classes of ``coverage_classes`` (a model's labels outside a
#: group's members are skipped where it is used). Since ink is scaled to fill the model's
#: box and the pen width follows the ink's size, a circle is a circle whatever its size
#: (。 ○ 〇 O o 0), a dot a dot (・ .), and upper and lower case of the same shape (C c)
#: are the same picture.
LOOKALIKES: tuple[frozenset[str], ...] = tuple(frozenset(group) for group in (
    "つっ", "やゃ", "ゆゅ", "よょ", "あぁ", "いぃ", "うぅ", "えぇ", "おぉ", "わゎ",
    "ツッ", "ヤャ", "ユュ", "ヨョ", "アァ", "イィ", "ウゥ", "ワヮ", "ケヶ",
    "カヵ力", "エェ工", "オォ才", "ロ口囗□", "へヘ", "べベ", "ぺペ", "一ー-", "ニ二=", "ハ八", "タ夕", "ト卜",
    "りリ",
    # Latin, digits and marks.
    # 乂 (level 2) is two crossing strokes of one length, as × and X are.
    "0Oo〇○。", "1lI", "Cc", "Ss", "Uu", "Vv", "Ww", "Xx×乂", "Zz", "Pp", "十+", "・.", "、丶", "ノ丿/",
    # Level-2 kanji drawn like a katakana. 冫 is ン's dot over a rising stroke (the coverage
    # checkpoint read 3 of 10 synthetic 冫 as ン and 1 ン as 冫).
    "ム厶", "ル儿", "ヒ匕", "ン冫",
    # Not twins, since a reader tells them apart by a stroke the picture keeps: k K (the
    # stem rises above the arms), g 9 q (the tail), 」 亅 J (a corner, a flick, a curve),
    # ク 勹 and ウ 宀 (a sweep or a hook), ヌ 又, 己 已 巳, ) 丿; nor a dot and a circle (・ .
    # are filled, 。 is not).
    # The jōyō/jinmeiyō forms outside JIS X 0208 and their JIS forms.
    *("".join(pair) for pair in EXTRA_KANJI)))


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


@lru_cache(maxsize=1)
def level2_kanji() -> tuple[str, ...]:
    """The 3,390 JIS X 0208 level-2 kanji (rows 48-84), in code (radical) order."""
    return tuple(c for row in LEVEL2_ROWS for c in jis_row(row))


@lru_cache(maxsize=1)
def coverage_classes() -> tuple[str, ...]:
    """The classes of the coverage model (issue 15), in a stable order.

    Returns:
        ``japanese_classes()`` first (so the bundled model's outputs keep their places),
        then the 3,390 level-2 kanji, the 20 ``EXTRA_KANJI``, Latin A-Z a-z and the 28
        ``PUNCTUATION`` classes: 6,636 single characters.
    """
    extra = tuple(new for new, _ in EXTRA_KANJI)
    return japanese_classes() + level2_kanji() + extra + tuple(LATIN) + tuple(PUNCTUATION)


def _width_fold(char: str) -> str:
    code = ord(char)
    if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII
        return chr(code - 0xFEE0)
    if 0xFF61 <= code <= 0xFF9F or code == 0x3000:  # half-width katakana and marks, ideographic space
        return unicodedata.normalize("NFKC", char)
    return char


def class_label(text: str) -> str:
    """``text`` with every full-width or half-width form replaced by its class's form.

    Full-width Latin letters, digits and ASCII marks (Ａ, ０, （, ！) become ASCII; half-width
    katakana and marks (ｶ, ｰ, ｡, ｢) become full-width, a half-width voiced mark joining
    its kana (ｶﾞ -> ガ); the wave dash's and the minus sign's other code points
    (``VARIANT_FORMS``) become the class's. Everything else is kept, NFC-normalized.

    Args:
        text: A label or text as typed or stored (any width).

    Returns:
        The same text in class labels' forms.
    """
    folded = "".join(VARIANT_FORMS.get(c, c) for c in (_width_fold(c) for c in text))
    return unicodedata.normalize("NFC", folded)


def display_form(label: str, width: WidthForm = DEFAULT_WIDTH) -> str:
    """The form of a class label to show or paste, as the user's width setting asks.

    Args:
        label: A class label (ASCII for Latin, digits and ASCII marks; see ``class_label``).
        width: ``"full"`` (the default for Japanese text): ASCII becomes full-width (Ａ, ０,
            （, －); ``"half"``: ASCII stays ASCII. Japanese marks (、。「」〜) and kana
            are the same in both.

    Returns:
        The label in the asked form.

    Raises:
        ValueError: if ``width`` is neither ``"full"`` nor ``"half"``.
    """
    if width == "half":
        return label
    if width != "full":
        raise ValueError(f"width must be 'full' or 'half'. Received: width={width!r}")
    return "".join(chr(ord(c) + 0xFEE0) if 0x21 <= ord(c) <= 0x7E else c for c in label)


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
#: Marks written small that share a shape with a full-size class (。 with ○ O 0, 、 with 丶).
SMALL_MARKS = frozenset("。、")
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

    The model sees normalized pictures, in which っ and つ (or 。 and ○) are the same; how
    large the user wrote decides. Within each lookalike group the small forms and the others swap
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
        small = [index[c] for c in group if (c in SMALL_KANA or c in SMALL_MARKS) and c in index]
        large = [index[c] for c in group if not (c in SMALL_KANA or c in SMALL_MARKS) and c in index]
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

    The lookalikes keep the model's order among themselves (those it did not rank follow in
    code order), so ロ brings 口 before □ when the model thought 口 likelier.

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
            # Those the model ranked come in its order, the rest after them in code order.
            rank = {c: k for k, c in enumerate(out)}
            missing = sorted((c for c in group if c not in out[:lead] and known(c)),
                             key=lambda c: (rank.get(c, len(out)), c))
            for c in missing:
                if c in out:
                    out.remove(c)
            out[i + 1:i + 1] = missing
        i += 1
    return out
