"""What kind of character a label is, for the candidate filter (all, digits, kana, kanji)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

#: Marks that are written and looked up like kanji although Unicode files them elsewhere.
_KANJI_LIKE = frozenset("々〆〇ヶ")


def char_kind(label: str) -> str:
    """The kind of a one-character label.

    Returns:
        One of ``"digit"``, ``"hiragana"``, ``"katakana"``, ``"kanji"``, ``"latin"`` or
        ``"symbol"`` (also for empty or multi-character labels).
    """
    if len(label) != 1:
        return "symbol"
    code = ord(label)
    # CJK unified ideographs, extension A, compatibility ideographs, and beyond the BMP the
    # extensions B-H and the compatibility supplement (planes 2 and 3: the coverage model's 𠮟).
    if label in _KANJI_LIKE or 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF \
            or 0x20000 <= code <= 0x323AF:
        return "kanji"
    if label.isdigit() and unicodedata.decimal(label, -1) >= 0:
        return "digit"
    if 0x3041 <= code <= 0x309F:
        return "hiragana"
    if 0x30A0 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "katakana"
    if unicodedata.category(label).startswith("L") and code < 0x3000 or 0xFF21 <= code <= 0xFF5A:
        return "latin"
    return "symbol"


#: Candidate filters by name, as offered in the app.
FILTERS: dict[str, Callable[[str], bool]] = {
    "all": lambda label: True,
    "digits": lambda label: char_kind(label) == "digit",
    "kana": lambda label: char_kind(label) in ("hiragana", "katakana"),
    "kanji": lambda label: char_kind(label) == "kanji",
}

#: Titles of the filters, in menu order.
FILTER_TITLES: dict[str, str] = {"all": "All characters", "digits": "Digits", "kana": "Kana", "kanji": "Kanji"}


def label_filter(name: str) -> Callable[[str], bool] | None:
    """The predicate for a filter name (``None`` for ``"all"``).

    Raises:
        ValueError: if the name is unknown.
    """
    if name not in FILTERS:
        raise ValueError(f"Unknown candidate filter. Received: {name!r}, expected one of {sorted(FILTERS)}")
    return None if name == "all" else FILTERS[name]
