"""The text line under the canvas: chosen characters collect here to be copied elsewhere.

Every character written (not typed) remembers its candidates and its ink, so clicking it
later shows the alternatives again and picking one replaces it. Written characters go in
in the width form the user chose (``core.charsets.display_form``: Ａ or A); each remembers
its class label as well. Typing, pasting and the
line's own undo are followed with ``difflib``: characters left unchanged keep what they
remember, new ones remember nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QFocusEvent, QFont, QGuiApplication, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from core.charsets import WidthForm, display_form
from core.ink import Ink
from core.recognizer import Candidate
from desktop.i18n import translate
from desktop.text_form import half_width


@dataclass(frozen=True)
class CharInfo:
    """What a written character of the text line remembers.

    Attributes:
        label: The class label it was inserted for (one character, or a multi-character class).
        candidates: The alternatives shown for it, the inserted one first.
        ink: The strokes it was written with (None when not known).
        original: What the recognizer read first (a pick of another label is a correction).
        sample_id: The sample kept of a correction of it (None: none).
        shown: The text it stands as in the line (``label`` in the width form of the time);
            empty: ``label`` itself.
    """

    label: str
    candidates: tuple[Candidate, ...]
    ink: Ink | None = None
    original: str = ""
    sample_id: int | None = None
    shown: str = ""

    @property
    def text(self) -> str:
        """The text it stands as in the line."""
        return self.shown or self.label


_MODIFIER_KEYS = (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta, Qt.Key.Key_AltGr)


class CharLineEdit(QLineEdit):
    """A line edit that says which character a click landed on and passes digit keys on while asked.

    Signals:
        charClicked(int): the index of the character under a mouse click (-1 for a click
            beside the text).
        digitPressed(int): while ``digits_pick`` is set, a digit key (0-9) typed into the line;
            the key is not inserted.
        escaped(): another key was pressed while ``digits_pick`` was set (Esc is not passed on;
            other keys are, after the signal).
    """

    charClicked = Signal(int)
    digitPressed = Signal(int)
    escaped = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.digits_pick = False

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason):
            # QLineEdit selects everything when tabbed into; the next key would replace the user's text.
            self.deselect()
            self.end(False)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton or self.hasSelectedText():
            return
        index = self.char_at(event.position().x())
        self.charClicked.emit(-1 if index is None else index)

    def char_at(self, x: float) -> int | None:
        """The index of the character drawn at ``x`` (widget pixels), or None beyond the text."""
        position = self.cursorPositionAt(QPoint(int(x), self.height() // 2))
        keep = self.cursorPosition()
        self.setCursorPosition(position)
        cursor_x = self.cursorRect().center().x()
        self.setCursorPosition(keep)
        index = position - 1 if x < cursor_x else position
        return index if 0 <= index < len(self.text()) else None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if self.digits_pick and plain and Qt.Key.Key_0 <= event.key() <= Qt.Key.Key_9:
            self.digitPressed.emit(int(event.key()) - int(Qt.Key.Key_0))
            event.accept()
            return
        if self.digits_pick and event.key() not in _MODIFIER_KEYS:
            self.escaped.emit()
            if event.key() == Qt.Key.Key_Escape:
                event.accept()
                return
        super().keyPressEvent(event)


class TextLine(QWidget):
    """A selectable, editable line of text with a Copy button; written characters remember their candidates.

    Signals:
        copied(str): the text was put on the clipboard.
        edited(): the text changed by typing, pasting or undo (not by ``insert_chars`` or ``replace_char``).
        charSelected(str): a click landed on a character: its label as written (a multi-character
            class whole), or the typed character.
    """

    copied = Signal(str)
    edited = Signal()
    charSelected = Signal(str)

    def __init__(self, parent: QWidget | None = None, width: Callable[[], WidthForm] | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(translate("TextLine", "Text:"), self))
        self.edit = CharLineEdit(self)
        self.edit.setPlaceholderText(translate("TextLine", "Chosen characters appear here"))
        self.edit.setAccessibleName(translate("TextLine", "Recognized text"))
        font = QFont()
        font.setPixelSize(24)  # large enough to read kanji
        self.edit.setFont(font)
        layout.addWidget(self.edit, 1)
        copy = QPushButton(translate("TextLine", "Copy"), self)
        copy.setToolTip(translate("TextLine", "Copy the text (Ctrl+Shift+C)"))
        copy.clicked.connect(self.copy)
        layout.addWidget(copy)
        self._width = width or half_width
        self._infos: list[CharInfo | None] = []
        self._text = ""
        self._ours = False
        self.edit.textChanged.connect(self._follow)
        self.edit.charClicked.connect(self._on_char_clicked)

    def copy(self) -> None:
        """Puts the whole text on the clipboard."""
        text = self.edit.text()
        QGuiApplication.clipboard().setText(text)
        self.copied.emit(text)

    def context(self) -> str:
        """The text before the cursor (or before the selection): what comes before new writing."""
        edit = self.edit
        end = edit.selectionStart() if edit.hasSelectedText() else edit.cursorPosition()
        return edit.text()[:end]

    @property
    def width_form(self) -> WidthForm:
        """The form written characters go in as (``core.charsets.display_form``): the window's width
        setting, asked each time (half-width when none was given)."""
        return self._width()

    def shown(self, label: str) -> str:
        """``label`` in the form written characters go in as (``width_form``)."""
        return display_form(label, self.width_form)

    def insert_chars(self, items: Sequence[CharInfo | str]) -> None:
        """Inserts written characters at the cursor (over the selection), each remembering its candidates.

        Args:
            items: The characters in order, each going in as its label in the ``width_form``;
                a string among them (a space between a picture's lines) goes in as it is and
                remembers nothing, like typed text.
        """
        edit = self.edit
        start = edit.selectionStart() if edit.hasSelectedText() else edit.cursorPosition()
        items = [item if isinstance(item, str) else replace(item, shown=self.shown(item.label)) for item in items]
        text = "".join(item if isinstance(item, str) else item.text for item in items)
        self._ours = True
        try:
            edit.insert(text)
        finally:
            self._ours = False
        if edit.text()[start:start + len(text)] != text:
            return  # the line refused part of it (a length limit): nothing is remembered wrongly
        at = start
        for item in items:
            if not isinstance(item, str):
                self._infos[at] = item
            at += len(item if isinstance(item, str) else item.text)

    def info(self, index: int) -> tuple[int, CharInfo] | None:
        """What the character at ``index`` remembers, with the index its label starts at (None: nothing)."""
        text = self.edit.text()
        for start in range(index, max(-1, index - 8), -1):
            found = self._infos[start] if 0 <= start < len(self._infos) else None
            if found is not None and text[start:start + len(found.text)] == found.text \
                    and start + len(found.text) > index:
                return start, found
        return None

    def replace_char(self, start: int, label: str, sample_id: int | None = None) -> None:
        """Replaces the written character starting at ``start`` with ``label`` (its alternatives stay).

        Args:
            start: Where the character starts in the text.
            label: The new class label (it goes in in the ``width_form``).
            sample_id: The sample kept of this correction, if any.
        """
        found = self.info(start)
        if found is None or found[0] != start:
            raise ValueError(f"No written character starts at this index. Received: start={start}")
        old = found[1]
        shown = self.shown(label)
        cursor = self.edit.cursorPosition()
        self.edit.setSelection(start, len(old.text))
        self._ours = True
        try:
            self.edit.insert(shown)
        finally:
            self._ours = False
        self._infos[start] = CharInfo(label, with_first(old.candidates, label), old.ink, old.original or old.label,
                                      sample_id, shown)
        self.edit.setCursorPosition(cursor + len(shown) - len(old.text) if cursor > start else cursor)

    def _on_char_clicked(self, index: int) -> None:
        if index < 0:
            return
        found = self.info(index)
        self.charSelected.emit(found[1].label if found is not None else self.edit.text()[index])

    def _follow(self, text: str) -> None:
        """Keeps the memory aligned with the text after any change."""
        infos: list[CharInfo | None] = [None] * len(text)
        matcher = difflib.SequenceMatcher(None, self._text, text, autojunk=False)
        for tag, a0, a1, b0, _b1 in matcher.get_opcodes():
            if tag == "equal":
                infos[b0:b0 + a1 - a0] = self._infos[a0:a1]
        self._text, self._infos = text, infos
        if not self._ours:
            self.edited.emit()


def with_first(candidates: Sequence[Candidate], label: str) -> tuple[Candidate, ...]:
    """The candidates with ``label`` first (added if missing); the others keep their order."""
    chosen = [c for c in candidates if c.label == label] or [Candidate(label, 0.0)]
    return (chosen[0], *[c for c in candidates if c.label != label])
