"""Readings and meanings of the candidate under the pointer or chosen: a dock beside the candidates.

The panel shows a kanji's on and kun readings, English meanings, stroke count, grade and JLPT
level and a few common words (KANJIDIC2 and JMdict, through ``core.dictionary``), or a kana's
reading and kind. Nothing is built or read at start-up: the dock is made the first time
View > Readings and meanings is switched on, and the kanji file is read then, off the UI thread.
"""

from __future__ import annotations

import html
import logging
import unicodedata
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QThreadPool, Signal
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMenu, QScrollArea, QVBoxLayout, QWidget

from core import dictionary
from core.dictionary import Entry, KanaEntry, KanjiEntry
from core.errors import MojiyomiError
from desktop.candidates import CandidateButton, CandidatePanel
from desktop.i18n import translate, translate_error

log = logging.getLogger(__name__)

#: QSettings key: whether the readings dock is shown.
READINGS_SETTING = "view/readings"


def _notes() -> dict[str, str]:
    """``KanaEntry.note`` texts in the interface language."""
    return {"long vowel mark": translate("ReadingsPanel", "long vowel mark"),
            "hiragana repeat mark": translate("ReadingsPanel", "hiragana repeat mark"),
            "hiragana voiced repeat mark": translate("ReadingsPanel", "hiragana voiced repeat mark"),
            "katakana repeat mark": translate("ReadingsPanel", "katakana repeat mark"),
            "katakana voiced repeat mark": translate("ReadingsPanel", "katakana voiced repeat mark"),
            "middle dot": translate("ReadingsPanel", "middle dot")}


def level_text(entry: KanjiEntry) -> str:
    """The kanji's school grade and former JLPT level in words ("" when neither is known)."""
    parts = []
    if entry.grade is not None and entry.grade <= 6:
        parts.append(translate("ReadingsPanel", "Grade {n}").format(n=entry.grade))
    elif entry.grade == 8:
        parts.append(translate("ReadingsPanel", "Jōyō kanji (secondary school)"))
    elif entry.grade in (9, 10):
        parts.append(translate("ReadingsPanel", "Jinmeiyō kanji (used in names)"))
    if entry.jlpt is not None:
        parts.append(translate("ReadingsPanel", "former JLPT level {n}").format(n=entry.jlpt))
    return " · ".join(parts)


class ReadingsPanel(QWidget):
    """One character's readings and meanings, with room below for other sections (stroke order).

    Signals:
        charShown(str): the panel now shows this character ("" for none).
    """

    charShown = Signal(str)

    def __init__(self, parent: QWidget | None = None,
                 lookup: Callable[[str], Entry | None] = dictionary.lookup) -> None:
        super().__init__(parent)
        self._lookup = lookup
        self._char: str | None = None
        layout = QVBoxLayout(self)
        self.glyph = QLabel(self)
        font = QFont(self.glyph.font())
        font.setPixelSize(72)
        self.glyph.setFont(font)
        self.glyph.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.glyph)
        self.headline = self._label(layout)
        self.headline.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.details = self._label(layout)
        self.words = self._label(layout)
        self._sections = QVBoxLayout()
        layout.addLayout(self._sections)
        layout.addStretch(1)
        self.show_char(None)

    def _label(self, layout: QVBoxLayout) -> QLabel:
        label = QLabel(self)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(label)
        return label

    def add_section(self, widget: QWidget) -> None:
        """Adds a widget below the readings (it can follow ``charShown``)."""
        self._sections.addWidget(widget)

    def char(self) -> str | None:
        """The character shown (None when empty)."""
        return self._char

    def show_char(self, char: str | None) -> None:
        """Shows what the dictionary knows of ``char`` (None or "": the empty panel's hint)."""
        char = char or None
        if char == self._char and self.glyph.text():
            return
        self._char = char
        self.glyph.setText(char or "")
        self.words.setText("")
        if char is None:
            self.headline.setText("")
            self.details.setText(translate("ReadingsPanel", "Point at a candidate or choose one to see its readings "
                                                            "and meanings."))
        else:
            try:
                entry = self._lookup(char)
            except MojiyomiError as exc:
                log.warning("kanji dictionary unreadable", exc_info=True)
                self._show_none(char, translate("ReadingsPanel", "The dictionary could not be read: {error}").format(
                    error=translate_error(exc)))
            else:
                if isinstance(entry, KanjiEntry):
                    self._show_kanji(entry)
                elif isinstance(entry, KanaEntry):
                    self._show_kana(entry)
                else:
                    self._show_none(char, translate("ReadingsPanel", "No readings for this character."))
        self.charShown.emit(char or "")

    def _show_kanji(self, entry: KanjiEntry) -> None:
        head = [translate("ReadingsPanel", "Kanji")]
        if entry.strokes is not None:
            head.append(translate("ReadingsPanel", "{n} strokes").format(n=entry.strokes))
        self.headline.setText(" · ".join(head))
        rows = [(translate("ReadingsPanel", "On"), "、".join(entry.on)),
                (translate("ReadingsPanel", "Kun"), "、".join(entry.kun)),
                (translate("ReadingsPanel", "Meanings"), ", ".join(entry.meanings))]
        lines = [f"<b>{html.escape(name)}</b>: {html.escape(value)}" for name, value in rows if value]
        level = level_text(entry)
        if level:
            lines.append(html.escape(level))
        self.details.setText("<br>".join(lines))
        if entry.words:
            words = [f"<b>{html.escape(w.text)}</b> 【{html.escape(w.reading)}】<br>&nbsp;&nbsp;{html.escape(w.gloss)}"
                     for w in entry.words]
            title = translate("ReadingsPanel", "Words")  # outside the f-string: lupdate does not read into one
            self.words.setText(f"<b>{html.escape(title)}</b><br>" + "<br>".join(words))

    def _show_kana(self, entry: KanaEntry) -> None:
        kind = translate("ReadingsPanel", "Hiragana") if entry.kind == "hiragana" else translate(
            "ReadingsPanel", "Katakana")
        head = [kind] + ([translate("ReadingsPanel", "small")] if entry.small else [])
        self.headline.setText(" · ".join(head))
        lines = []
        if entry.romaji:
            lines.append(translate("ReadingsPanel", "Reading: {romaji}").format(romaji=entry.romaji))
        if entry.note:
            lines.append(_notes().get(entry.note, entry.note))
        self.details.setText("<br>".join(html.escape(line) for line in lines))

    def _show_none(self, char: str, message: str) -> None:
        self.headline.setText(" ".join(f"U+{ord(c):04X} {unicodedata.name(c, '')}".strip() for c in char))
        self.details.setText(html.escape(message))


