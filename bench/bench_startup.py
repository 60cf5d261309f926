"""Start-up time as a user feels it: from the process start to the window, and to its model ready.

Each run starts a fresh process (offscreen Qt) with MOJIYOMI_BENCH_READY=1. This script takes
``time.time()`` just before spawning it; the app prints when its start window was drawn, when the
main window was drawn and when the model was loaded and warmed up (``desktop.testhooks``), as
``time.time()`` too, then quits. So the figures include starting Python and every import.
Baselines, measured interleaved in the same run: ``python -c pass`` (starting Python, which no
app can save) and a bare PySide6 program that draws an empty window.

Usage: python bench/bench_startup.py [--runs 7] [--model japanese]
Goal (issue 14): window ready with the model loaded in at most 1 s on the 2-core machine.
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
sys.path.insert(0, str(REPO))
BASELINE = """
import time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow()
w.show()
QTimer.singleShot(0, lambda: (print(f"ready bare window={time.time():.4f}", flush=True), app.quit()))
app.exec()
"""
#: The marks the app reports, in the order they happen.
MARKS = ("start", "window", "model")


def time_marks(command: list[str], env: dict[str, str], reports: bool = True) -> dict[str, float]:
    """Seconds from just before spawning ``command`` to each mark of its "ready" line, and to its exit.

    The line reads ``ready <name> key=<time.time()> ...``; ``reports=False`` for a command that prints
    none (``python -c pass``). ``ready`` is the latest of ``window`` and ``model`` (the window drawn
    with the model ready), or ``exit`` for a command that reports nothing.
    """
    start = time.time()
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    marks: dict[str, float] = {}
    for line in proc.stdout:
        if line.startswith("failed"):
            raise SystemExit(f"the app could not start: {line.strip()}")
        if line.startswith("ready"):
            for word in line.split()[2:]:
                key, _, value = word.partition("=")
                marks[key] = float(value) - start
    code = proc.wait(30)
    if code != 0 or (reports and not marks):
        raise SystemExit(f"{command} exited ({code}) without reporting ready")
    marks.setdefault("exit", time.time() - start)
    marks["ready"] = max(marks.get(key, 0.0) for key in ("window", "model")) if "window" in marks else marks["exit"]
    return marks


def model_or_tiny(name: str, folder: Path) -> str:
    """``name`` if such a bundle exists, else a random-weight tiny bundle built in ``folder``.

    The tiny model is built in a subprocess so this process never imports TensorFlow.
    """
    from core.bundle import resolve_model
    from core.errors import MojiyomiError

    try:
        resolve_model(name)
        return name
    except MojiyomiError:
        target = folder / "tiny"
        code = "import sys; from pathlib import Path; from tests.tinymodel import make_tiny_bundle; " \
               "make_tiny_bundle(Path(sys.argv[1]))"
        subprocess.run([sys.executable, "-c", code, str(target)], cwd=REPO, check=True, capture_output=True)
        print(f"note: no model {name!r}; timing a random-weight tiny model (tests/tinymodel.py) instead")
        return str(target)


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--model", default="japanese")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MOJIYOMI_BENCH_READY": "1", "MOJIYOMI_DATA_DIR": data}
        os.environ["MOJIYOMI_DATA_DIR"] = data
        app = [sys.executable, "-m", "mojiyomi", "app", "--model", model_or_tiny(args.model, Path(data))]
        python = [sys.executable, "-c", "pass"]
        bare = [sys.executable, "-c", BASELINE]
        time_marks(app, env)  # warm the file cache once
        apps, pythons, bares = [], [], []
        for _ in range(args.runs):  # interleaved, so drift hits all alike
            apps.append(time_marks(app, env))
            pythons.append(time_marks(python, env, reports=False))
            bares.append(time_marks(bare, env))
    py = _median(pythons, "exit")
    print(f"from the process start, median of {args.runs} runs (load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after; {os.cpu_count()} CPUs):")
    for key, title in (("start", "start window drawn"), ("window", "main window drawn"),
                       ("model", "model loaded and warmed up"), ("ready", "window ready with the model (goal <= 1 s)")):
        values = [run[key] for run in apps]
        print(f"  {title:42s} {statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f}); "
              f"{statistics.median(values) / py:.1f}x python -c pass")
    print(f"  baseline python -c pass                    {py:.3f} s")
    print(f"  baseline bare PySide6 window drawn         {_median(bares, 'window'):.3f} s; "
          f"{_median(bares, 'window') / py:.1f}x python -c pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
