"""Live training curves painted with QPainter: loss and accuracy, training and validation."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from desktop.i18n import translate

_TRAIN = QColor("#1f77b4")
_VAL = QColor("#ff7f0e")
_BATCH = QColor(31, 119, 180, 70)


#: Most per-batch points drawn; longer runs are averaged down to this (painting stays cheap).
MAX_BATCH_POINTS = 400


class CurvesWidget(QWidget):
    """Two small plots side by side: loss (with per-batch loss faintly) and accuracy.

    Attributes:
        epochs: One dict of logs per epoch (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``).
        batch_loss: ``(fractional epoch, loss)`` of training batches.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(160)
        self.epochs: list[dict[str, float]] = []
        self.batch_loss: list[tuple[float, float]] = []

    def clear(self) -> None:
        """Forgets every point."""
        self.set_series([], [])

    def set_series(self, epochs: list[dict[str, float]], batch_loss: list[tuple[float, float]]) -> None:
        """Shows these lists; they are shared, not copied, so a job's progress can keep growing them."""
        self.epochs, self.batch_loss = epochs, batch_loss
        self.update()

    def add_epoch(self, logs: dict[str, float]) -> None:
        """Adds one epoch's logs (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``)."""
        self.epochs.append(dict(logs))
        self.update()

    def add_batch(self, epoch_position: float, loss: float) -> None:
        """Adds a training-batch loss at a fractional epoch (e.g. 2.5 = half-way through epoch 3)."""
        if math.isfinite(loss):
            self.batch_loss.append((epoch_position, loss))
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        half = self.width() / 2
        self._plot(painter, QRectF(0, 0, half, self.height()), "loss", ("loss", "val_loss"), True)
        self._plot(painter, QRectF(half, 0, half, self.height()), "accuracy", ("accuracy", "val_accuracy"), False)
        painter.end()

    def _plot(self, painter: QPainter, box: QRectF, title: str, keys: tuple[str, str], with_batches: bool) -> None:
        area = box.adjusted(36, 18, -8, -20)
        painter.setPen(self.palette().text().color())
        painter.drawText(box.adjusted(4, 2, 0, 0), Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter, title)
        painter.setPen(QPen(QColor("#999999"), 1))
        painter.drawRect(area)
        series = [[(i + 1.0, e[k]) for i, e in enumerate(self.epochs) if k in e and math.isfinite(e[k])] for k in keys]
        batches = thin([p for p in self.batch_loss if math.isfinite(p[1])], MAX_BATCH_POINTS) if with_batches else []
        values = [v for s in series for _, v in s] + [v for _, v in batches]
        if not values:
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, translate(
                    "CurvesWidget", "waiting for the first epoch"))
            return
        low, high = min(values), max(values)
        if not with_batches:
            low, high = min(low, 1.0), 1.0
        if high - low < 1e-6:
            low, high = low - 0.5, high + 0.5
        x_max = max([len(self.epochs), 1] + [p for p, _ in batches])
        painter.drawText(QRectF(box.left(), area.top() - 6, 34, 12), Qt.AlignmentFlag.AlignRight, f"{high:.3g}")
        painter.drawText(QRectF(box.left(), area.bottom() - 6, 34, 12), Qt.AlignmentFlag.AlignRight, f"{low:.3g}")
        painter.drawText(QRectF(area.left(), area.bottom() + 2, area.width(), 16), Qt.AlignmentFlag.AlignRight,
                         translate("CurvesWidget", "epoch {n}").format(n=len(self.epochs)))

        def point(x: float, y: float) -> QPointF:
            return QPointF(area.left() + area.width() * x / x_max,
                           area.bottom() - area.height() * (y - low) / (high - low))

        painter.setPen(QPen(_BATCH, 1))
        for a, b in zip(batches, batches[1:]):
            painter.drawLine(point(*a), point(*b))
        for data, color in zip(series, (_TRAIN, _VAL)):
            painter.setPen(QPen(color, 2))
            for a, b in zip(data, data[1:]):
                painter.drawLine(point(*a), point(*b))
            for p in data:
                painter.drawEllipse(point(*p), 2.5, 2.5)
        painter.setPen(_TRAIN)
        painter.drawText(area.adjusted(4, 2, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, translate(
                "CurvesWidget", "training"))
        painter.setPen(_VAL)
        painter.drawText(area.adjusted(4, 16, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                         translate("CurvesWidget", "validation"))


def thin(points: list[tuple[float, float]], most: int) -> list[tuple[float, float]]:
    """At most ``most`` points: consecutive runs averaged, so the curve keeps its shape."""
    if len(points) <= most:
        return points
    groups = np.array_split(np.asarray(points, dtype=np.float64), most)
    return [(float(g[:, 0].mean()), float(g[:, 1].mean())) for g in groups]
