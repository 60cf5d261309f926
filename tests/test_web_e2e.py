"""The web page in headless Chromium: loaded from a local static server, written on with synthetic
pointer events (web/selftest.js), its candidates checked against the desktop app on the same ink."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from core.ink import Ink
from tests.test_web_page import WEB, app_first
from tests.test_web_preprocess import INKS, TOMOE, tomoe_inks

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")]
PAD = 320


class _Handler(SimpleHTTPRequestHandler):
    inks = b"[]"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path.startswith("/selftest-inks.json"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(self.inks)))
            self.end_headers()
            self.wfile.write(self.inks)
            return
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(WEB)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()


def on_pad(ink: Ink) -> Ink:
    """The ink scaled into the pad (20..300 px), in whole pixels as a mouse gives them, without pressure."""
    points = np.concatenate(ink.strokes)
    x0, y0 = points[:, 0].min(), points[:, 1].min()
    scale = 280 / max(np.ptp(points[:, 0]), np.ptp(points[:, 1]), 1e-6)
    strokes = []
    for s in ink.strokes:
        out = np.full_like(s, np.nan)
        out[:, 0] = np.round(20 + (s[:, 0] - x0) * scale)
        out[:, 1] = np.round(20 + (s[:, 1] - y0) * scale)
        strokes.append(out)
    return Ink(tuple(strokes), PAD, PAD, ink.label)


def run_page(base: str, handler: type[_Handler], inks: list[Ink], shot: Path | None = None) -> tuple[list, int]:
    handler.inks = json.dumps([[[[float(p[0]), float(p[1])] for p in s] for s in i.strokes] for i in inks]).encode()
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=600000",
               "--window-size=800,900"]
    url = f"{base}/index.html?selftest=/selftest-inks.json"
    done = subprocess.run([*command, "--dump-dom", url], capture_output=True, text=True, timeout=600, check=True)
    found = re.search(r'<pre id="selftest">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stdout[-2000:] + done.stderr[-2000:]
    load_ms = int(re.search(r'data-load-ms="(\d+)"', done.stdout).group(1))
    if shot is not None:
        subprocess.run([*command, f"--screenshot={shot}", url], capture_output=True, timeout=600, check=True)
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")), load_ms


def test_page_in_chromium_gives_the_app_candidates(server: tuple, tmp_path: Path) -> None:
    inks = [on_pad(i) for i in (INKS if not TOMOE.is_file() else [*INKS, *tomoe_inks(30)])]
    results, load_ms = run_page(*server, inks, shot=tmp_path / "page.png")
    assert len(results) == len(inks)
    assert all(len(r["labels"]) == 10 for r in results)
    app = app_first(inks)
    agree = float(np.mean([r["labels"][0] == a for r, a in zip(results, app)]))
    # Under --virtual-time-budget the page's clock is virtual: its timings are not wall time.
    print(f"Chromium: first candidate as the app on {agree:.2%} of {len(inks)} inks (virtual-time load "
          f"{load_ms} ms); screenshot {tmp_path / 'page.png'}")
    assert agree >= 0.95
    assert (tmp_path / "page.png").stat().st_size > 1000
