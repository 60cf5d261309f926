"""End to end: the real app opens a picture given on its command line, shows its boxes, and a click
and Enter put the text read into the text line (Xvfb, xdotool; see tests/test_e2e_app.py).

The screenshot is kept for a person to look at (``/tmp/mojiyomi-e2e-picture.png``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from tests.test_e2e_app import _read, _stop, _xdo, display  # noqa: F401 - display is a fixture
from tests.test_picture import digit_line

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parent.parent
SCREENSHOT = Path("/tmp/mojiyomi-e2e-picture.png")


def test_open_a_picture_click_a_box_and_insert_the_text(display: str, tmp_path: Path) -> None:  # noqa: F811
    model = REPO / "resources" / "models" / "digits"
    if not (model / "metadata.json").exists():
        pytest.skip("resources/models/digits is not present")
    picture = tmp_path / "digits.png"
    cv2.imwrite(str(picture), digit_line("4712"))
    report = tmp_path / "report.json"
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "MOJIYOMI_E2E_REPORT": str(report),
           "MOJIYOMI_DATA_DIR": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    app = subprocess.Popen([sys.executable, "-m", "mojiyomi", "app", "--model", str(model), str(picture)],
                           cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _xdo(env, "search", "--sync", "--onlyvisible", "--name", "^mojiyomi$")
        shown = _read(report, lambda r: r.get("picture", {}).get("labels") == list("4712"))
        x, y, w, h = shown["picture"]["boxes"][2]
        _xdo(env, "mousemove", str(x + w // 2), str(y + h // 2), "click", "1")
        _read(report, lambda r: r["picture"]["selected"] == 2)
        subprocess.run(["import", "-window", "root", str(SCREENSHOT)], env=env, check=True, timeout=30)
        _xdo(env, "key", "Return")
        assert _read(report, lambda r: r["text"] == "4712")["picture"]["labels"] == list("4712")
        assert SCREENSHOT.stat().st_size > 10_000
    finally:
        out = _stop(app)
    assert "Traceback" not in out, out
