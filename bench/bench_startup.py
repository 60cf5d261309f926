"""Start-up time: launching `mojiyomi` until the window is shown with its model ready.

Each run starts a fresh process (offscreen Qt) with MOJIYOMI_BENCH_READY=1, which makes the
app print "ready" once the window is shown and the model has loaded (and warmed up), then
quit. The baseline, measured in the same run, is a bare PySide6 program that shows an empty
window and quits: the part of start-up no app code can save.

Usage: python bench/bench_startup.py [--runs 7] [--model digits]
Goal (issue 2): under 1.5 s here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASELINE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow()
w.show()
QTimer.singleShot(0, lambda: (print("ready", flush=True), app.quit()))
app.exec()
"""


def time_until_ready(command: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning ``command`` until it prints a line starting with "ready"."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("ready"):
            elapsed = time.perf_counter() - start
            proc.wait(30)
            return elapsed
        if line.startswith("failed"):
            raise SystemExit(f"the app could not start: {line.strip()}")
    raise SystemExit(f"{command} exited ({proc.wait()}) without reporting ready")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--model", default="digits")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MOJIYOMI_BENCH_READY": "1", "MOJIYOMI_DATA_DIR": data}
        app = [sys.executable, "-m", "mojiyomi", "app", "--model", args.model]
        base = [sys.executable, "-c", BASELINE]
        time_until_ready(app, env)  # warm the file cache once
        apps, bases = [], []
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            apps.append(time_until_ready(app, env))
            bases.append(time_until_ready(base, env))
    a, b = statistics.median(apps), statistics.median(bases)
    print(f"mojiyomi to window + model ready: median {a:.3f} s (min {min(apps):.3f}, max {max(apps):.3f}) "
          f"over {args.runs} runs; goal < 1.5 s")
    print(f"baseline (bare PySide6 window):   median {b:.3f} s; ratio app/baseline {a / b:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
