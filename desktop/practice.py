"""Practice: write characters on request to collect samples quickly."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from core.errors import MojiyomiError
from core.samples import SampleStore
from desktop import errors
from desktop.canvas import InkCanvas


class PracticeDialog(QDialog):
    """Shows one character at a time; each one written is kept as a sample with that label.

    Signals:
        sampleSaved(int): the id of each sample kept.
    """

    sampleSaved = Signal(int)

    def __init__(self, store: SampleStore, recognizer_labels: Sequence[str], model_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Practice")
        self.store, self.model_name = store, model_name
        self.queue: list[str] = []
        self.position = 0
        suggested = store.most_misread(10) or list(recognizer_labels[:10])
        form = QFormLayout()
        self.characters = QLineEdit("".join(suggested), self)
        self.characters.setToolTip("The characters to write; by default those the model misread most")
        form.addRow("Characters", self.characters)
        self.repeats = QSpinBox(self)
        self.repeats.setRange(1, 20)
        self.repeats.setValue(4)
        form.addRow("Times each", self.repeats)
        start = QPushButton("Start", self)
        start.clicked.connect(self.start)
        form.addRow(start)
        self.target = QLabel("", self)
        font = QFont()
        font.setPixelSize(64)
        self.target.setFont(font)
        self.target.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress = QLabel("", self)
        self.canvas = InkCanvas(self)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save (Enter)", self)
        self.save_button.clicked.connect(self.save)
        for text, slot in (("Undo stroke", self.canvas.undo), ("Skip", self.skip), ("Finish", self.accept)):
            button = QPushButton(text, self)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.insertWidget(0, self.save_button)
        QShortcut(QKeySequence(Qt.Key.Key_Return), self, self.save)
        QShortcut(QKeySequence(Qt.Key.Key_Enter), self, self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.target)
        layout.addWidget(self.progress)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(buttons)
        self.resize(420, 620)
        self._show()

    def start(self) -> None:
        """Builds the queue: each chosen character, repeated."""
        chars = [c for c in dict.fromkeys(self.characters.text()) if not c.isspace()]
        self.queue = [c for c in chars for _ in range(self.repeats.value())]
        self.position = 0
        self.canvas.clear()
        self._show()

    @property
    def current(self) -> str | None:
        return self.queue[self.position] if self.position < len(self.queue) else None

    def save(self) -> None:
        """Keeps what is written as a sample of the current character, then moves on."""
        if self.current is None or self.canvas.is_empty():
            return
        try:
            sample = self.store.add(self.canvas.ink(), self.current, self.model_name)
        except MojiyomiError as exc:
            errors.show_error(self, "Could not keep the sample", exc)
            return
        self.sampleSaved.emit(sample)
        self.skip()

    def skip(self) -> None:
        if self.current is not None:
            self.position += 1
        self.canvas.clear()
        self._show()

    def _show(self) -> None:
        current = self.current
        self.target.setText(current or "")
        self.save_button.setEnabled(current is not None)
        if not self.queue:
            self.progress.setText("Choose characters and press Start.")
        elif current is None:
            self.progress.setText(f"Done: {len(self.queue)} written. Press Finish, or Start again.")
        else:
            self.progress.setText(f"Write “{current}”: {self.position + 1} / {len(self.queue)}")
