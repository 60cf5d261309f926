"""Starting the app: the QApplication, a start window at once, then the main window and the files given.

The main window's modules pull in NumPy, OpenCV and the recognizer (about 0.3 s here, more on
a busy machine); this module imports Qt only, so a start window is on screen before those
imports begin, and the main window replaces it once built.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QRect, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QIcon, QPainter, QPaintEvent, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from core.paths import DATA_DIR_ENV
from desktop.i18n import install_translators, translate, ui_language
from desktop.testhooks import BENCH_READY_ENV, StartupClock

log = logging.getLogger(__name__)

#: How long the main window waits for the start window to be drawn before it is built anyway.
START_WINDOW_PATIENCE_MS = 1000
#: OpenBLAS's thread count (NumPy's wheels ship OpenBLAS); read when NumPy first loads.
BLAS_THREADS_ENV = "OPENBLAS_NUM_THREADS"
#: The start window's size in logical pixels.
START_SIZE = QSize(260, 200)
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


class StartWindow(QWidget):
    """The icon and "Starting mojiyomi…", shown while the main window's modules load.

    Drawn with the palette's colors (a dark theme stays dark) at the screen's pixel ratio. A plain
    frameless widget rather than a QSplashScreen, whose ``show`` waits up to a second for the window
    to be exposed.

    Signals:
        painted(): the window has been drawn once (the main window may be built now).
    """

    painted = Signal()

    def __init__(self) -> None:
        super().__init__(None, Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
        self._pixmap = start_pixmap(QApplication.palette(), _pixel_ratio())
        self.setWindowTitle(translate("StartWindow", "mojiyomi is starting"))
        self.setFixedSize(START_SIZE)
        screen = QApplication.primaryScreen()
        if screen is not None:
            self.move(screen.availableGeometry().center() - self.rect().center())
        self._painted = False

    def paintEvent(self, event: QPaintEvent) -> None:
        QPainter(self).drawPixmap(0, 0, self._pixmap)
        if not self._painted:
            self._painted = True
            # Queued: the main window is built after this paint reaches the screen.
            QTimer.singleShot(0, self.painted.emit)


def _pixel_ratio() -> float:
    screen = QApplication.primaryScreen()
    return screen.devicePixelRatio() if screen is not None else 1.0


def start_pixmap(palette: QPalette, ratio: float = 1.0) -> QPixmap:
    """The start window's picture: the icon over "Starting mojiyomi…" in ``palette``'s colors.

    Args:
        palette: The colors (window background, window text).
        ratio: Device pixels per logical pixel (2 on a 2x screen).

    Returns:
        A ``START_SIZE`` (logical pixels) pixmap.
    """
    size = START_SIZE
    pixmap = QPixmap(size * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(palette.color(QPalette.ColorRole.Window))
    painter = QPainter(pixmap)
    app_icon().paint(painter, QRect(66, 16, 128, 128))
    font = QFont(painter.font())
    font.setPointSizeF(max(font.pointSizeF(), 10.0) * 1.2)
    painter.setFont(font)
    painter.setPen(palette.color(QPalette.ColorRole.WindowText))
    painter.drawText(QRect(0, 150, size.width(), 40), int(Qt.AlignmentFlag.AlignCenter),
                     translate("StartWindow", "Starting mojiyomi…"))
    painter.end()
    return pixmap


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """NumPy loaded inside this block starts its BLAS with one thread, unless the user chose a number.

    The app's own NumPy work is small; starting OpenBLAS's thread pool made ``import numpy`` take
    twice as long on a busy 2-core machine (about 200 ms against 110). The variable is read once,
    when the library loads, so the environment is put back afterwards: training jobs the app
    starts get the user's own.
    """
    saved = os.environ.get(BLAS_THREADS_ENV)
    os.environ.setdefault(BLAS_THREADS_ENV, "1")
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(BLAS_THREADS_ENV, None)
        else:
            os.environ[BLAS_THREADS_ENV] = saved


def run_app(model: str | None = None, files: list[str] | None = None) -> int:
    """Runs the desktop app until its window closes.

    A start window shows at once; the main window is built once it is drawn, and the model
    loads in the recognition thread. A model that cannot be opened is reported in a message
    box and the default model is used instead.

    Args:
        model: A bundle name or folder (default: the default model).
        files: Pictures or ink files to open once the window is up.

    Returns:
        The exit status.
    """
    clock = StartupClock() if os.environ.get(BENCH_READY_ENV) else None
    app = make_application()
    start = StartWindow()
    windows: list[QMainWindow] = []  # keeps the main window alive while the app runs

    def build() -> None:
        if windows:
            return
        with single_threaded_blas():
            from desktop.main_window import MainWindow  # NumPy, OpenCV, LiteRT: after the start window is drawn

        window = MainWindow(model)
        windows.append(window)
        if clock is not None:
            clock.watch(app, window)
        window.show()
        start.close()
        if files:
            QTimer.singleShot(0, lambda: window.open_files(list(files)))

    if clock is not None:
        start.painted.connect(clock.start_shown)
    start.painted.connect(build)
    start.show()
    QTimer.singleShot(START_WINDOW_PATIENCE_MS, build)  # a platform that never draws it still gets the app
    return int(app.exec())
