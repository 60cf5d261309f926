"""The UI's worst stall while a training job runs in the background.

An offscreen main window runs a 5 ms QTimer on the GUI thread and records the gap between
its ticks: a stall shows up as a long gap. The event loop is Qt's own (``QEventLoop.exec``),
as in the app. First with no job (baseline), then while a real training job (simple CNN on
generated digits, started through the Training controller, polled every 100 ms, with the
Jobs window showing live bars, curves and log) runs in its spawned process, and finally
while that job is cancelled. Goal: no stall over 50 ms.

Usage: python bench/bench_ui_stall.py [--seconds 20] [--samples 3000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def measure(seconds: float, until: Callable[[], bool] | None = None) -> list[float]:
    """Gaps (ms) between ticks of a 5 ms timer while Qt's event loop runs for ``seconds``."""
    from PySide6.QtCore import QEventLoop, QTimer

    gaps: list[float] = []
    last = [time.perf_counter()]
    loop = QEventLoop()

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now
        if until is not None and until():
            loop.quit()

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    timer.start()
    loop.exec()
    timer.stop()
    return gaps[1:]


def summary(gaps: list[float]) -> dict[str, Any]:
    """Worst, 99th percentile and median gap, and how many gaps passed 50 ms."""
    worst = int(np.argmax(gaps))
    return {"worst_ms": round(max(gaps), 1), "worst_at_s": round(sum(gaps[:worst]) / 1000, 2), "p99_ms": round(float(np.percentile(gaps, 99)), 1),
            "median_ms": round(float(np.median(gaps)), 1), "over_50ms": sum(g > 50 for g in gaps), "ticks": len(gaps)}


def _time_polls(controller: Any) -> list[float]:
    """Times every poll of the jobs (events read, Jobs window updated): our share of any stall."""
    durations: list[float] = []
    poll = controller.poll

    def timed() -> None:
        start = time.perf_counter()
        poll()
        durations.append((time.perf_counter() - start) * 1000)

    controller._timer.timeout.disconnect()
    controller._timer.timeout.connect(timed)
    return durations


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to measure during training")
    parser.add_argument("--samples", type=int, default=3000, help="generated training pictures")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    os.environ["MOJIYOMI_DATA_DIR"] = str(tmp / "data")
    from PySide6.QtWidgets import QMessageBox

    from desktop.app import make_application
    from desktop.main_window import MainWindow
    from tests.datagen import write_mnist_like
    from training.config import TrainConfig
    from training.jobs import JobSpec

    QMessageBox.question = lambda *a, **k: QMessageBox.StandardButton.No  # type: ignore[method-assign]
    app = make_application([])
    window = MainWindow("digits")
    window.show()
    measure(10.0, lambda: window.current_bundle() is not None)
    base = measure(3.0)
    data = write_mnist_like(tmp / "mnist", args.samples, 200)
    config = TrainConfig(data=str(data), out=str(tmp / "out"), epochs=50, batch_size=64, validation_size=300)
    poll_ms = _time_polls(window.training)
    job = window.training.start(JobSpec("train", config, "stall benchmark"))
    busy = measure(args.seconds, lambda: not job.running)
    epochs = sum(1 for e in job.history if e.event == "epoch")
    batches = sum(1 for e in job.history if e.event == "batch")
    asked = time.perf_counter()
    window.training.cancel(job)
    cancelling = measure(30.0, lambda: not job.running)
    cancel_s = time.perf_counter() - asked
    window.close()
    app.processEvents()
    result = {"no_job": summary(base), "training": summary(busy), "cancelling": summary(cancelling),
              "epochs_shown": epochs, "batch_updates_shown": batches, "cancel_seconds": round(cancel_s, 2),
              "job_state": job.state, "slowest_poll_ms": round(max(poll_ms), 1),
              "median_poll_ms": round(float(np.median(poll_ms)), 2)}
    print(f"no job:       worst gap {result['no_job']['worst_ms']} ms, p99 {result['no_job']['p99_ms']} ms")
    print(f"training:     worst gap {result['training']['worst_ms']} ms, p99 {result['training']['p99_ms']} ms "
          f"({epochs} epochs and {batches} batch updates shown)")
    print(f"cancelling:   worst gap {result['cancelling']['worst_ms']} ms; the job ended {job.state} after "
          f"{cancel_s:.2f} s (goal: no gap over 50 ms)")
    print(f"polling jobs: slowest {result['slowest_poll_ms']} ms, median {result['median_poll_ms']} ms")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
