"""Hooks for end-to-end tests and benchmarks, switched on by environment variables.

``MOJIYOMI_E2E_REPORT=<path>``: after every recognition, model change and choice, the main
window writes what it shows to ``<path>`` as JSON (model name, the candidates, the text line,
the menu titles, and where the canvas and candidate buttons are on screen), so a test driving the real app
with X mouse events can read the result. ``MOJIYOMI_BENCH_READY=1``: once the main window has
been drawn and its model loaded and warmed up, the app prints one line and quits
(``bench/bench_startup.py``)::

    ready <model> start=<t> window=<t> model=<t>

each ``<t>`` a ``time.time()``: when the start window was drawn, when the main window was drawn,
when the model was ready.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from desktop.protocols import AppWindow

if TYPE_CHECKING:  # only for annotations: core.bundle pulls in NumPy and OpenCV, which start-up defers
    from core.bundle import ModelBundle
    from desktop.recognition import Recognition

#: Set to a file path to have the window write its last candidates there.
E2E_REPORT_ENV = "MOJIYOMI_E2E_REPORT"
#: When set, the app prints "ready <model> <seconds>" once its model is ready, then quits.
BENCH_READY_ENV = "MOJIYOMI_BENCH_READY"


def write_e2e_report(window: AppWindow, result: Recognition | None, total_ms: float) -> None:
    """Writes what ``window`` shows to ``$MOJIYOMI_E2E_REPORT`` (does nothing when it is unset)."""
    path = os.environ.get(E2E_REPORT_ENV)
    if not path:
        return
    from core.atomic import atomic_write_text

    bundle = window.current_bundle()
    report = {"model": bundle.name if bundle else None, "canvas": _screen_rect(window.canvas),
              "buttons": [_screen_rect(b) for b in window.candidates.buttons], "text": window.text.text(),
              "candidates": [{"label": c.label, "score": c.score} for c in window.candidates.candidates()],
              "ms": total_ms, "source": result.source if result else None, "reading": window.writing.text(),
              "strokes": len(window.canvas.ink().strokes),
              "menus": [action.text() for action in window.menuBar().actions()]}
    atomic_write_text(Path(path), json.dumps(report, ensure_ascii=False))


def write_picture_report(boxes: list[list[int]], labels: list[str], selected: int, busy: bool, text: str) -> None:
    """Adds what the picture view shows to ``$MOJIYOMI_E2E_REPORT`` (nothing when it is unset): under
    ``picture`` its boxes on screen (x, y, w, h), the characters read, the one selected and whether it
    is reading; and the text line's ``text``."""
    path = os.environ.get(E2E_REPORT_ENV)
    if not path:
        return
    from core.atomic import atomic_write_text

    file = Path(path)
    report = json.loads(file.read_text(encoding="utf-8")) if file.exists() else {}
    report["picture"] = {"boxes": boxes, "labels": labels, "selected": selected, "busy": busy}
    report["text"] = text
    atomic_write_text(file, json.dumps(report, ensure_ascii=False))


def _screen_rect(widget: QWidget) -> list[int]:
    top_left = widget.mapToGlobal(widget.rect().topLeft())
    return [top_left.x(), top_left.y(), widget.width(), widget.height()]


class StartupClock(QObject):
    """Notes when the start window and the main window are first drawn and the model is ready.

    Prints ``ready <model> start=<t> window=<t> model=<t>`` once all three happened (``time.time()``
    each, comparable with a timestamp the launching process took), then closes the window;
    ``failed <message>`` and exit status 1 when the model cannot be loaded.
    """

    def __init__(self) -> None:
        super().__init__()
        self.times: dict[str, float] = {}
        self._model = ""
        self._window: QWidget | None = None

    def start_shown(self) -> None:
        """The start window has been drawn."""
        self.times.setdefault("start", time.time())

    def watch(self, app: QApplication, window: AppWindow) -> None:
        """Follows ``window`` (not yet shown) until it is drawn and its model is ready."""
        self._window = window
        window.installEventFilter(self)

        def loaded(bundle: ModelBundle, ms: float) -> None:
            self._model = bundle.name
            self.times.setdefault("model", time.time())
            self._report()

        def failed(target: str, message: str) -> None:
            print(f"failed {message}", flush=True)
            app.exit(1)

        window.service.modelLoaded.connect(loaded)
        window.service.modelFailed.connect(failed)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Paint and "window" not in self.times:
            QTimer.singleShot(0, self._window_drawn)  # after this paint (and its children's) is done
        return False

    def _window_drawn(self) -> None:
        self.times.setdefault("window", time.time())
        self._report()

    def _report(self) -> None:
        if self._window is None or "window" not in self.times or "model" not in self.times:
            return
        marks = " ".join(f"{key}={self.times.get(key, self.times['window']):.4f}" for key in ("start", "window", "model"))
        print(f"ready {self._model} {marks}", flush=True)
        QTimer.singleShot(0, self._window.close)
        self._window = None
