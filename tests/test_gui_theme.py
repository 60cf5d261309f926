"""Dark themes and high-DPI screens: what the app draws follows the palette and the font's size."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from core.recognizer import Candidate
from desktop.candidates import CandidatePanel
from desktop.canvas import InkCanvas
from tests.guihelpers import drag

pytestmark = pytest.mark.usefixtures("settings_in_tmp")


def _palette(window: tuple[int, int, int], text: tuple[int, int, int]) -> QPalette:
    palette = QPalette()
    for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.Button):
        palette.setColor(role, QColor(*window))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(role, QColor(*text))
    return palette


DARK = ((30, 30, 32), (235, 235, 235))
LIGHT = ((250, 250, 250), (20, 20, 20))


def _lightness(image: QImage) -> np.ndarray:
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    ptr = grey.constBits()
    return np.frombuffer(ptr, np.uint8, grey.bytesPerLine() * grey.height()).reshape(
        grey.height(), grey.bytesPerLine())[:, :grey.width()].copy()  # the view dies with ``grey``


def _paper_and_ink(widget: QWidget) -> tuple[float, float]:
    """The most common lightness (the background) and the one farthest from it (the ink)."""
    pixels = _lightness(widget.grab().toImage())
    paper = float(np.bincount(pixels.ravel()).argmax())
    ink = float(pixels.ravel()[np.abs(pixels.astype(int) - paper).argmax()])
    return paper, ink


@pytest.mark.parametrize("colors", [DARK, LIGHT], ids=["dark", "light"])
def test_the_canvas_paper_and_ink_follow_the_palette(qtbot: QtBot, colors: tuple) -> None:
    canvas = InkCanvas()
    qtbot.addWidget(canvas)
    canvas.setPalette(_palette(*colors))
    canvas.resize(200, 200)
    canvas.show()
    qtbot.waitExposed(canvas)
    drag(canvas, [(40, 100), (100, 100), (160, 100)])
    assert len(canvas.ink().strokes) == 1
    paper, ink = _paper_and_ink(canvas)
    window, text = (sum(c) / 3 for c in colors)
    assert abs(paper - window) < 12 and abs(ink - text) < 40  # a dark theme gets dark paper and light ink


@pytest.mark.parametrize("colors", [DARK, LIGHT], ids=["dark", "light"])
def test_candidate_text_follows_the_palette(qtbot: QtBot, colors: tuple) -> None:
    panel = CandidatePanel()
    qtbot.addWidget(panel)
    panel.setPalette(_palette(*colors))
    panel.resize(400, 240)
    panel.set_candidates([Candidate("日", 0.9), Candidate("目", 0.1)])
    paper, ink = _paper_and_ink(panel.buttons[0])
    assert abs(ink - paper) > 120 and (ink > paper) == (sum(colors[1]) > sum(colors[0]))


def test_the_train_dialog_fits_its_text_in_the_fonts_units(qtbot: QtBot) -> None:
    from desktop.train_dialogs import TrainDialog

    dialog = TrainDialog()
    qtbot.addWidget(dialog)
    needed = dialog.data.fontMetrics().horizontalAdvance(dialog.data.placeholderText())
    assert dialog.data.minimumWidth() > needed  # the path is not cut at 2x or in Japanese
    assert not dialog._form.isRowVisible(dialog.kind)  # no empty row before a dataset is chosen


#: Runs the app's window at 2x with a dark Fusion palette (the way a dark desktop hands one to Qt),
#: writes a digit, saves a screenshot and prints what would look wrong: clipped texts, light paper.
_SHOT = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractButton, QLabel
from desktop.app import make_application
from desktop.main_window import MainWindow
from tests.guihelpers import write_digit
app = make_application()
app.setStyle("Fusion")
palette = QPalette()
for role, rgb in ((QPalette.ColorRole.Window, 45), (QPalette.ColorRole.Base, 30), (QPalette.ColorRole.Button, 55)):
    palette.setColor(role, QColor(rgb, rgb, rgb))
for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
    palette.setColor(role, QColor(230, 230, 230))
app.setPalette(palette)
window = MainWindow(sys.argv[1])
window.resize(window.minimumSize())
window.show()

def report():
    clipped = [w.text() for w in window.findChildren(QLabel) + window.findChildren(QAbstractButton)
               if w.isVisible() and w.text() and not (isinstance(w, QLabel) and w.wordWrap())
               and w.fontMetrics().horizontalAdvance(w.text().replace("&", "")) > w.contentsRect().width()]
    shot = window.grab()
    shot.save(sys.argv[2])
    corner = window.canvas.mapTo(window, window.canvas.rect().topLeft())
    paper = shot.toImage().pixelColor(int((corner.x() + 4) * shot.devicePixelRatio()),
                                      int((corner.y() + 4) * shot.devicePixelRatio()))
    print(json.dumps({"ratio": shot.devicePixelRatio(), "clipped": clipped, "paper": paper.lightness(),
                      "candidates": len(window.candidates.candidates()),
                      "menu": window.menuBar().actions()[0].text()}, ensure_ascii=False))
    app.quit()

window.service.modelLoaded.connect(lambda *a: (write_digit(window.canvas, "5"), QTimer.singleShot(800, report)))
QTimer.singleShot(20000, app.quit)
app.exec()
"""


@pytest.mark.parametrize("lang", ["C", "ja_JP.UTF-8"])
def test_a_dark_2x_window_at_its_smallest_clips_no_text(digits_bundle: object, tmp_path: object, lang: str) -> None:
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    shot = Path(str(tmp_path)) / "dark-2x.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2", "LANG": lang, "LC_ALL": lang,
           "MOJIYOMI_DATA_DIR": str(Path(str(tmp_path)) / "data")}
    out = subprocess.run([sys.executable, "-c", _SHOT, str(digits_bundle), str(shot)], cwd=repo, env=env,
                         capture_output=True, text=True, timeout=120)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["ratio"] == 2.0 and report["candidates"] > 0 and shot.is_file()
    assert report["menu"] == ("ファイル(&F)" if lang.startswith("ja") else "&File")
    assert report["clipped"] == []
    assert report["paper"] < 80  # the canvas is dark paper on a dark theme, not a white box


@pytest.mark.parametrize("score", [1.0, 0.5])
def test_a_candidates_probability_is_not_cut_at_the_smallest_button(qtbot: QtBot, score: float) -> None:
    from desktop.candidates import CandidateButton

    button = CandidateButton(0)
    qtbot.addWidget(button)
    palette = _palette(*LIGHT)
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor(255, 0, 0))  # the probability, in pure red
    button.setPalette(palette)
    button.set_candidate(Candidate("5", score))
    button.resize(button.minimumSize())
    image = button.grab().toImage()
    ratio = image.devicePixelRatio()
    area_left, area_right = int(4 * ratio), int((button.width() - 5) * ratio)
    band = range(int(button.height() * 0.7 * ratio), image.height())

    def red(x: int, y: int) -> bool:
        colour = image.pixelColor(x, y)
        return colour.red() > 150 and colour.green() < 100

    assert any(red(x, y) for x in range(area_left, area_right) for y in band)  # the probability is drawn
    assert not any(red(x, y) for x in (area_left, area_right) for y in band)  # and does not run into the edges
