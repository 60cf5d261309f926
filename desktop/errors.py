"""How the user sees errors: one function, a message box, the traceback in the log."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger("mojiyomi.desktop")


def show_error(parent: QWidget | None, title: str, error: BaseException | str) -> QMessageBox:
    """Shows ``error`` in a window-modal message box that does not block the event loop.

    Args:
        parent: The window the box belongs to.
        title: What was being done, e.g. "Could not open the picture".
        error: The exception (its traceback goes to the log) or a message.

    Returns:
        The message box (already open).
    """
    if isinstance(error, BaseException):
        log.warning("%s", title, exc_info=error)
        message = str(error) or type(error).__name__
    else:
        log.warning("%s: %s", title, error)
        message = error
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
