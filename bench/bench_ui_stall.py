"""The UI's worst stall while a training job runs in the background.

An offscreen main window runs a 5 ms QTimer on the GUI thread and records the gap between
its ticks (a stall shows up as a long gap). First with no job (baseline), then while a real
training job (simple CNN on generated digits, started through the Training controller,
polled every 100 ms, with the Jobs window showing live progress) runs in its spawned
process. Goal (issue 3): no stall over 50 ms.

Usage: python bench/bench_ui_stall.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def measure(app: object, seconds: float, until: object = None) -> list[float]:
    from PySide6.QtCore import QTimer

    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not (until and until()):  # type: ignore[operator]
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.001)
    timer.stop()
    return gaps[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
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
    while window.current_bundle() is None:
        app.processEvents()
    base = measure(app, 3.0)
    data = write_mnist_like(tmp / "mnist", 3000, 200)
    config = TrainConfig(data=str(data), out=str(tmp / "out"), epochs=50, batch_size=64, validation_size=300)
    job = window.training.start(JobSpec("train", config.to_json(), "stall benchmark"))
    busy = measure(app, args.seconds, lambda: not job.running)
    epochs = sum(1 for e in job.history if e["event"] == "epoch")
    batches = sum(1 for e in job.history if e["event"] == "batch")
    job.cancel()
    job.wait(20)
    window.close()
    print(f"no job:        worst gap {max(base):.1f} ms, p99 {np.percentile(base, 99):.1f} ms ({len(base)} ticks)")
    print(f"training job:  worst gap {max(busy):.1f} ms, p99 {np.percentile(busy, 99):.1f} ms ({len(busy)} ticks, "
          f"{epochs} epochs and {batches} batch updates shown); ratio worst/baseline "
          f"{max(busy) / max(base):.1f}x; goal < 50 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
