"""Starting the app: the QApplication, the main window, files given on the command line."""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

from core.bundle import ModelBundle

#: When set, the app prints "ready <seconds>" once the window is shown with its model, then quits.
BENCH_READY_ENV = "MOJIYOMI_BENCH_READY"

log = logging.getLogger(__name__)


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with mojiyomi's names (QSettings uses them)."""
    QCoreApplication.setOrganizationName("mojiyomi")
    QCoreApplication.setApplicationName("mojiyomi")
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationDisplayName("mojiyomi")
    return app  # type: ignore[return-value]


def run_app(model: str | None = None, files: list[str] | None = None) -> int:
    """Runs the desktop app until its window closes; returns the exit status."""
    from desktop.main_window import MainWindow

    app = make_application()
    window = MainWindow(model)
    window.show()
    if files:
        QTimer.singleShot(0, lambda: window.open_files(list(files)))
    if os.environ.get(BENCH_READY_ENV):
        _quit_when_ready(app, window)
    return int(app.exec())


def _quit_when_ready(app: QApplication, window: object) -> None:
    def ready(bundle: ModelBundle, ms: float) -> None:
        print(f"ready {bundle.name}", flush=True)
        QTimer.singleShot(0, window.close)  # type: ignore[attr-defined]

    def failed(target: str, message: str) -> None:
        print(f"failed {message}", flush=True)
        app.exit(1)

    window.service.modelLoaded.connect(ready)  # type: ignore[attr-defined]
    window.service.modelFailed.connect(failed)  # type: ignore[attr-defined]
