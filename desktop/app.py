"""Starting the app: the QApplication, the main window, files given on the command line."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from core.paths import DATA_DIR_ENV
from desktop.i18n import install_translators, ui_language
from desktop.testhooks import BENCH_READY_ENV, quit_when_ready

log = logging.getLogger(__name__)

#: The app icon, also installed for Linux desktops (resources/icons/install_linux.sh).
ICON_PATH = Path(__file__).resolve().parent.parent / "resources" / "icons" / "mojiyomi.svg"


def place_settings() -> None:
    """Keeps Qt settings in ``$MOJIYOMI_DATA_DIR`` (``--data-dir``) when it is set.

    Qt writes its own settings too (QFileDialog's history, as organization "QtProject"); with the
    user settings path moved, those land in the data folder as well and nothing goes to the home folder.
    """
    data_dir = os.environ.get(DATA_DIR_ENV)
    if not data_dir:
        return
    folder = str(Path(data_dir).expanduser().resolve() / "settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, folder)


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with mojiyomi's names (QSettings uses them), settings place and language.

    Args:
        argv: Command-line arguments for Qt (default: the program name only).

    Returns:
        The existing QApplication, or a new one.
    """
    QCoreApplication.setOrganizationName("mojiyomi")
    QCoreApplication.setApplicationName("mojiyomi")
    place_settings()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationDisplayName("mojiyomi")
    if existing is None:
        install_translators(ui_language())
    app.setWindowIcon(app_icon())
    return app


def app_icon() -> QIcon:
    """mojiyomi's icon (``resources/icons/mojiyomi.svg``)."""
    return QIcon(str(ICON_PATH))



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
