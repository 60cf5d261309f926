"""Mending a picture's cuts by hand: which boxes Merge joins, and what a mended reading keeps.

The picture view asks the recognition worker for a merge or a split (``PictureEdit``; read again
by ``core.picture_edit``); when the mended reading comes back, the boxes that did not change keep
what the recognizer first read in them (a later pick there is still a correction of that), and
the first box that changed is selected.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.decode import Box
from core.picture_edit import PictureChar


def merge_partner(chars: Sequence[PictureChar], index: int) -> int | None:
    """The first of the two characters Merge makes one of, for the character at ``index``.

    Returns:
        ``index`` where the next character is on its line, else ``index - 1`` where the one
        before is; None where it stands alone on its line.
    """
    if index + 1 < len(chars) and chars[index + 1].line == chars[index].line:
        return index
    if index >= 1 and chars[index - 1].line == chars[index].line:
        return index - 1
    return None


def read_as_after(before: Sequence[PictureChar] | None, after: Sequence[PictureChar],
                  read_as: dict[Box, str]) -> dict[Box, str]:
    """What the recognizer read in each box once ``after`` replaced ``before`` (None: a new reading).

    A box that was there before keeps what was first read in it (a pick changed its label since);
    a new box (a merge's, a split's halves) is read as its label.
    """
    known = {c.box for c in before} if before is not None else set()
    read_as = dict(read_as)
    for char in after:
        if char.box not in known or char.box not in read_as:
            read_as[char.box] = char.label
    return read_as


def selection_after(before: Sequence[PictureChar] | None, after: Sequence[PictureChar], selected: int) -> int:
    """The character selected once ``after`` replaced ``before`` (None: a new reading, its first one).

    After a merge or a split, the first box that changed; else the one that was selected, or the
    last where fewer are left.
    """
    if before is None:
        return 0
    known = {c.box for c in before}
    return next((i for i, c in enumerate(after) if c.box not in known), min(selected, len(after) - 1))
