"""Starting the app: the QApplication, the main window, files given on the command line."""

from __future__ import annotations

import logging
import os
import sys
import time

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

from desktop.testhooks import BENCH_READY_ENV, quit_when_ready

log = logging.getLogger(__name__)


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with mojiyomi's names (QSettings uses them).

    Args:
        argv: Command-line arguments for Qt (default: the program name only).

    Returns:
        The existing QApplication, or a new one.
    """
    QCoreApplication.setOrganizationName("mojiyomi")
    QCoreApplication.setApplicationName("mojiyomi")
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationDisplayName("mojiyomi")
    return app  # type: ignore[return-value]


def run_app(model: str | None = None, files: list[str] | None = None) -> int:
    """Runs the desktop app until its window closes.

    The window shows at once; the model loads in the recognition thread. A model that cannot
    be opened is reported in a message box and the default model is used instead.

    Args:
        model: A bundle name or folder (default: the default model).
        files: Pictures or ink JSON files to open once the window is up.

    Returns:
        The exit status.
    """
    started = time.perf_counter()
    from desktop.main_window import MainWindow

    app = make_application()
    window = MainWindow(model)
    window.show()
    if files:
        QTimer.singleShot(0, lambda: window.open_files(list(files)))
    if os.environ.get(BENCH_READY_ENV):
        quit_when_ready(app, window, started)
    return int(app.exec())
