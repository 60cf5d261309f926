"""Start-up: a start window is drawn before the main window's heavy modules load."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette

from desktop.app import START_SIZE, start_pixmap

REPO = Path(__file__).resolve().parent.parent


def test_the_app_module_loads_qt_only() -> None:
    code = ("import sys, desktop.app; heavy = {'numpy', 'cv2', 'desktop.main_window', 'core.bundle'}; "
            "print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_main_window_does_not_load_the_fine_tune_machinery() -> None:
    code = ("import sys, desktop.main_window, desktop.training_ui; "
            "print(sorted(m for m in sys.modules if m in ('training.adapt', 'training.events', 'training.cancel')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_start_window_is_drawn_before_the_main_window(digits_bundle: Path, tmp_path: Path) -> None:
    env = {**os.environ, "MOJIYOMI_DATA_DIR": str(tmp_path / "data"), "MOJIYOMI_BENCH_READY": "1",
           "QT_QPA_PLATFORM": "offscreen"}
    launched = time.time()
    out = subprocess.run([sys.executable, "-m", "mojiyomi", "app", "--model", str(digits_bundle)], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.startswith("ready digits"), out.stdout + out.stderr
    marks = dict(word.split("=") for word in out.stdout.split()[2:])
    start, window, model = (float(marks[key]) for key in ("start", "window", "model"))
    assert launched < start < window < time.time()
    assert launched < model < time.time()


@pytest.mark.parametrize("ratio", [1.0, 2.0])
def test_the_start_picture_follows_the_palette_and_the_pixel_ratio(qapp: object, ratio: float) -> None:
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.Window, QColor(30, 30, 30))
    dark.setColor(QPalette.ColorRole.WindowText, QColor(240, 240, 240))
    image = start_pixmap(dark, ratio).toImage()
    assert (image.width(), image.height()) == (int(START_SIZE.width() * ratio), int(START_SIZE.height() * ratio))
    assert image.pixelColor(2, 2) == QColor(30, 30, 30)
    text_band = [image.pixelColor(x, int(170 * ratio)).lightness() for x in range(image.width())]
    assert max(text_band) > 150  # light text drawn on the dark background


_BLAS_PROBE = """
import ctypes, glob, os, sys
from desktop.app import single_threaded_blas
with single_threaded_blas():
    import numpy
found = glob.glob(os.path.join(os.path.dirname(numpy.__file__), "..", "numpy.libs", "*openblas*"))
get = getattr(ctypes.CDLL(found[0]), "scipy_openblas_get_num_threads64_", None) if found else None
print(get() if get else "unknown", os.environ.get("OPENBLAS_NUM_THREADS"))
"""


@pytest.mark.parametrize("chosen", [None, "2"])
def test_numpy_starts_its_blas_with_one_thread_unless_the_user_chose(chosen: str | None) -> None:
    env = {key: value for key, value in os.environ.items() if key != "OPENBLAS_NUM_THREADS"}
    if chosen is not None:
        env["OPENBLAS_NUM_THREADS"] = chosen
    out = subprocess.run([sys.executable, "-c", _BLAS_PROBE], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=60)
    threads, left = out.stdout.split()
    if threads == "unknown":
        pytest.skip("this NumPy has no scipy-openblas to ask")
    assert threads == (chosen or "1")
    assert left == str(chosen)  # the environment training jobs inherit is the user's own
