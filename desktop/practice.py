"""Practice: write characters on request to collect samples quickly."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QCheckBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from core import strokeorder
from core.errors import MojiyomiError
from core.samples import SampleStore
from desktop import errors
from desktop.canvas import InkCanvas
from desktop.i18n import translate

#: How many characters are suggested when the dialog opens.
SUGGESTED = 10


def practice_characters(text: str) -> list[str]:
    """The distinct characters of ``text`` in order, without spaces or separators."""
    return [c for c in dict.fromkeys(text) if not c.isspace() and c not in ",、，"]


class PracticeDialog(QDialog):
    """Shows one character at a time; each one written is kept as a sample with that label.

    Args:
        store: The samples database.
        recognizer_labels: The current model's labels, suggested when nothing was misread yet.
        model_name: Recorded with each sample.
        parent: The main window.
        characters: Characters to practise at once (the stroke-order view's Practise); empty: the user chooses.
        guide: Whether each character is drawn faintly on the canvas to write over (KanjiVG's strokes).

    Signals:
        sampleSaved(int): the id of each sample kept.
    """

    sampleSaved = Signal(int)

    def __init__(self, store: SampleStore, recognizer_labels: Sequence[str], model_name: str,
                 parent: QWidget | None = None, characters: str = "", guide: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("PracticeDialog", "Practice"))
        self.store, self.model_name = store, model_name
        self.queue: list[str] = []
        self.position = 0
        self.saved = 0
        layout = QVBoxLayout(self)
        self._misread = self._most_misread()
        layout.addLayout(self._make_setup(characters or "".join(self._misread or list(recognizer_labels)[:SUGGESTED]),
                                          guide))
        self.target = QLabel("", self)
        font = QFont()
        font.setPixelSize(72)
        self.target.setFont(font)
        self.target.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress = QLabel("", self)
        self.progress.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.canvas = InkCanvas(self)
        self.canvas.setMinimumSize(240, 240)
        layout.addWidget(self.target)
        layout.addWidget(self.progress)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(self._make_buttons())
        self.resize(420, 640)
        if characters:
            self.start()
        else:
            self._show()

    def _most_misread(self) -> list[str]:
        try:
            return self.store.most_misread(SUGGESTED)
        except MojiyomiError:
            return []  # a suggestion is not worth an error box; saving will report the problem

    def _make_setup(self, suggested: str, guide: bool) -> QFormLayout:
        form = QFormLayout()
        self.characters = QLineEdit(suggested, self)
        self.characters.setPlaceholderText("e.g. あいう or 0123456789")
        self.characters.setToolTip(translate(
                "PracticeDialog", "The characters to practise; by default those the model misread most"))
        self.characters.returnPressed.connect(self.start)
        self.misread_button = QPushButton(translate("PracticeDialog", "Most misread"), self)
        self.misread_button.setAutoDefault(False)
        self.misread_button.setToolTip(translate("PracticeDialog", "The characters you corrected most often:") + " "
                                       + ("".join(self._misread) or translate("PracticeDialog", "none yet")))
        self.misread_button.setEnabled(bool(self._misread))
        self.misread_button.clicked.connect(lambda: self.characters.setText("".join(self._misread)))
        row = QHBoxLayout()
        row.addWidget(self.characters, 1)
        row.addWidget(self.misread_button)
        form.addRow(translate("PracticeDialog", "Characters to practise"), row)
        self.repeats = QSpinBox(self)
        self.repeats.setRange(1, 50)
        self.repeats.setValue(4)
        form.addRow(translate("PracticeDialog", "Times each"), self.repeats)
        self.guide_box = QCheckBox(translate("PracticeDialog", "Show the character faintly to write over"), self)
        self.guide_box.setToolTip(translate("PracticeDialog", "Its strokes from KanjiVG, in the writing box"))
        self.guide_box.setChecked(guide)
        self.guide_box.toggled.connect(self._show_guide)
        form.addRow(self.guide_box)
        self.start_button = QPushButton(translate("PracticeDialog", "Start"), self)
        self.start_button.setAutoDefault(False)
        self.start_button.clicked.connect(self.start)
        form.addRow(self.start_button)
        return form

    def _make_buttons(self) -> QHBoxLayout:
        buttons = QHBoxLayout()
        self.save_button = QPushButton(translate("PracticeDialog", "Save (Enter)"), self)
        self.save_button.setDefault(True)  # Enter anywhere but the characters field saves
        self.save_button.clicked.connect(self.save)
        self.skip_button = QPushButton(translate("PracticeDialog", "Skip"), self)
        self.skip_button.clicked.connect(self.skip)
        self.undo_button = QPushButton(translate("PracticeDialog", "Undo stroke"), self)
        self.undo_button.clicked.connect(self.canvas.undo)
        finish = QPushButton(translate("PracticeDialog", "Finish"), self)
        finish.clicked.connect(self.accept)
        for button in (self.save_button, self.skip_button, self.undo_button, finish):
            if button is not self.save_button:
                button.setAutoDefault(False)
            buttons.addWidget(button)
        return buttons

    def start(self) -> None:
        """Builds the queue (each chosen character, repeated) and shows the first one."""
        chars = practice_characters(self.characters.text())
        self.queue = [c for c in chars for _ in range(self.repeats.value())]
        self.position = 0
        self.saved = 0
        self.canvas.clear()
        self._show()
        if self.queue:
            self.canvas.setFocus()

    @property
    def current(self) -> str | None:
        """The character to write now, or None before Start and after the last one."""
        return self.queue[self.position] if self.position < len(self.queue) else None

    def save(self) -> None:
        """Keeps what is written as a sample of the current character, then moves on."""
        if self.current is None or self.canvas.is_empty():
            return
        try:
            sample = self.store.add(self.canvas.ink(), self.current, self.model_name)
        except MojiyomiError as exc:
            errors.show_error(self, translate("PracticeDialog", "Could not keep the sample"), exc)
            return
        self.saved += 1
        self.sampleSaved.emit(sample)
        self.skip()

    def skip(self) -> None:
        """Moves to the next character without keeping anything."""
        if self.current is not None:
            self.position += 1
        self.canvas.clear()
        self._show()

    def _show(self) -> None:
        current = self.current
        self.target.setText(current or "")
        self._show_guide()
        for button in (self.save_button, self.skip_button, self.undo_button):
            button.setEnabled(current is not None)
        if not self.queue:
            self.progress.setText(translate("PracticeDialog", "Choose characters and press Start."))
        elif current is None:
            self.progress.setText(translate(
                    "PracticeDialog", "Done: {saved} kept of {n}. Press Finish, or Start again.")
                                  .format(saved=self.saved, n=len(self.queue)))
        else:
            self.progress.setText(translate("PracticeDialog", "Write “{label}”: {i} / {n}").format(
                label=current, i=self.position + 1, n=len(self.queue)))

    def _show_guide(self) -> None:
        """The current character faintly on the canvas, when asked for and KanjiVG draws it."""
        strokes = None
        if self.guide_box.isChecked() and self.current is not None:
            try:
                strokes = strokeorder.strokes(self.current)
            except MojiyomiError:
                strokes = None  # a damaged install: practice goes on without the guide
        self.canvas.set_model_strokes(strokes)
