"""End to end: the real app in a real X window (Xvfb), written on with real mouse events.

Needs the Debian packages xvfb, xdotool and imagemagick (``.ci/run`` installs them); skips
cleanly without them. The app writes what it shows to ``$MOJIYOMI_E2E_REPORT`` (a testing
hook), which is how the test reads the candidates; the screenshot is kept for a person to
look at (``/tmp/mojiyomi-e2e.png``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.strokefont import DIGITS, _densify

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parent.parent
SCREENSHOT = Path("/tmp/mojiyomi-e2e.png")
SCREENSHOT_LINE = Path("/tmp/mojiyomi-e2e-line.png")


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        message = f"needs {', '.join(missing)} (Debian packages xvfb, xdotool, imagemagick)"
        # CI installs them (.ci/run sets MOJIYOMI_E2E_REQUIRED): there a missing tool is a failure.
        if os.environ.get("MOJIYOMI_E2E_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def display() -> Iterator[str]:
    _need("Xvfb", "xdotool", "import")
    number = 90 + os.getpid() % 100
    server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if time.time() > deadline or server.poll() is not None:
            server.kill()
            if os.environ.get("MOJIYOMI_E2E_REQUIRED"):
                pytest.fail("Xvfb did not start")
            pytest.skip("Xvfb did not start")
        time.sleep(0.05)
    yield f":{number}"
    server.terminate()
    server.wait(10)


def _read(report: Path, condition: object, timeout: float = 20.0) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if report.exists():
            data = json.loads(report.read_text(encoding="utf-8"))
            if condition(data):  # type: ignore[operator]
                return data
        time.sleep(0.05)
    raise AssertionError(f"the app did not report in time; last report: "
                         f"{report.read_text(encoding='utf-8') if report.exists() else None}")


def _xdo(env: dict[str, str], *args: str) -> str:
    return subprocess.run(["xdotool", *args], env=env, check=True, capture_output=True, text=True,
                          timeout=20).stdout


def _write(env: dict[str, str], canvas: list[int], digit: str, share: float = 0.6) -> None:
    x0, y0, w, h = canvas
    side = min(w, h) * share
    left, top = x0 + (w - side) / 2, y0 + (h - side) / 2
    for stroke in DIGITS[digit]:
        points = [(int(left + side * x), int(top + side * y)) for x, y in _densify(stroke, 0.04)]
        _xdo(env, "mousemove", str(points[0][0]), str(points[0][1]), "mousedown", "1")
        for x, y in points[1:]:
            _xdo(env, "mousemove", str(x), str(y))
        _xdo(env, "mouseup", "1")


def test_write_a_digit_and_choose_it(display: str, tmp_path: Path, tiny_bundle: Path) -> None:
    model = REPO / "resources" / "models" / "digits"
    trained = (model / "metadata.json").exists()
    if not trained:  # the random-weight model still shows the whole path works, if not what it reads
        model = tiny_bundle
    report = tmp_path / "report.json"
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "MOJIYOMI_E2E_REPORT": str(report),
           "MOJIYOMI_DATA_DIR": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    app = subprocess.Popen([sys.executable, "-m", "mojiyomi", "app", "--model", str(model)], cwd=REPO, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _xdo(env, "search", "--sync", "--onlyvisible", "--name", "^mojiyomi$")
        ready = _read(report, lambda r: r.get("model") is not None)
        _write(env, ready["canvas"], "7")
        shown = _read(report, lambda r: len(r["candidates"]) == 10 and r["source"] == "ink")
        subprocess.run(["import", "-window", "root", str(SCREENSHOT)], env=env, check=True, timeout=30)
        shutil.copy(SCREENSHOT, tmp_path / "screen.png")
        top = shown["candidates"][0]["label"]
        if trained:
            assert top == "7", shown["candidates"][:3]
        bx, by, bw, bh = shown["buttons"][0]
        _xdo(env, "mousemove", str(bx + bw // 2), str(by + bh // 2), "click", "1")
        chosen = _read(report, lambda r: r["text"] == top)
        assert chosen["candidates"] == []  # the canvas cleared for the next character
        assert SCREENSHOT.stat().st_size > 10_000
    finally:
        out = _stop(app)
    assert "Traceback" not in out, out


def test_write_several_digits_and_insert_them(display: str, tmp_path: Path) -> None:
    model = REPO / "resources" / "models" / "digits"
    if not (model / "metadata.json").exists():
        pytest.skip("resources/models/digits is not present")
    report = tmp_path / "report.json"
    config = tmp_path / "config"
    settings = tmp_path / "data" / "settings" / "mojiyomi"  # with MOJIYOMI_DATA_DIR, settings live there
    settings.mkdir(parents=True)
    (settings / "mojiyomi.ini").write_text("[writing]\nmode=horizontal\n", encoding="utf-8")
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "MOJIYOMI_E2E_REPORT": str(report),
           "MOJIYOMI_DATA_DIR": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(config)}
    app = subprocess.Popen([sys.executable, "-m", "mojiyomi", "app", "--model", str(model)], cwd=REPO, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _xdo(env, "search", "--sync", "--onlyvisible", "--name", "^mojiyomi$")
        x0, y0, w, h = _read(report, lambda r: r.get("model") is not None)["canvas"]
        side = min(70, (w - 40) // 5)
        strokes = 0
        for i, digit in enumerate("2017"):
            _write(env, [x0 + 15 + i * (side + side // 3), y0 + h // 2 - side // 2, side, side], digit, 1.0)
            strokes += len(DIGITS[digit])
        shown = _read(report, lambda r: r["strokes"] == strokes and r["reading"] and r["ms"] > 0
                      and r["source"] == "ink" and len(r["reading"]) == 4)
        subprocess.run(["import", "-window", "root", str(SCREENSHOT_LINE)], env=env, check=True, timeout=30)
        assert shown["reading"] == "2017", shown
        _xdo(env, "key", "Return")
        inserted = _read(report, lambda r: r["text"] == "2017")
        assert inserted["strokes"] == 0 and inserted["reading"] == ""
    finally:
        out = _stop(app)
    assert "Traceback" not in out, out


def test_unknown_model_starts_the_default_and_says_so(display: str, tmp_path: Path) -> None:
    from core.bundle import default_model_name

    default = default_model_name()
    if not (REPO / "resources" / "models" / default / "metadata.json").exists():
        pytest.skip(f"resources/models/{default} (the default model) is not present")
    report = tmp_path / "report.json"
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "MOJIYOMI_E2E_REPORT": str(report),
           "MOJIYOMI_DATA_DIR": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    app = subprocess.Popen([sys.executable, "-m", "mojiyomi", "app", "--model", "no-such-model"], cwd=REPO,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        boxes = _xdo(env, "search", "--sync", "--onlyvisible", "--name", "Could not open the model")
        assert boxes.split(), "no message box"
        assert _read(report, lambda r: r.get("model") is not None)["model"] == default
        assert app.poll() is None  # still running, waiting for the user
    finally:
        out = _stop(app)
    assert "Traceback" not in out, out


def _stop(app: subprocess.Popen) -> str:
    """Ends the app (killed if it does not stop in 15 s) and returns all it printed."""
    app.terminate()
    try:
        out, _ = app.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        app.kill()
        out, _ = app.communicate()
    return out
