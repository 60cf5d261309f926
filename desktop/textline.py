"""The text line under the canvas: chosen characters collect here to be copied elsewhere."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget


class TextLine(QWidget):
    """A selectable, editable line of text with a Copy button.

    Signals:
        copied(str): the text was put on the clipboard.
    """

    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Text:", self))
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Chosen characters appear here")
        self.edit.setAccessibleName("Recognized text")
        font = QFont()
        font.setPixelSize(24)  # large enough to read kanji
        self.edit.setFont(font)
        layout.addWidget(self.edit, 1)
        copy = QPushButton("Copy", self)
        copy.setToolTip("Copy the text (Ctrl+Shift+C)")
        copy.clicked.connect(self.copy)
        layout.addWidget(copy)

    def copy(self) -> None:
        """Puts the whole text on the clipboard."""
        text = self.edit.text()
        QGuiApplication.clipboard().setText(text)
        self.copied.emit(text)
