"""Labels the user types: one character (grapheme cluster), NFC, several only when asked for."""

from __future__ import annotations

import pytest

from core.errors import InputError
from core.labels import MultiCharacterLabel, check_label, graphemes


@pytest.mark.parametrize("text, clusters", [
    ("日", ["日"]), ("ab", ["a", "b"]), ("か\u3099", ["か\u3099"]), ("👍🏽", ["👍🏽"]),
    ("👨\u200d👩\u200d👧", ["👨\u200d👩\u200d👧"]), ("🇯🇵🇫🇷", ["🇯🇵", "🇫🇷"]), ("葛\U000E0100", ["葛\U000E0100"]),
    ("e\u0301x", ["e\u0301", "x"])])
def test_characters_are_counted_as_the_user_sees_them(text: str, clusters: list[str]) -> None:
    assert graphemes(text) == clusters


def test_a_label_is_one_character_normalized() -> None:
    assert check_label(" が ") == "が"
    assert check_label("か\u3099") == "が"  # NFC: the combining voiced mark composes
    assert check_label("👍🏽") == "👍🏽"
    with pytest.raises(MultiCharacterLabel, match=r"Received: label='ab' \(2 characters\)") as info:
        check_label("ab")
    assert (info.value.label, info.value.count) == ("ab", 2)
    assert check_label("ab", multi=True) == "ab"


@pytest.mark.parametrize("text, words", [("", "cannot be empty"), ("  ", "cannot be empty"),
                                         ("a b", "spaces"), ("a\nb", "line breaks"), ("\x07", "control"),
                                         ("x" * 17, "at most 16 characters")])
def test_impossible_labels_are_refused_with_what_was_received(text: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        check_label(text, multi=True)
