"""The reading of the canvas in several-character mode: one button per character, and Insert."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton, QSizePolicy, QToolButton, QWidget
from desktop.i18n import translate


class ReadingBar(QWidget):
    """The reading of the canvas, one button per character, and an Insert button.

    Signals:
        selected(int): a character's button was clicked.
        commitRequested(): Insert was clicked.
    """

    selected = Signal(int)
    commitRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._row = QHBoxLayout()
        self._row.setSpacing(2)
        layout.addLayout(self._row)
        layout.addStretch(1)
        self.insert_button = QPushButton(translate("ReadingBar", "Insert"), self)
        self.insert_button.setToolTip(translate(
                "ReadingBar", "Append the reading to the text and clear the canvas (Enter)"))
        self.insert_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.insert_button.clicked.connect(self.commitRequested)
        layout.addWidget(self.insert_button)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.buttons: list[QToolButton] = []
        self.set_reading([], -1)

    def set_reading(self, labels: Sequence[str], selected: int) -> None:
        """Shows one button per label, ``selected`` pressed."""
        while len(self.buttons) < len(labels):
            button = QToolButton(self)
            font = QFont(button.font())
            font.setPixelSize(24)
            button.setFont(font)
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            button.setMinimumSize(40, 44)
            button.clicked.connect(lambda _=False, i=len(self.buttons): self.selected.emit(i))
            self._group.addButton(button)
            self._row.addWidget(button)
            self.buttons.append(button)
        for index, button in enumerate(self.buttons):
            button.setVisible(index < len(labels))
            if index < len(labels):
                button.setText(labels[index])
                button.setAccessibleName(translate("ReadingBar", "Character {i} of the reading: {label}").format(
                    i=index + 1, label=labels[index]))

                button.setChecked(index == selected)
        self.insert_button.setEnabled(bool(labels))

    def labels(self) -> list[str]:
        """The characters shown."""
        return [b.text() for b in self.buttons if b.isVisibleTo(self)]
