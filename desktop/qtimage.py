"""Conversions between Qt images and the grey NumPy pictures ``core`` works with."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from core.errors import InputError
from core.images import MAX_PIXELS


def qimage_to_grey(image: QImage) -> np.ndarray:
    """A grey uint8 copy of a QImage (transparent areas become white paper).

    Raises:
        InputError: if the image is empty or larger than mojiyomi accepts.
    """
    if image.isNull() or image.width() == 0 or image.height() == 0:
        raise InputError("The pasted picture is empty.")
    if image.width() * image.height() > MAX_PIXELS:
        raise InputError(f"The picture is too large ({image.width()}x{image.height()} pixels; "
                         f"at most {MAX_PIXELS // 1_000_000} megapixels).")
    if image.hasAlphaChannel():
        flat = QImage(image.size(), QImage.Format.Format_RGB32)
        flat.fill(0xFFFFFFFF)
        from PySide6.QtGui import QPainter

        painter = QPainter(flat)
        painter.drawImage(0, 0, image)
        painter.end()
        image = flat
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = grey.width(), grey.height(), grey.bytesPerLine()
    buffer = np.frombuffer(grey.constBits(), dtype=np.uint8, count=stride * height)
    return buffer.reshape(height, stride)[:, :width].copy()