class ReadingsController(QObject):
    """The View menu's switch, the dock (made when first shown) and what it follows in the window.

    It follows the candidates: the first one when they appear (``follow_candidates``), the one
    under the pointer, and the one chosen (``on_chosen``); the window connects its signals to those.
    """

    def __init__(self, window: QMainWindow, menu: QMenu, candidates: CandidatePanel,
                 lookup: Callable[[str], Entry | None] = dictionary.lookup) -> None:
        super().__init__(window)
        self._window = window
        self._candidates = candidates
        self._lookup = lookup
        self.dock: QDockWidget | None = None
        self.panel: ReadingsPanel | None = None
        self._selected: str | None = None
        self._section_factories: list[Callable[[ReadingsPanel], QWidget]] = []
        self.action = QAction(translate("ReadingsPanel", "&Readings and meanings"), window)
        self.action.setCheckable(True)
        self.action.setStatusTip(translate("ReadingsPanel", "Show the readings, meanings and common words of the "
                                                            "candidate under the pointer or chosen"))
        menu.addAction(self.action)
        self.action.toggled.connect(self.set_visible)
        for button in candidates.buttons:
            button.installEventFilter(self)
        if QSettings().value(READINGS_SETTING, False, type=bool):
            self.action.setChecked(True)

    def add_section(self, factory: Callable[[ReadingsPanel], QWidget]) -> None:
        """Adds a section below the readings, made by ``factory(panel)`` when the panel is made."""
        self._section_factories.append(factory)
        if self.panel is not None:
            self.panel.add_section(factory(self.panel))

    def set_visible(self, visible: bool) -> None:
        """Shows or hides the dock (made on first showing) and remembers the choice."""
        QSettings().setValue(READINGS_SETTING, visible)
        if self.action.isChecked() != visible:
            self.action.setChecked(visible)
        if visible and self.dock is None:
            self._make_dock()
        if self.dock is not None:
            self.dock.setVisible(visible)
            if visible and self.panel is not None:
                self.panel.show_char(self._selected)

    def _make_dock(self) -> None:
        self.panel = ReadingsPanel(None, self._lookup)
        for factory in self._section_factories:
            self.panel.add_section(factory(self.panel))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.panel)
        self.dock = QDockWidget(translate("ReadingsPanel", "Readings and meanings"), self._window)
        self.dock.setObjectName("readings")
        self.dock.setWidget(scroll)
        self.dock.setMinimumWidth(180)
        self._window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.visibilityChanged.connect(self._on_dock_visibility)
        if self._lookup is dictionary.lookup:
            # The kanji file takes ~50-100 ms to read: read it now, off the UI thread.
            QThreadPool.globalInstance().start(_preload)

    def _on_dock_visibility(self, visible: bool) -> None:
        # The dock's own close button hides it; a tabbed-away dock is not visible but still on.
        if self.dock is not None and not visible and self.dock.isHidden():
            self.action.setChecked(False)

    def shown(self) -> bool:
        return self.dock is not None and not self.dock.isHidden()

    def _show(self, char: str | None) -> None:
        if self.panel is not None and self.shown():
            self.panel.show_char(char)

    def select(self, char: str | None) -> None:
        """The character the panel returns to when the pointer leaves the candidates."""
        self._selected = char
        self._show(char)

    def follow_candidates(self, _result: object = None, _ms: float = 0.0) -> None:
        """New candidates are on screen: the first one is selected (``MainWindow.candidatesShown``)."""
        shown = self._candidates.candidates()
        if shown:
            self.select(shown[0].label)

    def on_chosen(self, label: str, _rank: int = 0, _ink: object = None, _shown: object = None) -> None:
        """A candidate was chosen (``MainWindow.chosen``): it stays on show."""
        self.select(label)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Enter:
            if isinstance(watched, CandidateButton) and watched.candidate is not None:
                self._show(watched.candidate.label)
        elif event.type() == QEvent.Type.Leave:
            self._show(self._selected)
        return False


def _preload() -> None:
    """Reads the kanji file (a worker thread: no widget is touched)."""
    try:
        dictionary.bundled_dictionary().metadata()
    except MojiyomiError:
        log.warning("kanji dictionary unreadable", exc_info=True)  # the panel says so at the first lookup
