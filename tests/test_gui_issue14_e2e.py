"""End to end under Xvfb (issue 14): a Japanese system, the readings dock opened from the View menu
with real keys, a kanji written with real mouse events, at 1x and 2x (``QT_SCALE_FACTOR``); the
screenshots are kept for a person to look at (``/tmp/mojiyomi-e2e-ja-readings-<scale>x.png``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import strokeorder
from tests.test_e2e_app import _need, _read, _stop, _xdo

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parent.parent
JAPANESE = REPO / "resources" / "models" / "japanese"
SCREENSHOT = "/tmp/mojiyomi-e2e-ja-readings-{scale}x.png"


@pytest.fixture
def big_display() -> Iterator[str]:
    """An Xvfb screen large enough for the 900x560 window at 2x."""
    _need("Xvfb", "xdotool", "import")
    number = 190 + os.getpid() % 100
    server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "2200x1300x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if time.time() > deadline or server.poll() is not None:
            server.kill()
            pytest.fail("Xvfb did not start") if os.environ.get("MOJIYOMI_E2E_REQUIRED") else pytest.skip(
                "Xvfb did not start")
        time.sleep(0.05)
    yield f":{number}"
    server.terminate()
    server.wait(10)


def _write_kanji(env: dict[str, str], report: Path, box: tuple[int, int, int], char: str) -> None:
    """Writes ``char`` with KanjiVG's strokes in the square ``box`` (left, top, side), pen down to pen up.

    Like a writer, it lifts the pen until the last stroke is read: moves that arrive while the window
    is busy are merged by the X server and the window, which would cut a stroke's corners.
    """
    left, top, side = box
    for done, stroke in enumerate(strokeorder.strokes(char) or (), 1):
        points = [(int(left + side * x), int(top + side * y)) for x, y in stroke[::3]] + [
                  (int(left + side * stroke[-1][0]), int(top + side * stroke[-1][1]))]
        _xdo(env, "mousemove", str(points[0][0]), str(points[0][1]), "mousedown", "1")
        for x, y in points[1:]:
            _xdo(env, "mousemove", str(x), str(y))
        _xdo(env, "mouseup", "1")
        _read(report, lambda r, n=done: r["strokes"] == n and len(r["candidates"]) == 10)


@pytest.mark.parametrize("scale", [1, 2])
def test_japanese_window_with_the_readings_of_a_written_kanji(big_display: str, tmp_path: Path, scale: int) -> None:
    if not (JAPANESE / "metadata.json").exists():
        pytest.skip("resources/models/japanese is not present")
    home, data, report = tmp_path / "home", tmp_path / "data", tmp_path / "report.json"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("XDG_", "LC_"))}
    env.update({"DISPLAY": big_display, "QT_QPA_PLATFORM": "xcb", "LANG": "ja_JP.UTF-8", "HOME": str(home),
                "MOJIYOMI_E2E_REPORT": str(report), "QT_SCALE_FACTOR": str(scale)})
    env.pop("MOJIYOMI_DATA_DIR", None)  # --data-dir alone keeps the home folder clean (test_gui_e2e_ja: the variable)
    app = subprocess.Popen([sys.executable, "-m", "mojiyomi", "--data-dir", str(data), "app", "--model", str(JAPANESE)],
                           cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        window = _xdo(env, "search", "--sync", "--onlyvisible", "--name", "^mojiyomi$").split()[0]
        # The report is in Qt's logical pixels; X's are ``scale`` times as many.
        x0, y0, w, h = (scale * v for v in _read(report, lambda r: r.get("model") == "japanese", timeout=60)["canvas"])
        _xdo(env, "windowfocus", "--sync", window)
        _xdo(env, "key", "alt+v")  # 表示(&V)
        time.sleep(0.5)
        _xdo(env, "key", "r")  # 読みと意味(&R): the dock takes room on the right, the canvas keeps its corner
        time.sleep(1.0)
        side = int(min(w * 0.6, h) * 0.8)
        _write_kanji(env, report, (x0 + 10, y0 + (h - side) // 2, side), "日")
        shown = _read(report, lambda r: r["strokes"] == 4 and len(r["candidates"]) == 10 and r["source"] == "ink")
        time.sleep(0.5)  # the dock draws the first candidate's readings
        shot = SCREENSHOT.format(scale=scale)
        subprocess.run(["import", "-window", "root", "-crop", f"{scale * 1000}x{scale * 600}+0+0", shot], env=env,
                       check=True, timeout=30)
        shutil.copy(shot, tmp_path / "screen.png")
        assert shown["menus"][:3] == ["ファイル(&F)", "編集(&E)", "表示(&V)"]
        assert shown["candidates"][0]["label"] == "日", shown["candidates"][:3]
        _xdo(env, "key", "ctrl+q")
        app.wait(20)
    finally:
        output = _stop(app) if app.poll() is None else app.communicate(timeout=10)[0]
    assert app.returncode == 0 and "Traceback" not in output, output
    settings = list(data.rglob("mojiyomi.ini"))
    assert settings and "readings=true" in settings[0].read_text(encoding="utf-8")  # switched on by the menu
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []
