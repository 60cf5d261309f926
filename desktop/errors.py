"""How the user sees errors: one function, a message box, the traceback in the log.

The message is shown in the interface language (``desktop.i18n.translate_error``): the errors of
``core/`` and ``training/`` are English, and a Japanese window must not speak English in its boxes.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.i18n import translate_error

log = logging.getLogger("mojiyomi.desktop")


def show_error(parent: QWidget | None, title: str, error: BaseException | str | None, note: str = "") -> QMessageBox:
    """Shows ``error`` in a window-modal message box that does not block the event loop.

    Only the error is translated: ``note`` and the title are the interface's own words (they may
    hold a model's title or a file name, which the error catalogue must not reword).

    Args:
        parent: The window the box belongs to.
        title: What was being done, e.g. "Could not open the picture".
        error: The exception (its traceback goes to the log) or a message (an error's text, as a
            worker or a job reports it), shown in the interface language; None: only ``note``.
        note: Text already in the interface language shown after the error, as it is (what
            happens now, e.g. "Still using …").

    Returns:
        The message box (already open).
    """
    if isinstance(error, BaseException):
        log.warning("%s", title, exc_info=error)
    else:
        log.warning("%s: %s", title, error if error is not None else note)
    message = "\n\n".join(text for text in (None if error is None else translate_error(error), note) if text)
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
