"""How to write it: a character's strokes from KanjiVG, drawn one after another, with a Practise button."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QElapsedTimer, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (QColor, QFont, QHideEvent, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPalette, QPen,
                           QShowEvent)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from core import strokeorder
from core.errors import MojiyomiError
from core.strokeorder import CharStrokes
from desktop.canvas import faint
from desktop.i18n import translate
from desktop.readings_panel import ReadingsPanel

log = logging.getLogger(__name__)

#: How fast the pen moves, in character boxes per second (a long stroke takes about half a second).
SPEED = 1.2
#: The pause before each stroke, in ms: long enough to see where the next one starts.
PAUSE_MS = 250
#: Timer tick, in ms (about 30 frames a second: smooth, and cheap on a busy machine).
TICK_MS = 33
#: The stroke being written: a red that reads on light and dark paper.
_DRAWING = QColor("#d9463b")


class StrokeAnimation(QWidget):
    """Draws a character's strokes in order, each one progressively, earlier ones kept.

    Strokes still to come are shown faintly, the one being written in colour with its number.
    A click replays. The timer runs only while the widget is visible and a stroke is left.

    Signals:
        finished(): the last stroke is drawn.
    """

    finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(110, 110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.speed = SPEED
        self.pause_ms = PAUSE_MS
        self._char: CharStrokes | None = None
        self._lengths: list[float] = []
        self._elapsed = 0.0
        self._announced = False
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    def sizeHint(self) -> QSize:
        return QSize(180, 180)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def set_strokes(self, char: CharStrokes | None) -> None:
        """Shows ``char`` from its first stroke (None: nothing)."""
        self._char = char
        self._lengths = [float(np.hypot(*np.diff(s, axis=0).T).sum()) if len(s) > 1 else 0.0
                         for s in (char.strokes if char else ())]
        self.replay()

    def strokes(self) -> CharStrokes | None:
        """The character drawn (None: nothing)."""
        return self._char

    def replay(self) -> None:
        """Starts again from the first stroke."""
        self._elapsed = 0.0
        self._announced = False
        self._clock.start()
        self._run()
        self.update()

    def show_all(self) -> None:
        """Jumps to the end: every stroke drawn."""
        self.advance(self.duration_ms())

    def duration_ms(self) -> float:
        """How long the whole animation takes at the current speed."""
        return sum(self.pause_ms + 1000.0 * length / self.speed for length in self._lengths)

    def is_running(self) -> bool:
        """True while the timer is drawing strokes."""
        return self._timer.isActive()

    def is_finished(self) -> bool:
        """True when every stroke is drawn (or there is nothing to draw)."""
        return self._elapsed >= self.duration_ms()

    def progress(self) -> tuple[int, float]:
        """The stroke being written (0-based; the stroke count once finished) and the fraction of it drawn."""
        if self.is_finished():
            return len(self._lengths), 0.0
        left = self._elapsed
        for index, length in enumerate(self._lengths):
            left -= self.pause_ms
            writing = 1000.0 * length / self.speed
            if left < writing:
                return index, max(0.0, left / writing) if writing > 0 else 0.0
            left -= writing
        return len(self._lengths), 0.0

    def advance(self, ms: float) -> None:
        """Moves the animation on by ``ms`` (the timer calls this with the time since the last tick)."""
        self._elapsed = min(self._elapsed + ms, self.duration_ms())
        self.update()
        if self.is_finished():
            self._timer.stop()
            if not self._announced:
                self._announced = True
                self.finished.emit()

    def _tick(self) -> None:
        self.advance(float(self._clock.restart()))

    def _run(self) -> None:
        if self.isVisible() and not self.is_finished():
            self._clock.start()
            self._timer.start()
        else:
            self._timer.stop()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._run()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.replay()

    # -- painting ---------------------------------------------------------------------------

    def box(self) -> QRectF:
        """The square the character is drawn in (KanjiVG's 109 box), in widget pixels."""
        side = max(1.0, min(self.width(), self.height()) - 8.0)
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box, palette = self.box(), self.palette()  # paper and ink as the writing canvas's: the theme's
        painter.fillRect(box, palette.color(QPalette.ColorRole.Base))
        painter.setPen(QPen(faint(palette, 0.12), 1.0, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(box.center().x(), box.top()), QPointF(box.center().x(), box.bottom()))
        painter.drawLine(QPointF(box.left(), box.center().y()), QPointF(box.right(), box.center().y()))
        painter.setPen(QPen(faint(palette, 0.2), 1.0))
        painter.drawRect(box)
        if self._char is not None:
            self._paint_strokes(painter, box)
        painter.end()

    def _paint_strokes(self, painter: QPainter, box: QRectF) -> None:
        assert self._char is not None
        current, fraction = self.progress()
        width = max(2.0, box.width() * 3.2 / 109.0)
        strokes, palette = self._char.strokes, self.palette()
        for stroke in strokes[current:]:  # the strokes to come, faint and under the written ones
            _draw(painter, box, stroke, faint(palette, 0.1), width)
        for stroke in strokes[:current]:
            _draw(painter, box, stroke, palette.color(QPalette.ColorRole.Text), width)
        if current < len(strokes):
            _draw(painter, box, _head(strokes[current], fraction), _DRAWING, width)
        font = QFont(self.font())
        font.setPixelSize(max(9, round(box.width() * 9 / 109.0)))
        painter.setFont(font)
        for index, (x, y) in enumerate(self._char.numbers[:current + 1]):
            if index < len(self._char.strokes):
                painter.setPen(_DRAWING if index == current else faint(palette, 0.5))
                painter.drawText(QPointF(box.left() + x * box.width(), box.top() + y * box.height()), str(index + 1))


def _head(stroke: np.ndarray, fraction: float) -> np.ndarray:
    """The first ``fraction`` of a stroke's length (at least its first point)."""
    if len(stroke) < 2 or fraction <= 0.0:
        return stroke[:1]
    travelled = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(stroke, axis=0).T))])
    reach = fraction * travelled[-1]
    last = int(np.searchsorted(travelled, reach, side="right"))
    if last >= len(stroke):
        return stroke
    span = travelled[last] - travelled[last - 1]
    t = (reach - travelled[last - 1]) / span if span > 0 else 0.0
    tip = stroke[last - 1] + t * (stroke[last] - stroke[last - 1])
    return np.vstack([stroke[:last], tip])


