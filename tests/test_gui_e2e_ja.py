"""End to end under Xvfb: a Japanese system gets a Japanese window; with a data folder nothing goes home."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_e2e_app import _read, _xdo, display  # noqa: F401  (display is a fixture)

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parent.parent
SCREENSHOT = Path("/tmp/mojiyomi-e2e-ja.png")


def test_japanese_locale_shows_japanese_and_keeps_home_clean(display: str, tmp_path: Path,  # noqa: F811
                                                             tiny_bundle: Path) -> None:
    home, data, report = tmp_path / "home", tmp_path / "data", tmp_path / "report.json"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("XDG_", "LC_"))}
    env.update({"DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "LANG": "ja_JP.UTF-8", "HOME": str(home),
                "MOJIYOMI_E2E_REPORT": str(report), "MOJIYOMI_DATA_DIR": str(data)})
    app = subprocess.Popen([sys.executable, "-m", "mojiyomi", "app", "--model", str(tiny_bundle)], cwd=REPO,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        window = _xdo(env, "search", "--sync", "--onlyvisible", "--name", "^mojiyomi$").split()[0]
        ready = _read(report, lambda r: r.get("model") is not None)
        subprocess.run(["import", "-window", "root", str(SCREENSHOT)], env=env, check=True, timeout=30)
        shutil.copy(SCREENSHOT, tmp_path / "screen.png")
        assert ready["menus"][:3] == ["ファイル(&F)", "編集(&E)", "表示(&V)"]
        _xdo(env, "windowfocus", "--sync", window)
        _xdo(env, "key", "ctrl+q")  # XTEST keys go to the focused window (Xvfb runs no window manager)
        app.wait(20)
    finally:
        if app.poll() is None:
            app.kill()
        output = app.communicate(timeout=10)[0]
    assert app.returncode == 0, output
    assert list(data.rglob("mojiyomi.ini")), sorted(str(p) for p in data.rglob("*"))  # the window geometry
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []
