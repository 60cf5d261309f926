"""Writing several characters at once, and correcting written characters in the text line.

The ``WritingController`` decides what the candidate panel shows and what a pick does:

- In one-character mode the window recognizes the ink alone, as it always did.
- In several-character mode every stroke asks for a reading of the whole ink (an
  ``InkLine``, read by ``core.decode`` in the worker). The ``ReadingBar`` (reading_bar.py) shows the reading,
  one button per character; the panel shows the selected character's alternatives, and a
  pick replaces that character (it stays picked while more strokes are written). Insert,
  Enter or a pause (off unless set) appends the reading to the text line.
- A click on a written character of the text line shows its alternatives; a pick (or a
  digit key) replaces it there.

Picks that correct what was read are kept as samples of the character's own strokes (visibly,
with Undo; ``keep_sample``); a later pick for the same writing replaces its sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import QMenu

from core.decode import Layout, Reading
from core.ink import Ink
from core.recognizer import Candidate
from desktop.i18n import translate
from desktop.menus import check_choice, choice_group
from desktop.protocols import AppWindow
from desktop.recognition import InkLine, Recognition, common_prefix
from desktop.testhooks import write_e2e_report
from desktop.textline import CharInfo, with_first


#: The writing modes, with their titles in the View menu.
MODE_TITLES = {"single": QT_TRANSLATE_NOOP("WritingController", "One character"),
               "horizontal": QT_TRANSLATE_NOOP("WritingController", "Several characters, left to right"),
               "vertical": QT_TRANSLATE_NOOP("WritingController", "Several characters, top to bottom")}
#: Pauses after which a reading is inserted by itself (0: only on Insert or Enter), in ms.
PAUSES_MS = (0, 800, 1200, 2000, 3000)
#: QSettings keys.
MODE_KEY, LM_KEY, PAUSE_KEY = "writing/mode", "writing/language_model", "writing/pause_ms"


@dataclass
class WritingPrefs:
    """The user's writing settings (kept in QSettings).

    Attributes:
        mode: A key of ``MODE_TITLES``.
        use_lm: Whether the language model helps read several characters.
        pause_ms: Inserts a reading after this long without a new stroke (0: never).
    """

    mode: str = "single"
    use_lm: bool = True
    pause_ms: int = 0

    @classmethod
    def load(cls) -> WritingPrefs:
        """The saved settings; unknown or damaged values fall back to the defaults."""
        settings = QSettings()
        mode = str(settings.value(MODE_KEY, "single"))
        use_lm = str(settings.value(LM_KEY, "true")).lower() not in ("false", "0")
        try:
            pause = int(str(settings.value(PAUSE_KEY, 0)))
        except ValueError:
            pause = 0
        return cls(mode if mode in MODE_TITLES else "single", use_lm, pause if pause in PAUSES_MS else 0)

    def save(self) -> None:
        """Keeps the settings for the next start."""
        settings = QSettings()
        settings.setValue(MODE_KEY, self.mode)
        settings.setValue(LM_KEY, "true" if self.use_lm else "false")
        settings.setValue(PAUSE_KEY, self.pause_ms)


class WritingController(QObject):
    """The writing mode, the reading of the canvas, and corrections in the text line."""

    def __init__(self, window: AppWindow) -> None:
        super().__init__(window)
        self.window = window
        self.prefs = WritingPrefs.load()
        self.reading: Reading | None = None
        self._ink: Ink | None = None
        self._labels: list[str] = []
        self._selected = -1
        self._picked: dict[tuple[int, ...], str] = {}
        self._kept: dict[tuple[int, ...], int] = {}
        self._strokes: tuple = ()
        self._correcting: int | None = None
        self.mode_actions: QActionGroup | None = None
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.timeout.connect(self.commit)
        window.reading_bar.selected.connect(self.select)
        window.reading_bar.commitRequested.connect(self.commit)
        window.canvas.strokeStarted.connect(self._pause.stop)
        edit = window.text_line.edit
        edit.charClicked.connect(self.show_correction)
        edit.digitPressed.connect(lambda digit: window.candidates.choose((digit - 1) % 10))
        edit.escaped.connect(self.end_correction)
        edit.returnPressed.connect(self.commit)
        window.text_line.edited.connect(self.end_correction)
        self._add_keys(window)
        self._apply_mode()

    def _add_keys(self, window: AppWindow) -> None:
        """On the canvas: 1-9, 0 pick a candidate, Enter inserts the reading."""
        keys = [(str((rank + 1) % 10), lambda r=rank: window.candidates.choose(r)) for rank in range(10)]
        for key, slot in keys + [("Return", self.commit), ("Enter", self.commit)]:
            shortcut = QShortcut(QKeySequence(key), window.canvas, context=Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)

    # -- the View menu ---------------------------------------------------------------------------

    def populate_view_menu(self, menu: QMenu) -> None:
        """Adds the writing modes, the language-model switch and the pause that inserts."""
        titles = {mode: translate("WritingController", str(title)) for mode, title in MODE_TITLES.items()}
        self.mode_actions = choice_group(menu, titles, self.prefs.mode, self.set_mode, self)
        self.lm_action = menu.addAction(translate("WritingController", "Use the &language model"))
        self.lm_action.setCheckable(True)
        self.lm_action.setChecked(self.prefs.use_lm)
        self.lm_action.setStatusTip(translate("WritingController",
                                              "Read several characters with the text around them (二月, not ニ月)"))
        self.lm_action.toggled.connect(self.set_use_lm)
        pause = menu.addMenu(translate("WritingController", "Insert after a &pause"))
        pauses = {ms: translate("WritingController", "Off (Insert or Enter)") if ms == 0 else
                  translate("WritingController", "{s} s without writing").format(s=f"{ms / 1000:g}")
                  for ms in PAUSES_MS}
        self.pause_actions = choice_group(pause, pauses, self.prefs.pause_ms, self.set_pause, self)

    def set_mode(self, mode: str) -> None:
        """One character, or several along a line (``horizontal``) or a column (``vertical``)."""
        if mode not in MODE_TITLES:
            raise ValueError(f"Unknown writing mode. Received: mode={mode!r}, expected one of {list(MODE_TITLES)}")
        self.prefs.mode = mode
        self.prefs.save()
        check_choice(self.mode_actions, mode)
        self._apply_mode()
        self._show_reading(None)
        self.window.recognize_canvas()

    def set_use_lm(self, on: bool) -> None:
        """Turns the language model on or off (several-character mode)."""
        self.prefs.use_lm = bool(on)
        self.prefs.save()
        if self.several:
            self.window.recognize_canvas()

    def set_pause(self, ms: int) -> None:
        """Inserts a reading after ``ms`` without a new stroke (0: only on Insert or Enter)."""
        if ms not in PAUSES_MS:
            raise ValueError(f"Unknown pause. Received: ms={ms}, expected one of {PAUSES_MS}")
        self.prefs.pause_ms = ms
        self.prefs.save()

    @property
    def several(self) -> bool:
        """True in a several-character mode."""
        return self.prefs.mode != "single"

    def _apply_mode(self) -> None:
        self.window.canvas.set_guide("box" if not self.several else self.prefs.mode)
        self.window.reading_bar.setVisible(self.several)
        if self.several:
            hint = translate("WritingController", "Write a word or a phrase: its reading appears after every stroke.")
        else:
            hint = translate("WritingController", "Write a character: candidates appear after every stroke.")
        self.window.candidates.empty_hint = hint

    # -- reading the canvas ----------------------------------------------------------------------

    def item(self, ink: Ink) -> Ink | InkLine:
        """What to ask the recognition service for the canvas's ink."""
        if not self.several:
            return ink
        layout: Layout = "vertical" if self.prefs.mode == "vertical" else "horizontal"
        return InkLine(ink, layout, self.window.text_line.context(), self.prefs.use_lm)

    def ink_changed(self, ink: Ink) -> None:
        """The canvas changed: a pending pause stops, picks of strokes that changed are forgotten."""
        self._pause.stop()
        if not ink.is_empty:
            self.end_correction()
        same = common_prefix(self._strokes, ink.strokes)
        self._picked = {members: label for members, label in self._picked.items() if max(members) < same}
        self._kept = {members: sample for members, sample in self._kept.items() if max(members) < same}
        self._strokes = ink.strokes
        if ink.is_empty:
            self._show_reading(None)

    def show(self, result: Recognition) -> None:
        """Shows a reading of the canvas, the characters picked by hand kept."""
        reading = result.reading
        assert reading is not None
        self._ink = result.ink
        self.reading = reading
        self._labels = [self._picked.get(c.members, c.label) for c in reading.chars]
        self._selected = len(self._labels) - 1
        self._refresh()
        if self.prefs.pause_ms:
            self._pause.start(self.prefs.pause_ms)

    def _show_reading(self, reading: Reading | None) -> None:
        self.reading = reading
        self._labels, self._selected = [], -1
        self._refresh()

    def text(self) -> str:
        """The reading shown, with the characters picked by hand, in the width form in use: the text
        Enter inserts (the reading bar shows it; the class labels would be ASCII where it shows Ａ１)."""
        shown = self.window.text_line.shown
        return "".join(shown(label) for label in self._labels)

    def select(self, index: int) -> None:
        """Shows the alternatives of the reading's character at ``index``."""
        if 0 <= index < len(self._labels):
            self._selected = index
            self._refresh()

    def selected(self) -> int:
        """The index of the character whose alternatives are shown (-1: none)."""
        return self._selected

    def candidates_of(self, index: int) -> tuple[Candidate, ...]:
        """The alternatives of the reading's character at ``index``, the one shown first."""
        assert self.reading is not None
        return with_first(self.reading.chars[index].candidates, self._labels[index])

    def refresh(self) -> None:
        """Shows the reading again, if one is shown (the width form of the text changed)."""
        if self.reading is not None:
            self._refresh()

    def _refresh(self) -> None:
        shown = self.window.text_line.shown
        self.window.reading_bar.set_reading([shown(label) for label in self._labels], self._selected)
        boxes = [c.box for c in self.reading.chars] if self.reading is not None else []
        self.window.canvas.set_marks(boxes, self._selected)
        panel = self.window.candidates
        if self.reading is None or self._selected < 0:
            if self._correcting is None:
                panel.set_candidates([])
            return
        panel.set_candidates(self.candidates_of(self._selected), translate(
            "WritingController", "Alternatives for {label} (character {i} of {n}). Enter inserts the text.").format(
                label=shown(self._labels[self._selected]), i=self._selected + 1, n=len(self._labels)))

    def _char_ink(self, index: int) -> Ink | None:
        if self._ink is None or self.reading is None:
            return None
        members = self.reading.chars[index].members
        return Ink(tuple(self._ink.strokes[i] for i in members), self._ink.width, self._ink.height)

    # -- picks and commits -------------------------------------------------------------------------

    def pick(self, rank: int, candidate: Candidate) -> bool:
        """A candidate was clicked: replaces the character it belongs to. False when it is the canvas's own."""
        if self._correcting is not None:
            self._correct(rank, candidate)
            return True
        if not self.several or self.reading is None or self._selected < 0:
            return False
        index = self._selected
        char = self.reading.chars[index]
        self._labels[index] = candidate.label
        self._picked[char.members] = candidate.label
        self._refresh()
        sample = self.keep_sample(self._kept.pop(char.members, None), candidate.label, self._char_ink(index),
                                  char.candidates, char.label)
        if sample is not None:
            self._kept[char.members] = sample
        return True

    def keep_sample(self, earlier: int | None, label: str, ink: Ink | None, shown: Sequence[Candidate],
                    original: str) -> int | None:
        """Keeps ``ink`` as a sample of ``label`` when that corrects what was read (visibly, with Undo).

        Args:
            earlier: A sample kept of an earlier pick for the same writing: it is removed.
            label: The label picked.
            ink: The character's own strokes (None: nothing to keep).
            shown: Its candidates.
            original: What the recognizer read; picking it again keeps nothing.

        Returns:
            The id of the sample kept, or None.
        """
        training = self.window.training
        if training is None:
            return None
        if earlier is not None:
            training.forget_sample(earlier, quiet=True)
        if ink is None or label == original:
            return None
        ranked = list(with_first(shown, original))
        rank = next((i for i, c in enumerate(ranked) if c.label == label), len(ranked))
        return training.record_choice(label, rank, ink, ranked)

    def commit(self) -> bool:
        """Appends the reading to the text line (each character keeping its alternatives) and clears the canvas."""
        self._pause.stop()
        if not self.several or self.reading is None or not self._labels:
            return False
        infos = [CharInfo(label, self.candidates_of(i), self._char_ink(i), c.label, self._kept.get(c.members))
                 for i, (label, c) in enumerate(zip(self._labels, self.reading.chars))]
        text = self.text()
        self.window.text_line.insert_chars(infos)
        self.window.canvas.clear()
        self._show_reading(None)
        self.window.status_message(translate("WritingController", "Inserted {text}").format(text=text), 3000)
        write_e2e_report(self.window, None, 0.0)
        return True

    # -- corrections in the text line --------------------------------------------------------------

    def show_correction(self, index: int) -> None:
        """Shows the alternatives of the text line's character at ``index`` (a click on it; -1: beside the text)."""
        if not self.window.canvas.is_empty():
            return  # the panel belongs to the writing on the canvas
        found = self.window.text_line.info(index) if index >= 0 else None
        if index < 0:
            self.end_correction()
            return
        if found is None:
            self.end_correction()
            self.window.status_message(translate(
                    "WritingController", "That character was typed: there are no alternatives to show."), 3000)
            return
        start, info = found
        self._correcting = start
        self.window.text_line.edit.digits_pick = True
        self.window.candidates.set_candidates(
            info.candidates, translate("WritingController", "Alternatives for {label} in the text: click one or "
                                       "press 1-9, 0 (Esc to type digits).").format(label=info.text))

    def correcting(self) -> int | None:
        """The index in the text line whose alternatives are shown (None: none)."""
        return self._correcting

    def end_correction(self) -> None:
        """The panel stops showing a text-line character's alternatives."""
        if self._correcting is None:
            return
        self._correcting = None
        self.window.text_line.edit.digits_pick = False
        if self.window.canvas.is_empty():
            self.window.candidates.set_candidates([])

    def _correct(self, rank: int, candidate: Candidate) -> None:
        start = self._correcting
        assert start is not None
        line = self.window.text_line
        found = line.info(start)
        if found is None:
            self.end_correction()
            return
        info = found[1]
        sample = self.keep_sample(info.sample_id, candidate.label, info.ink, info.candidates,
                                  info.original or info.label)
        line.replace_char(start, candidate.label, sample)
        self.end_correction()
        self.window.status_message(translate("WritingController", "Replaced {old} with {new}").format(
            old=info.text, new=line.shown(candidate.label)), 3000)

        write_e2e_report(self.window, None, 0.0)
