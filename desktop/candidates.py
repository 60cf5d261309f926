"""The candidate panel: the ranked answers as large buttons with their probabilities."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from core.charclass import char_kind
from core.charsets import WidthForm, display_form, lookalikes_of
from core.recognizer import Candidate
from desktop.i18n import translate
from desktop.text_form import half_width

#: How many candidates are shown.
SHOWN = 10
_COLUMNS = 5


class CandidateButton(QPushButton):
    """One candidate: the character large, its probability small beneath it."""

    def __init__(self, rank: int, parent: QWidget | None = None, width: Callable[[], WidthForm] | None = None) -> None:
        super().__init__(parent)
        self.rank = rank
        #: The key that chooses this candidate, drawn in the button's corner.
        self.key = "0" if rank == 9 else str(rank + 1)
        #: The character's kind (ひ, カ, 漢…), drawn in the other corner when a lookalike is also shown.
        self.badge = ""
        self._width = width or half_width
        self.candidate: Candidate | None = None
        self.setMinimumSize(48, 60)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.set_candidate(None)

    def set_candidate(self, candidate: Candidate | None) -> None:
        self.candidate = candidate
        self.setEnabled(candidate is not None)
        if candidate is None:
            self.setToolTip("")
            self.setAccessibleName(translate("CandidatePanel", "Candidate {i}: none").format(i=self.rank + 1))
        else:
            key = "0" if self.rank == 9 else str(self.rank + 1)
            label = self.label()
            code = " ".join(f"U+{ord(ch):04X}" for ch in label)
            self.setToolTip(translate("CandidatePanel", "{label}  {code}  {score}  (key {key})").format(
                label=label, code=code, score=f"{candidate.score:.2%}", key=key))
            self.setAccessibleName(translate("CandidatePanel", "Candidate {i}: {label}, {score}").format(
                i=self.rank + 1, label=label, score=_percent(candidate.score)))
        self.update()

    @property
    def width_form(self) -> WidthForm:
        """The form the label is drawn in (``core.charsets.display_form``), as its panel's owner says."""
        return self._width()

    def label(self) -> str:
        """The candidate's label as drawn: in the ``width_form`` ("" when empty)."""
        return display_form(self.candidate.label, self.width_form) if self.candidate is not None else ""

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)  # the button's frame in the platform style
        if self.candidate is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        area = self.rect().adjusted(4, 4, -4, -4)
        big = QFont(self.font())
        label = self.label()
        per_char = int(area.width() * 0.7 / max(1, len(label)))
        big.setPixelSize(max(14, min(96, int(area.height() * 0.5), per_char)))
        big.setBold(self.rank == 0)
        painter.setFont(big)
        painter.setPen(self.palette().color(QPalette.ColorRole.ButtonText))
        label_box = area.adjusted(0, 0, 0, -int(area.height() * 0.3))
        painter.drawText(label_box, Qt.AlignmentFlag.AlignCenter, label)
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        painter.setFont(fitted_font(self.font(), self.key, area.width()))
        painter.drawText(area, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, self.key)
        key_width = painter.fontMetrics().horizontalAdvance(self.key + " ")
        percent = _percent(self.candidate.score)
        painter.setFont(fitted_font(self.font(), percent, area.width()))  # "100.0%" was cut at the 48 px minimum
        prob_box = area.adjusted(0, area.height() - int(area.height() * 0.3), 0, 0)
        painter.drawText(prob_box, Qt.AlignmentFlag.AlignCenter, percent)
        if self.badge:
            painter.setFont(fitted_font(self.font(), self.badge, area.width() - key_width))
            painter.setPen(self.palette().color(QPalette.ColorRole.Highlight))
            painter.drawText(area, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, self.badge)
        painter.end()


def fitted_font(font: QFont, text: str, width: int, largest: int = 12, smallest: int = 7) -> QFont:
    """``font`` at ``largest`` pixels, smaller (down to ``smallest``) until ``text`` fits ``width`` pixels."""
    fitted = QFont(font)
    for size in range(largest, smallest - 1, -1):
        fitted.setPixelSize(size)
        if QFontMetrics(fitted).horizontalAdvance(text) <= width:
            break
    return fitted


def kind_badge(label: str) -> str:
    """The short mark of a character's kind: ひ, カ, 漢, or a word for digits, Latin letters and symbols."""
    kind = char_kind(label)
    marks = {"hiragana": "ひ", "katakana": "カ", "kanji": "漢", "digit": translate("CandidatePanel", "digit"),
             "latin": translate("CandidatePanel", "Latin"), "symbol": translate("CandidatePanel", "symbol")}
    return marks[kind]


def _has_twin(label: str, shown: Sequence[str]) -> bool:
    """True when another candidate on screen is written the same way (一 and ー, へ and ヘ)."""
    return any(other != label and other in lookalikes_of(label) for other in shown)


def _percent(score: float) -> str:
    if score >= 0.001:
        return f"{score:.1%}"
    return "<0.1%"


class CandidatePanel(QWidget):
    """Shows up to ten ranked candidates; clicking one emits ``chosen(rank, candidate)``.

    Args:
        parent: The Qt parent.
        width: The form labels are drawn in, asked when drawing (the window's width setting;
            by default half-width).
    """

    chosen = Signal(int, object)

    def __init__(self, parent: QWidget | None = None, width: Callable[[], WidthForm] | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.empty_hint = translate("CandidatePanel", "Write a character: candidates appear after every stroke.")
        self._hint = QLabel(self.empty_hint)
        self._hint.setWordWrap(True)
        layout.addWidget(self._hint)
        grid = QGridLayout()
        grid.setSpacing(6)
        self.buttons: list[CandidateButton] = []
        for rank in range(SHOWN):
            button = CandidateButton(rank, self, width)
            button.clicked.connect(lambda _=False, r=rank: self.choose(r))
            grid.addWidget(button, rank // _COLUMNS, rank % _COLUMNS)
            self.buttons.append(button)
        layout.addLayout(grid, 1)  # the buttons grow with the window

    def set_candidates(self, candidates: Sequence[Candidate], hint: str | None = None) -> None:
        """Shows ``candidates`` (best first); fewer than ten leave the rest empty.

        Args:
            candidates: The candidates, best first.
            hint: The line above them (by default one for a character being written).
        """
        shown = [c.label for c in candidates[:SHOWN]]
        for rank, button in enumerate(self.buttons):
            button.set_candidate(candidates[rank] if rank < len(candidates) else None)
            button.badge = kind_badge(shown[rank]) if rank < len(shown) and _has_twin(shown[rank], shown) else ""
        if hint is None:
            hint = translate(
                    "CandidatePanel", "Click the right one (or press 1-9, 0).") if candidates else self.empty_hint
        self._hint.setText(hint)

    def redraw(self) -> None:
        """Draws the candidates again (the width form changed)."""
        for button in self.buttons:
            button.set_candidate(button.candidate)

    def hint(self) -> str:
        """The line shown above the candidates."""
        return self._hint.text()

    def candidates(self) -> list[Candidate]:
        """The candidates shown, best first."""
        return [b.candidate for b in self.buttons if b.candidate is not None]

    def choose(self, rank: int) -> None:
        """Chooses the candidate at ``rank`` if there is one."""
        if 0 <= rank < SHOWN and self.buttons[rank].candidate is not None:
            self.chosen.emit(rank, self.buttons[rank].candidate)
