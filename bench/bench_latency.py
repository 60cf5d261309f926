"""Latency: stroke end to candidates shown in the window, and the recognizer call alone.

In-process with offscreen Qt: digits are written on the real canvas with mouse events
(from tests/strokefont.py); the clock starts just before the mouse-release event that ends
the stroke and stops when the window has put the candidates on screen (its
``candidatesShown`` signal, then a synchronous repaint of the panel). The baseline, measured in
the same run, is a no-op round trip through a worker thread by queued signals (the floor
any off-UI-thread design pays).

Usage: python bench/bench_latency.py [--strokes 200] [--model digits]
Goals (issue 2): p95 under 20 ms end to end; the recognizer call under 2 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QThread, Signal, Slot  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench_startup import model_or_tiny  # noqa: E402  (the script's folder is on sys.path)


class _Echo(QObject):
    pong = Signal(float)

    @Slot(float)
    def ping(self, t: float) -> None:
        self.pong.emit(t)


class _Pinger(QObject):
    ping = Signal(float)

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    @Slot(float)
    def on_pong(self, t: float) -> None:
        self.times.append((time.perf_counter() - t) * 1000)


def wait_until(app: QApplication, condition: object, timeout: float = 5.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():  # type: ignore[operator]
        app.processEvents()
        if time.perf_counter() > deadline:
            raise SystemExit("timed out")


def percentiles(values: list[float]) -> str:
    a = np.asarray(values)
    return f"p50 {np.percentile(a, 50):.2f} ms, p95 {np.percentile(a, 95):.2f} ms, max {a.max():.2f} ms"


def baseline(app: QApplication, n: int) -> list[float]:
    thread = QThread()
    echo, pinger = _Echo(), _Pinger()
    echo.moveToThread(thread)
    pinger.ping.connect(echo.ping)
    echo.pong.connect(pinger.on_pong)
    thread.start()
    for i in range(n):
        pinger.ping.emit(time.perf_counter())
        wait_until(app, lambda: len(pinger.times) > i)
    thread.quit()
    thread.wait()
    return pinger.times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=200)
    parser.add_argument("--model", default="digits")
    args = parser.parse_args()
    os.environ["MOJIYOMI_DATA_DIR"] = tempfile.mkdtemp()
    args.model = model_or_tiny(args.model, Path(os.environ["MOJIYOMI_DATA_DIR"]))
    from core.bundle import resolve_model
    from core.recognizer import TFLiteRecognizer
    from desktop.app import make_application
    from desktop.main_window import MainWindow
    from tests.strokefont import DIGITS, _densify

    app = make_application([])
    window = MainWindow(args.model)
    window.resize(900, 560)
    window.show()
    wait_until(app, lambda: window.current_bundle() is not None, 30)
    shown: list[float] = []
    def painted(result: object, ms: float) -> None:
        window.candidates.repaint()  # paint now, so the time includes drawing the candidates
        shown.append(time.perf_counter())

    window.candidatesShown.connect(painted)
    canvas = window.canvas
    side = min(canvas.width(), canvas.height()) * 0.6
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

    def send(kind: QEvent.Type, x: float, y: float, button: Qt.MouseButton, buttons: Qt.MouseButton) -> None:
        pos = QPointF(x, y)
        QApplication.sendEvent(canvas, QMouseEvent(kind, pos, canvas.mapToGlobal(pos), button, buttons,
                                                   Qt.KeyboardModifier.NoModifier))

    latencies: list[float] = []
    inks = []
    digits = list(DIGITS)
    for i in range(args.strokes):
        canvas.clear()
        app.processEvents()
        stroke = _densify(DIGITS[digits[i % 10]][0], 0.04)
        pts = [(40 + side * x, 40 + side * y) for x, y in stroke]
        send(QEvent.Type.MouseButtonPress, *pts[0], left, left)
        for p in pts[1:]:
            send(QEvent.Type.MouseMove, *p, none, left)
        before = len(shown)
        start = time.perf_counter()
        send(QEvent.Type.MouseButtonRelease, *pts[-1], left, none)
        wait_until(app, lambda: len(shown) > before)
        latencies.append((shown[-1] - start) * 1000)
        inks.append(canvas.ink())
    window.close()

    recognizer = TFLiteRecognizer(resolve_model(args.model))
    calls = []
    for ink in inks:
        start = time.perf_counter()
        recognizer.recognize(ink, 10)
        calls.append((time.perf_counter() - start) * 1000)
    floor = baseline(app, args.strokes)
    p95, floor95 = np.percentile(latencies, 95), np.percentile(floor, 95)
    print(f"stroke end -> candidates shown ({args.strokes} strokes): {percentiles(latencies)}; goal p95 < 20 ms")
    goal = 3 if len(recognizer.bundle.labels) > 100 else 2  # the Japanese model's issue allows 3 ms; digits 2 ms
    print(f"recognizer.recognize(ink) alone:                {percentiles(calls)}; goal < {goal} ms")
    print(f"baseline: no-op worker-thread round trip:       {percentiles(floor)}; "
          f"ratio p95 end-to-end/baseline {p95 / max(floor95, 1e-6):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
