"""Hooks for end-to-end tests and benchmarks, switched on by environment variables.

``MOJIYOMI_E2E_REPORT=<path>``: after every recognition, model change and choice, the main
window writes what it shows to ``<path>`` as JSON (model name, the candidates, the text line,
the menu titles, and where the canvas and candidate buttons are on screen), so a test driving the real app
with X mouse events can read the result. ``MOJIYOMI_BENCH_READY=1``: the app prints
``ready <model> <seconds>`` once the window is shown with its model loaded and warmed up,
then quits (``bench/bench_startup.py``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:  # only for annotations: core.bundle pulls in NumPy and OpenCV, which start-up defers
    from core.bundle import ModelBundle
    from desktop.main_window import MainWindow
    from desktop.recognition import Recognition

#: Set to a file path to have the window write its last candidates there.
E2E_REPORT_ENV = "MOJIYOMI_E2E_REPORT"
#: When set, the app prints "ready <model> <seconds>" once its model is ready, then quits.
BENCH_READY_ENV = "MOJIYOMI_BENCH_READY"


def write_e2e_report(window: MainWindow, result: Recognition | None, total_ms: float) -> None:
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


def _screen_rect(widget: QWidget) -> list[int]:
    top_left = widget.mapToGlobal(widget.rect().topLeft())
    return [top_left.x(), top_left.y(), widget.width(), widget.height()]


def quit_when_ready(app: QApplication, window: MainWindow, started: float) -> None:
    """Prints "ready" (or "failed") once the first model has loaded, then closes the window.

    Args:
        app: The running application.
        window: The main window, already shown.
        started: ``time.perf_counter()`` when ``run_app`` began.
    """

    def ready(bundle: ModelBundle, ms: float) -> None:
        print(f"ready {bundle.name} {time.perf_counter() - started:.3f}", flush=True)
        QTimer.singleShot(0, window.close)

    def failed(target: str, message: str) -> None:
        print(f"failed {message}", flush=True)
        app.exit(1)

    window.service.modelLoaded.connect(ready)
    window.service.modelFailed.connect(failed)
