"""The picture view: an opened, dropped or pasted picture with a numbered box around every character.

The picture is read in the recognition worker (a ``PictureJob``; ``core.picture_edit``), line by
line with a progress bar, so a large photo never freezes the window. Then:

- a click on a box (or Left/Right) selects its character: the candidate panel shows its
  alternatives, and a pick (or 1-9, 0) replaces it in the reading; a pick that corrects what was
  read keeps the character as a picture sample, said in a notice with Undo (``desktop.picture_samples``);
- Merge (M) makes one character of the selected box and the next one on its line; Split (S)
  cuts the selected box in two where both halves read best; both are read again in the worker
  (``desktop.picture_mending``);
- Insert (Enter) puts the reading into the text line (each character keeping its
  alternatives; the text line holds one line, so a space parts the picture's lines, as
  ``mojiyomi recognize`` prints them), Copy puts it on the clipboard with its line breaks;
  Back returns to the canvas.

It is read with the View filter (``filter_name``; the decoder chooses among the characters it
allows) and the model in use, and read again when either changes, as the canvas's ink is.

Its text and candidates are in the text line's width form (Ａ or A; ``desktop.text_form``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QSplitter, QVBoxLayout, QWidget

from core.decode import Box
from core.picture import PictureLayout
from core.picture_edit import PictureChar, PictureReading
from core.recognizer import Candidate
from core.samples import SampleStore
from desktop import errors
from desktop.candidates import CandidatePanel
from desktop.i18n import translate, translate_error
from desktop.picture_bar import PictureBar, add_button
from desktop.picture_canvas import PictureCanvas
from desktop.picture_mending import merge_partner, read_as_after, selection_after
from desktop.picture_samples import PictureSamples
from desktop.recognition import PictureEdit, PictureJob, Recognition, RecognitionService
from desktop.testhooks import E2E_REPORT_ENV, write_picture_report
from desktop.textline import CharInfo, TextLine


class PictureView(QWidget):
    """A picture's characters in boxes, their candidates, and mending by hand.

    Signals:
        activeChanged(bool): the view wants to be shown (True) or gives the place back to the canvas.
        readingShown(): a reading (or a mended one) is on screen.
        sampleSaved(int): a picture sample was kept or taken back (its id): My samples shows it.
    """

    activeChanged = Signal(bool)
    readingShown = Signal()
    sampleSaved = Signal(int)

    def __init__(self, service: RecognitionService, text_line: TextLine, filter_name: Callable[[], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.text_line = text_line
        self._filter_name = filter_name
        self.reading: PictureReading | None = None
        self.grey: np.ndarray | None = None
        self.source = ""
        self._request: int | None = None
        self._asked: set[int] = set()
        self._waiting: list[tuple[str, np.ndarray | None]] = []
        self._selected = -1
        self._read_as: dict[Box, str] = {}  # what the recognizer read in each box (a pick is a correction)
        self.samples = PictureSamples(self)
        self.samples.sampleSaved.connect(self.sampleSaved)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # its keys (M, S, Enter, 1-9) work once it is shown
        self._build()
        service.recognized.connect(self._on_recognized)
        service.failed.connect(self._on_failed)
        service.progress.connect(self._on_progress)

    # -- building ---------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.bar = PictureBar(self, layout_chosen=self.read_again, merge=self.merge, split=self.split,
                              open_next=self.open_next, back=self.close_picture)
        # The bar's widgets under the names the window and the tests know.
        self.title, self.layout_box = self.bar.title, self.bar.layout_box
        self.merge_button, self.split_button = self.bar.merge_button, self.bar.split_button
        self.next_button, self.back_button = self.bar.next_button, self.bar.back_button
        outer.addWidget(self.bar)
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(True)
        self.progress.hide()
        outer.addWidget(self.progress)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.canvas = PictureCanvas(splitter)
        self.canvas.boxClicked.connect(self.select)
        right = QWidget(splitter)
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        self.text_label = QLabel(right)
        font = QFont(self.text_label.font())
        font.setPixelSize(24)
        self.text_label.setFont(font)
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text_label.setAccessibleName(translate("PictureView", "The text read from the picture"))
        column.addWidget(self.text_label)
        row = QHBoxLayout()
        self.insert_button = add_button(self, row, translate("PictureView", "Insert"), translate(
            "PictureView", "Insert the text read into the text line (Enter)"), self.insert)
        self.copy_button = add_button(self, row, translate("PictureView", "Copy text"), translate(
            "PictureView", "Copy the text read from the picture"), self.copy)
        row.addStretch(1)
        column.addLayout(row)
        self.candidates = CandidatePanel(right, lambda: self.text_line.width_form)
        self.candidates.empty_hint = translate("PictureView", "Click a box to see its character's candidates.")
        self.candidates.set_candidates([])
        self.candidates.chosen.connect(self.pick)
        column.addWidget(self.candidates, 1)
        splitter.addWidget(self.canvas)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 4)  # room goes to the picture first
        splitter.setStretchFactor(1, 1)
        outer.addWidget(splitter, 1)
        self.notice = self.samples.notice
        outer.addWidget(self.notice)
        for key, slot in [("M", self.merge), ("S", self.split), ("Return", self.insert), ("Enter", self.insert),
                          ("Left", lambda: self.select(max(0, self._selected - 1))),
                          ("Right", lambda: self.select(self._selected + 1))] + \
                [(str((rank + 1) % 10), lambda r=rank: self.candidates.choose(r)) for rank in range(10)]:
            shortcut = QShortcut(QKeySequence(key), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._update_controls()

    @property
    def store(self) -> Callable[[], SampleStore | None]:
        """Gives the samples database picks are kept in (the window hands in the training UI's)."""
        return self.samples.store

    @store.setter
    def store(self, store: Callable[[], SampleStore | None]) -> None:
        self.samples.store = store

    # -- opening and reading ----------------------------------------------------------------------

    def open_path(self, path: str) -> None:
        """Reads a picture file (after the one being read, if any: Next picture)."""
        self._open(path, None)

    def open_grey(self, grey: np.ndarray, source: str = "picture") -> None:
        """Reads a pasted or dropped picture (uint8 grey)."""
        self._open(source, grey)

    def _open(self, source: str, grey: np.ndarray | None) -> None:
        if self._request is not None:
            self._waiting.append((source, grey))
            self._update_controls()
            return
        self._start(source, grey)

    def _start(self, source: str, grey: np.ndarray | None) -> None:
        self.service.cancel_pictures()
        self.source, self.grey, self.reading = source, grey, None
        self._read_as, self._selected = {}, -1
        self.samples.new_picture()
        self.canvas.set_picture(grey)
        self._show_reading()
        name = Path(source).name if source != "picture" else translate("PictureView", "Pasted picture")
        self.title.setText(name)
        self._ask(PictureJob(source, grey, self.picture_layout(), True))
        self.progress.setRange(0, 0)  # busy until the first line is counted
        self.progress.setFormat(translate("PictureView", "Finding the characters…"))
        self.progress.show()
        self.activeChanged.emit(True)

    def picture_layout(self) -> PictureLayout:
        """The layout chosen in the layout box."""
        return self.bar.picture_layout()

    def set_layout(self, layout: PictureLayout) -> None:
        """Chooses a layout and reads the picture again with it."""
        self.bar.choose_layout(layout)
        self.read_again()

    def read_again(self) -> None:
        """Reads the shown picture again (another layout); picks made in it are lost."""
        if self.grey is not None and self._request is None:
            self._start(self.source, self.grey)

    def filter_changed(self) -> None:
        """Reads the open picture again with the View filter just chosen, as the canvas's ink is.

        A reading under way stops and starts over (it used the old filter); picks made are lost.
        """
        if self.grey is not None or self._request is not None:
            self._start(self.source, self.grey)

    def model_changed(self) -> None:
        """Reads the open picture again with the model just loaded, as the canvas's ink is.

        The worker does one thing at a time, in order: a reading shown, or a merge or split under
        way (it mends a reading of the old model), was the old model's, and starts over; a reading
        under way when the model is ready was asked for after the load and uses the new model, so
        it goes on (a picture opened with the app is not read twice). Picks made are lost; the
        samples they kept stay kept.
        """
        if self.grey is not None and (self._request is None or self.reading is not None):
            self._start(self.source, self.grey)

    def open_next(self) -> None:
        """Reads the next picture opened, if any."""
        if self._waiting and self._request is None:
            self._start(*self._waiting.pop(0))

    def close_picture(self) -> None:
        """Gives the place back to the canvas; the pictures still waiting are dropped."""
        self.service.cancel_pictures()
        self._request, self._waiting = None, []
        self.reading, self.grey = None, None
        self.canvas.set_picture(None)
        self.progress.hide()
        self._show_reading()
        self.activeChanged.emit(False)

    def owns(self, request: int) -> bool:
        """True for a request this view made (the window leaves its answers to the view)."""
        return request in self._asked

    def busy(self) -> bool:
        """True while a picture is read or a box mended."""
        return self._request is not None

    def _ask(self, item: PictureJob | PictureEdit) -> None:
        self._request = self.service.request(item, self._filter_name())
        self._asked.add(self._request)
        self._update_controls()

    @Slot(int, int, int)
    def _on_progress(self, request: int, done: int, total: int) -> None:
        if request != self._request:
            return
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(translate("PictureView", "Reading line {done} of {total}…").format(
            done=min(done + 1, total), total=total))

    @Slot(object)
    def _on_recognized(self, result: Recognition) -> None:
        if result.request != self._request or result.picture is None:
            return
        self._request = None
        self.progress.hide()
        before = self.reading.chars if self.reading is not None else None
        self.reading = result.picture
        self._read_as = read_as_after(before, self.reading.chars, self._read_as)
        if result.grey is not None:
            self.grey = result.grey
            self.canvas.set_picture(result.grey)
        self._selected = selection_after(before, self.reading.chars, self._selected)
        self._show_reading()
        self.readingShown.emit()

    @Slot(int, str, str)
    def _on_failed(self, request: int, source: str, message: str) -> None:
        if request != self._request:
            return
        self._request = None
        self.progress.hide()
        self._update_controls()
        if not message:
            return  # cancelled: a newer picture is on its way
        if source == "picture" or self.reading is not None:
            title = translate("PictureView", "Could not read the picture")
        else:
            title = translate("PictureView", "Could not read {name}").format(name=Path(source).name)
        if self.reading is None and self.grey is None:
            self.close_picture()  # the file could not be read: back to the canvas, nothing lost
        elif self.reading is None:
            self.text_label.setText(translate_error(message))  # the picture stays in view, saying why nothing is boxed
        errors.show_error(self, title, message)

    # -- showing and choosing ---------------------------------------------------------------------

    def labels(self) -> list[str]:
        """The characters read, in reading order."""
        return [c.label for c in self._chars()]

    def _chars(self) -> tuple[PictureChar, ...]:
        return self.reading.chars if self.reading is not None else ()

    def text(self) -> str:
        """The text read (a line break between lines), in the text line's width form."""
        return self.text_line.shown(self.reading.text) if self.reading is not None else ""

    def redraw(self) -> None:
        """Shows the text and candidates again (the text line's width form, which Insert follows, changed)."""
        self._show_reading()

    def selected(self) -> int:
        """The index of the selected character (-1: none)."""
        return self._selected

    def select(self, index: int) -> None:
        """Selects the character at ``index`` and shows its candidates (-1: none)."""
        count = len(self.labels())
        self._selected = index if 0 <= index < count else (-1 if index < 0 else self._selected)
        self._show_reading()

    def _show_reading(self) -> None:
        chars = self._chars()
        self.canvas.set_boxes([c.box for c in chars], self._selected)
        self.text_label.setText(self.text())
        if 0 <= self._selected < len(chars):
            char = chars[self._selected]
            self.candidates.set_candidates(char.candidates, translate(
                "PictureView", "Character {i} of {n}: {label}. Click the right one (or press 1-9, 0).").format(
                    i=self._selected + 1, n=len(chars), label=self.text_line.shown(char.label)))
        else:
            self.candidates.set_candidates([])
        self._update_controls()
        self._report()

    def _update_controls(self) -> None:
        chars = self._chars()
        idle = self._request is None
        index = self._selected
        chosen = 0 <= index < len(chars)
        self.bar.set_state(idle, chosen and merge_partner(chars, index) is not None, chosen, self.grey is not None,
                           len(self._waiting))
        self.insert_button.setEnabled(idle and bool(chars))
        self.copy_button.setEnabled(idle and bool(chars))

    @Slot(int, object)
    def pick(self, rank: int, candidate: Candidate) -> None:
        """Replaces the selected character with ``candidate``; a correction is kept as a sample."""
        if self.reading is None or not 0 <= self._selected < len(self.reading.chars) or self._request is not None:
            return
        reading, box = self.reading, self.reading.chars[self._selected].box
        self.reading = self.reading.with_label(self._selected, candidate.label)
        self.samples.keep(reading, self._selected, candidate.label, self._read_as.get(box, candidate.label),
                          self.service.bundle, self.source)
        if self._selected + 1 < len(self.reading.chars):
            self._selected += 1  # on to the next character, as reading on does
        self._show_reading()

    def kept_samples(self) -> list[int]:
        """The ids of the picture samples kept (and not undone) since the app started."""
        return self.samples.kept()

    # -- mending the cuts ---------------------------------------------------------------------------

    def merge(self) -> None:
        """Makes one character of the selected box and its neighbour; it is read again in the worker."""
        if self.reading is None or self._request is not None or self._selected < 0:
            return
        first = merge_partner(self.reading.chars, self._selected)
        if first is not None:
            self._ask(PictureEdit(self.reading, "merge", first))

    def split(self) -> None:
        """Cuts the selected box in two; both halves are read in the worker."""
        if self.reading is not None and self._request is None and 0 <= self._selected < len(self.reading.chars):
            self._ask(PictureEdit(self.reading, "split", self._selected))

    def _report(self) -> None:
        """What the view shows, for end-to-end tests (``desktop.testhooks``; nothing unless asked for)."""
        if not os.environ.get(E2E_REPORT_ENV):
            return
        boxes = []
        for index in range(len(self.canvas.boxes)):
            rect = self.canvas.box_rect(index).toAlignedRect()
            corner = self.canvas.mapToGlobal(rect.topLeft())
            boxes.append([corner.x(), corner.y(), rect.width(), rect.height()])
        write_picture_report(boxes, self.labels(), self._selected, self.busy(), self.text_line.edit.text())

    # -- the text -------------------------------------------------------------------------------------

    def insert(self) -> None:
        """Inserts the reading into the text line, each character keeping its alternatives.

        The text line holds one line, so the picture's lines are parted by a space: the lines of
        an address or a list stay apart (where a sentence only wrapped, one space is quick to
        delete; characters run together are not quick to part). Copy keeps the line breaks.
        """
        if self.reading is None or self._request is not None:
            return
        items: list[CharInfo | str] = []
        for index, c in enumerate(self.reading.chars):
            if index and c.line != self.reading.chars[index - 1].line:
                items.append(" ")
            items.append(CharInfo(c.label, c.candidates, None, self._read_as.get(c.box, c.label), None))
        self.text_line.insert_chars(items)
        self._report()

    def copy(self) -> None:
        """Puts the text read on the clipboard."""
        if self.reading is not None:
            QGuiApplication.clipboard().setText(self.text())
