"""Mending a picture's cuts: which boxes Merge joins, and what a merged or split reading keeps."""

from __future__ import annotations

from core.decode import Box
from core.picture_edit import PictureChar
from core.recognizer import Candidate
from desktop.picture_mending import merge_partner, read_as_after, selection_after


def _char(label: str, line: int, x: int) -> PictureChar:
    box: Box = (float(x), 0.0, float(x + 10), 10.0)
    return PictureChar(label, (Candidate(label, 0.9),), line, (x,), box, box)


def test_merge_joins_the_next_character_on_the_line_else_the_one_before() -> None:
    # Two lines: 一二三 and 四; 四 stands alone on its line.
    chars = [_char("一", 0, 0), _char("二", 0, 10), _char("三", 0, 20), _char("四", 1, 0)]
    assert [merge_partner(chars, i) for i in range(4)] == [0, 1, 1, None]
    assert merge_partner([_char("一", 0, 0)], 0) is None


def test_a_split_selects_its_first_half_and_new_boxes_are_read_as_their_labels() -> None:
    one, two, three = _char("一", 0, 0), _char("二", 0, 10), _char("三", 0, 20)
    before = [one, two, three]
    # The user picked 十 for 二's box: what the recognizer read there stays 二.
    read_as = {one.box: "一", two.box: "二", three.box: "三"}
    picked = [one, PictureChar("十", two.candidates, 0, two.members, two.window, two.box), three]
    left, right = _char("ノ", 0, 21), _char("ニ", 0, 26)
    after = [one, picked[1], left, right]
    assert selection_after(picked, after, 2) == 2
    mended = read_as_after(picked, after, read_as)
    assert mended[two.box] == "二" and mended[left.box] == "ノ" and mended[right.box] == "ニ"
    assert read_as == {one.box: "一", two.box: "二", three.box: "三"}  # the view's map is not changed in place
    assert selection_after(before, before, 1) == 1  # nothing changed: the selection stays


def test_a_new_reading_selects_its_first_character_and_a_shorter_one_keeps_the_selection_in_range() -> None:
    chars = [_char("一", 0, 0), _char("二", 0, 10), _char("三", 0, 20)]
    assert selection_after(None, chars, 2) == 0
    assert read_as_after(None, chars, {}) == {c.box: c.label for c in chars}
    assert selection_after(chars, chars[:2], 2) == 1
