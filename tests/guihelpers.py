"""Driving the canvas with real Qt mouse and tablet events in pytest-qt tests."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication, QWidget

from tests.strokefont import DIGITS, _densify


def _mouse(widget: QWidget, kind: QEvent.Type, pos: QPointF, button: Qt.MouseButton,
           buttons: Qt.MouseButton) -> None:
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def drag(widget: QWidget, points: Sequence[tuple[float, float]]) -> None:
    """Presses the left button at the first point, moves through the rest, releases at the last."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    pts = [QPointF(x, y) for x, y in points]
    _mouse(widget, QEvent.Type.MouseButtonPress, pts[0], left, left)
    for p in pts[1:]:
        _mouse(widget, QEvent.Type.MouseMove, p, none, left)
    _mouse(widget, QEvent.Type.MouseButtonRelease, pts[-1], left, none)


def pen_stroke(widget: QWidget, points: Sequence[tuple[float, float]], pressures: Sequence[float]) -> None:
    """A pen-tablet stroke with a pressure per point."""
    device = QPointingDevice.primaryPointingDevice()
    kinds = [QEvent.Type.TabletPress] + [QEvent.Type.TabletMove] * (len(points) - 2) + [QEvent.Type.TabletRelease]
    for kind, (x, y), pressure in zip(kinds, points, pressures):
        pos = QPointF(x, y)
        buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.TabletRelease else Qt.MouseButton.LeftButton
        event = QTabletEvent(kind, device, pos, widget.mapToGlobal(pos), pressure, 0.0, 0.0, 0.0, 0.0, 0.0,
                             Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton, buttons)
        QApplication.sendEvent(widget, event)


def write_digit(widget: QWidget, digit: str, margin: float = 0.2) -> None:
    """Writes a digit from tests.strokefont with mouse drags, scaled into the widget."""
    side = min(widget.width(), widget.height()) * (1 - 2 * margin)
    x0 = (widget.width() - side) / 2
    y0 = (widget.height() - side) / 2
    for stroke in DIGITS[digit]:
        pts = _densify(stroke, 0.05)
        drag(widget, [(x0 + side * x, y0 + side * y) for x, y in pts])
