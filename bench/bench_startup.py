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
sys.path.insert(0, str(REPO))
BASELINE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow()
w.show()
QTimer.singleShot(0, lambda: (print("ready", flush=True), app.quit()))
app.exec()
"""


def time_until_ready(command: list[str], env: dict[str, str], inside: list[float] | None = None) -> float:
    """Seconds from spawning ``command`` until it prints a line starting with "ready".

    The app prints "ready <model> <seconds since run_app began>"; that last number is appended
    to ``inside`` when given (the part spent in mojiyomi's own start-up, not Python's).
    """
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("ready"):
            elapsed = time.perf_counter() - start
            if inside is not None and len(line.split()) == 3:
                inside.append(float(line.split()[2]))
            proc.wait(30)
            return elapsed
        if line.startswith("failed"):
            raise SystemExit(f"the app could not start: {line.strip()}")
    raise SystemExit(f"{command} exited ({proc.wait()}) without reporting ready")


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--model", default="digits")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MOJIYOMI_BENCH_READY": "1", "MOJIYOMI_DATA_DIR": data}
        os.environ["MOJIYOMI_DATA_DIR"] = data
        app = [sys.executable, "-m", "mojiyomi", "app", "--model", model_or_tiny(args.model, Path(data))]
        base = [sys.executable, "-c", BASELINE]
        time_until_ready(app, env)  # warm the file cache once
        apps, bases, inside = [], [], []
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            apps.append(time_until_ready(app, env, inside))
            bases.append(time_until_ready(base, env))
    a, b = statistics.median(apps), statistics.median(bases)
    print(f"mojiyomi to window + model ready: median {a:.3f} s (min {min(apps):.3f}, max {max(apps):.3f}) "
          f"over {args.runs} runs; goal < 1.5 s")
    if inside:
        print(f"  of which from run_app() to model ready: median {statistics.median(inside):.3f} s")
    print(f"baseline (bare PySide6 window):   median {b:.3f} s; ratio app/baseline {a / b:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
