"""The writing canvas: mouse and pen-tablet strokes (with pressure) recorded as ``Ink``."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (QColor, QFocusEvent, QKeyEvent, QKeySequence, QMouseEvent, QPainter, QPainterPath,
                           QPaintEvent, QPalette, QPen, QTabletEvent)
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.ink import Ink
from desktop.i18n import translate

#: Pen width in pixels at normal pressure (and for the mouse).
PEN_WIDTH = 9.0


class InkCanvas(QWidget):
    """A canvas to write one character on, or several along a line (``set_guide``).

    While it has the keyboard focus it handles its own keys, so it works the same in any
    window that embeds it: Ctrl+Z undoes a stroke, Ctrl+Shift+Z or Ctrl+Y redoes, Esc or
    Delete clears (an Esc on an empty canvas is left to the window, e.g. to close a dialog).
    The right mouse button also undoes.

    Signals:
        strokeStarted(): the pen (or the left button) went down.
        strokeFinished(Ink): after each stroke ends, with the whole ink so far.
        inkChanged(Ink): after any change (stroke, undo, redo, clear, set_ink).
    """

    strokeStarted = Signal()
    strokeFinished = Signal(object)
    inkChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(150, 150)  # with ten candidates beside it, the window still fits 480x320
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(translate("InkCanvas", "Writing canvas"))
        self._strokes: list[np.ndarray] = []
        self._redo: list[np.ndarray] = []
        self._erased: list[np.ndarray] = []  # what the user's last clear removed, for undo
        self._current: list[list[float]] | None = None
        self._t0: float | None = None
        self._size = (float(self.width()), float(self.height()))
        self._guide = "box"
        self._marks: list[tuple[float, float, float, float]] = []
        self._marked = -1
        self._model: tuple[np.ndarray, ...] = ()

    def set_marks(self, boxes: list[tuple[float, float, float, float]], selected: int = -1) -> None:
        """Frames each character of a reading (boxes as x0, y0, x1, y1 in canvas pixels), ``selected`` in colour."""
        self._marks, self._marked = list(boxes), selected
        self.update()

    def marks(self) -> tuple[list[tuple[float, float, float, float]], int]:
        """The framed boxes and the index of the selected one."""
        return list(self._marks), self._marked

    def set_guide(self, guide: str) -> None:
        """The guide drawn under the ink: ``box`` (one character), ``horizontal`` or ``vertical`` (a line)."""
        if guide not in ("box", "horizontal", "vertical"):
            raise ValueError(f"Unknown guide. Received: guide={guide!r}")
        self._guide = guide
        self.update()

    def guide(self) -> str:
        """The guide drawn under the ink."""
        return self._guide

    def set_model_strokes(self, strokes: Sequence[np.ndarray] | None) -> None:
        """A character drawn faintly in the box to write over (unit-box (N, 2) strokes; None: none)."""
        self._model = tuple(strokes or ())
        self.update()

    def model_strokes(self) -> tuple[np.ndarray, ...]:
        """The strokes drawn faintly under the ink (empty when none)."""
        return self._model

    def sizeHint(self) -> QSize:
        return QSize(360, 360)

    # -- the ink ---------------------------------------------------------------------------

    def ink(self) -> Ink:
        """The strokes written so far (widget pixels; time in ms from the first point)."""
        width, height = self._size if self._strokes else (self.width(), self.height())
        return Ink(tuple(s.copy() for s in self._strokes), float(width), float(height))

    def is_empty(self) -> bool:
        """True when nothing is written."""
        return not self._strokes

    def set_ink(self, ink: Ink) -> None:
        """Shows ``ink`` scaled to fit the canvas (the undo history restarts)."""
        self._strokes = [s.copy() for s in _fit(ink, self.width(), self.height()).strokes]
        self._redo.clear()
        self._erased = []
        self._size = (float(self.width()), float(self.height()))
        self._changed()

    def clear(self) -> None:
        """Removes every stroke (one undo brings none back: clear is for a new character)."""
        self._current = None
        self._erased = []
        if not self._strokes and not self._redo:
            return
        self._strokes.clear()
        self._redo.clear()
        self._t0 = None
        self._changed()

    def erase(self) -> None:
        """The user's clear (Esc, the Clear button): every stroke goes, and one undo brings them back."""
        if not self._strokes:
            return
        erased = list(self._strokes)
        self.clear()
        self._erased = erased

    def undo(self) -> None:
        """Removes the last stroke, or brings back what ``erase`` removed."""
        if self._strokes:
            self._redo.append(self._strokes.pop())
            self._changed()
        elif self._erased:
            self._strokes, self._erased = self._erased, []
            self._changed()

    def redo(self) -> None:
        """Puts back the last undone stroke."""
        if self._redo:
            self._strokes.append(self._redo.pop())
            self._changed()

    def can_undo(self) -> bool:
        return bool(self._strokes or self._erased)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def _changed(self) -> None:
        self.update()
        self.inkChanged.emit(self.ink())

    # -- input -----------------------------------------------------------------------------

    def _begin(self, pos: QPointF, pressure: float) -> None:
        if not self._strokes:
            self._size = (float(self.width()), float(self.height()))
            self._t0 = time.monotonic()
        self._current = []
        self._add(pos, pressure)
        self.strokeStarted.emit()

    def _add(self, pos: QPointF, pressure: float) -> None:
        if self._current is None:
            return
        t_ms = (time.monotonic() - (self._t0 or time.monotonic())) * 1000.0
        point = [pos.x(), pos.y(), t_ms, pressure]
        if self._current and abs(self._current[-1][0] - point[0]) + abs(self._current[-1][1] - point[1]) < 0.5:
            return
        self._current.append(point)
        self.update()

    def _end(self, pos: QPointF, pressure: float) -> None:
        if self._current is None:
            return
        self._add(pos, pressure)
        stroke = np.asarray(self._current, dtype=np.float64)
        self._current = None
        self._strokes.append(stroke)
        self._redo.clear()
        self._erased = []
        self.update()
        ink = self.ink()
        self.inkChanged.emit(ink)
        self.strokeFinished.emit(ink)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position(), math.nan)
        elif event.button() == Qt.MouseButton.RightButton:
            self.undo()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._add(event.position(), math.nan)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._end(event.position(), math.nan)

    def event(self, event: QEvent) -> bool:
        # Claiming the key before the window's shortcuts see it: the canvas's own editing
        # keys win while it has the focus, whatever actions its window defines.
        overrides = event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
        if overrides and self._key_action(event) is not None:  # type: ignore[arg-type]
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = self._key_action(event)
        if action is None:
            super().keyPressEvent(event)
            return
        action()
        event.accept()

    def _key_action(self, event: QKeyEvent) -> Callable[[], None] | None:
        if event.matches(QKeySequence.StandardKey.Undo):
            return self.undo
        if event.matches(QKeySequence.StandardKey.Redo):
            return self.redo
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if plain and event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Delete) and not self.is_empty():
            return self.erase
        return None


    def tabletEvent(self, event: QTabletEvent) -> None:
        pressure = float(event.pressure())
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self._begin(event.position(), pressure)
        elif kind == QTabletEvent.Type.TabletMove:
            if self._current is not None:
                self._add(event.position(), pressure)
        elif kind == QTabletEvent.Type.TabletRelease:
            self._end(event.position(), pressure)
        event.accept()  # no synthesized mouse events: the pen's points carry pressure

    # -- painting --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))  # paper: the theme's
        self._paint_guide(painter)
        self._paint_model(painter)
        self._paint_marks(painter)
        ink = self.palette().color(QPalette.ColorRole.Text)
        for stroke in self._strokes:
            _paint_stroke(painter, stroke, ink)
        if self._current:
            _paint_stroke(painter, np.asarray(self._current), ink)
        if self.hasFocus():  # where the keys go (Esc, Ctrl+Z, 1-9) is visible, as for any focused control
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2.0))
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        painter.end()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    def _faint(self, strength: float) -> QColor:
        return faint(self.palette(), strength)

    def _paint_guide(self, painter: QPainter) -> None:
        if self._guide != "box":
            self._paint_line_guide(painter, self._guide == "horizontal")
            return
        side = min(self.width(), self.height()) - 16
        box = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        painter.setPen(QPen(self._faint(0.2), 1.0))
        painter.drawRect(box)
        painter.setPen(QPen(self._faint(0.12), 1.0, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(box.center().x(), box.top()), QPointF(box.center().x(), box.bottom()))
        painter.drawLine(QPointF(box.left(), box.center().y()), QPointF(box.right(), box.center().y()))

    def _paint_model(self, painter: QPainter) -> None:
        if not self._model or self._guide != "box":
            return
        side = min(self.width(), self.height()) - 16
        left, top = (self.width() - side) / 2, (self.height() - side) / 2
        painter.setPen(QPen(self._faint(0.14), max(2.0, side * 3.5 / 109), Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        for stroke in self._model:
            painter.drawPath(_smooth_path(stroke[:, :2] * side + (left, top)))

    def _paint_marks(self, painter: QPainter) -> None:
        margin = PEN_WIDTH
        for index, (x0, y0, x1, y1) in enumerate(self._marks):
            selected = index == self._marked
            highlight = self.palette().color(QPalette.ColorRole.Highlight)
            painter.setPen(QPen(highlight if selected else self._faint(0.25), 2.0 if selected else 1.0))
            painter.setBrush(QColor(highlight.red(), highlight.green(), highlight.blue(), 24) if selected else
                             Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(x0 - margin, y0 - margin, x1 - x0 + 2 * margin, y1 - y0 + 2 * margin),
                                    4.0, 4.0)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_line_guide(self, painter: QPainter, horizontal: bool) -> None:
        """Two lines a character's size apart (rows or columns), with a dashed middle."""
        rect = QRectF(self.rect()).adjusted(8, 8, -8, -8)
        across = rect.height() if horizontal else rect.width()
        size = min(across * 0.8, 160.0)
        low = (rect.top() if horizontal else rect.left()) + (across - size) / 2
        for offset, style, colour in ((0.0, Qt.PenStyle.SolidLine, self._faint(0.2)),
                                      (size / 2, Qt.PenStyle.DashLine, self._faint(0.12)),
                                      (size, Qt.PenStyle.SolidLine, self._faint(0.2))):
            painter.setPen(QPen(colour, 1.0, style))
            at = low + offset
            if horizontal:
                painter.drawLine(QPointF(rect.left(), at), QPointF(rect.right(), at))
            else:
                painter.drawLine(QPointF(at, rect.top()), QPointF(at, rect.bottom()))


def faint(palette: QPalette, strength: float) -> QColor:
    """The ink color ``strength`` of the way from the paper's: guides that read on light and dark themes."""
    paper, ink = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
    return QColor(*(round(a + (b - a) * strength) for a, b in ((paper.red(), ink.red()),
                                                               (paper.green(), ink.green()),
                                                               (paper.blue(), ink.blue()))))


def _paint_stroke(painter: QPainter, stroke: np.ndarray, ink: QColor) -> None:
    pressure = stroke[:, 3]
    if len(stroke) == 1 or not np.isfinite(pressure).any():
        pen = QPen(ink, PEN_WIDTH, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if len(stroke) == 1:
            painter.drawPoint(QPointF(stroke[0, 0], stroke[0, 1]))
            return
        painter.drawPath(_smooth_path(stroke[:, :2]))
        return
    for i in range(1, len(stroke)):
        p = np.nanmean(pressure[i - 1:i + 1]) if np.isfinite(pressure[i - 1:i + 1]).any() else 0.5
        width = max(1.0, PEN_WIDTH * (0.4 + 1.2 * float(np.clip(p, 0.0, 1.0))))
        painter.setPen(QPen(ink, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(QPointF(*stroke[i - 1, :2]), QPointF(*stroke[i, :2]))


def _smooth_path(xy: np.ndarray) -> QPainterPath:
    """A curve through the midpoints of the sampled points, so mouse corners do not look jagged."""
    path = QPainterPath(QPointF(*xy[0]))
    for i in range(1, len(xy) - 1):
        middle = (xy[i] + xy[i + 1]) / 2
        path.quadTo(QPointF(*xy[i]), QPointF(*middle))
    path.lineTo(QPointF(*xy[-1]))
    return path


def _fit(ink: Ink, width: int, height: int) -> Ink:
    """``ink`` scaled and centred into a ``width`` x ``height`` canvas with a margin."""
    if ink.is_empty:
        return Ink((), float(width), float(height))
    x0, y0, x1, y1 = ink.bounds()
    scale = 0.8 * min(width, height) / max(x1 - x0, y1 - y0, 1e-6)
    dx = width / 2 - (x0 + x1) / 2 * scale
    dy = height / 2 - (y0 + y1) / 2 * scale
    strokes = []
    for stroke in ink.strokes:
        s = stroke.copy()
        s[:, 0] = s[:, 0] * scale + dx
        s[:, 1] = s[:, 1] * scale + dy
        strokes.append(s)
    return Ink(tuple(strokes), float(width), float(height), ink.label)