def _draw(painter: QPainter, box: QRectF, stroke: np.ndarray, colour: QColor, width: float) -> None:
    """A stroke (unit-box points) as a smooth curve in ``box``; a single point as a dot."""
    points = [QPointF(box.left() + x * box.width(), box.top() + y * box.height()) for x, y in stroke]
    painter.setPen(QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    if len(points) == 1:
        painter.drawPoint(points[0])
        return
    path = QPainterPath(points[0])
    for i in range(1, len(points) - 1):  # through the midpoints: the 1/255 grid's steps do not show
        path.quadTo(points[i], (points[i] + points[i + 1]) / 2)
    path.lineTo(points[-1])
    painter.drawPath(path)


class StrokeOrderView(QWidget):
    """"How to write it": the selected character's stroke order, Replay, and Practise.

    Signals:
        practiseRequested(str): the user wants to practise this character on the canvas.
    """

    practiseRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("", self)
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.animation = StrokeAnimation(self)
        self.animation.setToolTip(translate("StrokeOrderView", "Click to watch it again"))
        layout.addWidget(self.animation, 1)
        buttons = QHBoxLayout()
        self.replay_button = QPushButton(translate("StrokeOrderView", "Replay"), self)
        self.replay_button.setToolTip(translate("StrokeOrderView", "Draw the strokes again, one by one"))
        self.replay_button.clicked.connect(self.animation.replay)
        self.practise_button = QPushButton(translate("StrokeOrderView", "Practise"), self)
        self.practise_button.setToolTip(translate(
                "StrokeOrderView", "Write this character in Practice, with its strokes faintly under the pen"))
        self.practise_button.clicked.connect(self._practise)
        for button in (self.replay_button, self.practise_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the canvas
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.source = QLabel(translate("StrokeOrderView", "Stroke order: KanjiVG (CC BY-SA 3.0)"), self)
        self.source.setStyleSheet("color: palette(placeholder-text); font-size: 10px;")
        layout.addWidget(self.source)
        self._label: str | None = None
        self.set_character(None)

    def character(self) -> str | None:
        """The character shown (None when none, or KanjiVG does not draw it)."""
        return self._label if self.animation.strokes() is not None else None

    def set_character(self, label: str | None) -> None:
        """Shows how ``label`` is written, from its first stroke; a label without strokes says so."""
        if label == self._label and self.animation.strokes() is not None:
            return  # the same candidate selected again: let a running animation go on
        self._label = label
        found = self._lookup(label) if label else None
        self.animation.set_strokes(found)
        if found is not None:
            self.title.setText(translate("StrokeOrderView", "How to write {char}: {n} strokes").format(
                char=label, n=len(found.strokes)))
        elif label:
            self.title.setText(translate("StrokeOrderView", "No stroke order for {char}").format(char=label))
        else:
            self.title.setText(translate("StrokeOrderView", "Select a candidate to see how it is written."))
        self.replay_button.setEnabled(found is not None)
        self.practise_button.setEnabled(found is not None)

    def _lookup(self, label: str) -> CharStrokes | None:
        try:
            return strokeorder.character(label)
        except MojiyomiError:  # a damaged install: the view says there is none, the log why
            log.warning("stroke-order data unavailable", exc_info=True)
            return None

    def _practise(self) -> None:
        label = self.character()
        if label is not None:
            self.practiseRequested.emit(label)


def stroke_order_section(panel: ReadingsPanel, practise: Callable[[str], None]) -> StrokeOrderView:
    """The view as a section of the readings panel: it follows the character shown there.

    Args:
        panel: The readings panel (``ReadingsController.add_section`` passes it).
        practise: Called with the character when the user presses Practise.
    """
    view = StrokeOrderView(panel)
    panel.charShown.connect(view.set_character)
    view.practiseRequested.connect(practise)
    view.set_character(panel.char())
    return view
