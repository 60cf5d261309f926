"""The picture of the picture view, scaled to fit, with a numbered box around every character."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.decode import Box
from desktop.i18n import translate


class PictureCanvas(QWidget):
    """The picture scaled to fit, with a numbered box around every character.

    Signals:
        boxClicked(int): the index of the box clicked (-1: beside every box).
    """

    boxClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(120, 100)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(translate("PictureView", "The picture, with a box around every character"))
        self._pixmap: QPixmap | None = None
        self._size = (1, 1)
        self.boxes: list[Box] = []
        self.selected = -1

    def set_picture(self, grey: np.ndarray | None) -> None:
        """Shows a grey picture (None: nothing)."""
        if grey is None:
            self._pixmap, self._size = None, (1, 1)
        else:
            grey = np.ascontiguousarray(grey)
            h, w = grey.shape[:2]
            image = QImage(grey.data, w, h, grey.strides[0], QImage.Format.Format_Grayscale8).copy()
            self._pixmap, self._size = QPixmap.fromImage(image), (w, h)
        self.boxes, self.selected = [], -1
        self.update()

    def set_boxes(self, boxes: list[Box], selected: int) -> None:
        """Draws ``boxes`` (original picture pixels), ``selected`` highlighted."""
        self.boxes, self.selected = list(boxes), selected
        self.update()

    def _placement(self) -> tuple[float, float, float]:
        """Scale and offset (x, y) that fit the picture in the widget, centred."""
        w, h = self._size
        scale = min(self.width() / w, self.height() / h)
        return scale, (self.width() - w * scale) / 2, (self.height() - h * scale) / 2

    def box_rect(self, index: int) -> QRectF:
        """Where box ``index`` is drawn, in widget pixels."""
        scale, dx, dy = self._placement()
        x0, y0, x1, y1 = self.boxes[index]
        return QRectF(dx + x0 * scale, dy + y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale)

    def box_at(self, point: QPointF) -> int:
        """The smallest box holding ``point`` (widget pixels), or -1."""
        inside = [(r.width() * r.height(), i) for i in range(len(self.boxes))
                  if (r := self.box_rect(i).adjusted(-3, -3, 3, 3)).contains(point)]
        return min(inside)[1] if inside else -1

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.boxClicked.emit(self.box_at(event.position()))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(self.backgroundRole()))
        if self._pixmap is None:
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        scale, dx, dy = self._placement()
        w, h = self._size
        painter.drawPixmap(QRectF(dx, dy, w * scale, h * scale), self._pixmap, QRectF(0, 0, w, h))
        font = QFont(self.font())
        font.setPixelSize(12)
        font.setBold(True)
        painter.setFont(font)
        for index in range(len(self.boxes)):
            chosen = index == self.selected
            colour = QColor(220, 40, 40) if chosen else QColor(30, 110, 230)
            painter.setPen(QPen(colour, 3 if chosen else 1.5))
            painter.setBrush(QColor(colour.red(), colour.green(), colour.blue(), 40 if chosen else 0))
            rect = self.box_rect(index)
            painter.drawRect(rect)
            number = str(index + 1)
            tag = QRectF(rect.left(), rect.top() - 15, 7 * len(number) + 6, 15)
            if tag.top() < 0:
                tag.moveTop(rect.top())
            painter.fillRect(tag, colour)
            painter.setPen(QColor("white"))
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, number)
        painter.end()
