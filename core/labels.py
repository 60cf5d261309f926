"""What a label the user types may be: one character (one grapheme cluster), NFC-normalized.

A model's class is one written character. A label such as "ab" typed for one drawn
character would become a class of its own (it appeared in Practice and as a new class), so
a label of several characters is accepted only when the user explicitly asks for a
multi-character class. Characters are counted as the user sees them (grapheme clusters):
"が" written as か plus a combining voiced mark is one character, as is an emoji with its
skin tone, a ZWJ family or a flag.
"""

from __future__ import annotations

import unicodedata

from core.errors import InputError

#: Longest label (in characters) even for an explicit multi-character class.
MAX_LABEL_CHARACTERS = 16

_ZWJ = "\u200d"


def _extends(char: str) -> bool:
    """True for code points that belong to the character before them."""
    code = ord(char)
    return (unicodedata.category(char) in ("Mn", "Mc", "Me") or 0xFE00 <= code <= 0xFE0F
            or 0xE0100 <= code <= 0xE01EF or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F
            or char == _ZWJ)


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def graphemes(text: str) -> list[str]:
    """``text`` split into user-perceived characters (a simplified Unicode grapheme segmentation).

    Combining marks, variation selectors, emoji modifiers and tags join the character
    before them; a zero-width joiner joins the next character too; regional indicators
    pair into flags; CR LF is one.
    """
    out: list[str] = []
    joining = False
    for char in text:
        if out and (joining or _extends(char) or (out[-1] == "\r" and char == "\n")
                    or (_regional(char) and len(out[-1]) == 1 and _regional(out[-1]))):
            out[-1] += char
        else:
            out.append(char)
        joining = char == _ZWJ
    return out


def normalize_label(text: str) -> str:
    """The label as stored: surrounding white space removed, NFC-normalized."""
    return unicodedata.normalize("NFC", text.strip())


def check_label(text: str, multi: bool = False) -> str:
    """The normalized label, if it is one a class may have.

    Args:
        text: What the user typed.
        multi: The user explicitly creates a multi-character class (up to
            ``MAX_LABEL_CHARACTERS`` characters).

    Returns:
        The NFC-normalized label.

    Raises:
        InputError: if the label is empty, holds white space or control characters inside,
            or is more than one character without ``multi``.
    """
    label = normalize_label(text)
    if not label:
        raise InputError(f"A label cannot be empty. Received: label={text!r}")
    bad = [c for c in label if unicodedata.category(c) in ("Cc", "Zl", "Zp") or c.isspace()]
    if bad:
        raise InputError(f"A label cannot hold spaces, line breaks or control characters. Received: label={text!r}")
    count = len(graphemes(label))
    if count > 1 and not multi:
        raise MultiCharacterLabel(label, count)
    if count > MAX_LABEL_CHARACTERS:
        raise InputError(f"A label is at most {MAX_LABEL_CHARACTERS} characters. Received: label={label!r} "
                         f"({count} characters)")
    return label


class MultiCharacterLabel(InputError):
    """A label of several characters where one was expected (the user may confirm it as a class)."""

    def __init__(self, label: str, count: int) -> None:
        super().__init__(f"A label is one character, unless you create a multi-character class. "
                         f"Received: label={label!r} ({count} characters)")
        self.label = label
        self.count = count
