"""The main window as a user meets it: write, see candidates, choose, open pictures, switch models."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from core.bundle import load_bundle
from desktop.main_window import MainWindow
from tests.guihelpers import write_digit

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.usefixtures("settings_in_tmp")


def open_window(qtbot: QtBot, model: str | Path) -> MainWindow:
    window = MainWindow(str(model))
    qtbot.addWidget(window)
    window.resize(900, 560)
    window.show()
    qtbot.waitUntil(lambda: window.current_bundle() is not None, timeout=15000)
    return window


def write_and_wait(qtbot: QtBot, window: MainWindow, digit: str) -> list[str]:
    with qtbot.waitSignal(window.candidatesShown, timeout=5000):
        write_digit(window.canvas, digit)
    qtbot.waitUntil(lambda: window.service._pending is None and not window.service._busy, timeout=5000)
    return [c.label for c in window.candidates.candidates()]


def test_writing_shows_ten_ranked_candidates(qtbot: QtBot, tiny_bundle: Path) -> None:
    window = open_window(qtbot, tiny_bundle)
    labels = write_and_wait(qtbot, window, "4")
    assert sorted(labels) == list("0123456789")
    scores = [c.score for c in window.candidates.candidates()]
    assert scores == sorted(scores, reverse=True) and abs(sum(scores) - 1) < 1e-3
    assert "ms" in window.statusBar().currentMessage()


@pytest.mark.parametrize("digit", ["1", "7", "0", "4"])
def test_written_digit_is_the_top_candidate(qtbot: QtBot, digits_bundle: Path, digit: str) -> None:
    window = open_window(qtbot, digits_bundle)
    assert write_and_wait(qtbot, window, digit)[0] == digit


def test_choosing_appends_and_clears(qtbot: QtBot, tiny_bundle: Path) -> None:
    window = open_window(qtbot, tiny_bundle)
    labels = write_and_wait(qtbot, window, "7")
    with qtbot.waitSignal(window.chosen) as blocker:
        window.candidates.buttons[2].click()
    label, rank, ink, shown = blocker.args
    assert (label, rank) == (labels[2], 2) and len(ink.strokes) == 2 and len(shown) == 10
    assert window.text.text() == labels[2]
    assert window.canvas.is_empty() and window.candidates.candidates() == []


def test_undo_recognizes_again_and_empty_clears(qtbot: QtBot, tiny_bundle: Path) -> None:
    window = open_window(qtbot, tiny_bundle)
    write_and_wait(qtbot, window, "7")  # two strokes
    with qtbot.waitSignal(window.candidatesShown, timeout=5000):
        window.canvas.undo()
    window.canvas.undo()
    assert window.candidates.candidates() == []


def _garbage(bundle: Path) -> None:
    (bundle / "model.tflite").write_bytes(b"not a model")


def _truncated(bundle: Path) -> None:
    model = bundle / "model.tflite"
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])


def _no_metadata(bundle: Path) -> None:
    (bundle / "metadata.json").unlink()


@pytest.mark.parametrize("damage, named", [(_garbage, "model.tflite"), (_truncated, "model.tflite"),
                                           (_no_metadata, "metadata.json")])
def test_corrupt_model_keeps_the_previous_one(qtbot: QtBot, tiny_bundle: Path, tmp_path: Path,
                                              shown_errors: list[str], damage: object, named: str) -> None:
    window = open_window(qtbot, tiny_bundle)
    broken = tmp_path / "broken"
    shutil.copytree(tiny_bundle, broken)
    damage(broken)  # type: ignore[operator]
    with qtbot.waitSignal(window.service.modelFailed, timeout=10000):
        window.switch_model(str(broken))
    assert len(shown_errors) == 1 and named in shown_errors[0] and "Still using" in shown_errors[0]
    assert window.current_bundle().path == tiny_bundle
    assert len(write_and_wait(qtbot, window, "1")) == 10  # still recognizes


def test_bad_model_on_the_command_line_starts_the_default(qtbot: QtBot, tiny_bundle: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          shown_errors: list[str]) -> None:
    monkeypatch.setattr("desktop.main_window.default_model_name", lambda: str(tiny_bundle))
    window = open_window(qtbot, "no-such-model")
    assert window.current_bundle().path == tiny_bundle
    assert len(shown_errors) == 1 and "'no-such-model'" in shown_errors[0] and "default" in shown_errors[0]
    assert len(write_and_wait(qtbot, window, "1")) == 10


def test_window_opens_without_any_model(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        shown_errors: list[str]) -> None:
    monkeypatch.setattr("core.bundle.bundle_search_path", lambda: [tmp_path / "empty"])
    window = MainWindow(None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=10000)
    assert "No model is installed" in shown_errors[0]
    assert "No models installed" in [a.text() for a in window.model_menu.actions()]
    write_digit(window.canvas, "1")  # writing says why nothing happens, without a message box per stroke
    assert "No model" in window.statusBar().currentMessage() and len(shown_errors) == 1


def test_missing_and_unknown_models_are_reported(qtbot: QtBot, tiny_bundle: Path, tmp_path: Path,
                                                 shown_errors: list[str]) -> None:
    window = open_window(qtbot, tiny_bundle)
    with qtbot.waitSignal(window.service.modelFailed, timeout=10000):
        window.switch_model("no-such-model")
    assert "No model named 'no-such-model'" in shown_errors[0]
    with qtbot.waitSignal(window.service.modelFailed, timeout=10000):
        window.switch_model(str(tmp_path / "gone"))
    assert "gone" in shown_errors[1] and window.current_bundle().path == tiny_bundle


def test_opening_a_picture_recognizes_it(qtbot: QtBot, digits_bundle: Path, mnist_dir: Path,
                                         tmp_path: Path) -> None:
    from training.datasets.idx import load_mnist

    x, y = load_mnist(mnist_dir, "test")
    picture = tmp_path / "digit.png"
    cv2.imwrite(str(picture), 255 - cv2.resize(x[0], (112, 112)))  # dark ink on white paper, as a scan
    window = open_window(qtbot, digits_bundle)
    with qtbot.waitSignal(window.pictures.readingShown, timeout=5000):
        window.open_files([str(picture)])
    assert window.pictures.candidates.candidates()[0].label == str(y[0])


def test_a_picture_with_several_digits_fills_the_text(qtbot: QtBot, digits_bundle: Path, mnist_dir: Path,
                                                      tmp_path: Path) -> None:
    from training.datasets.idx import load_mnist

    x, y = load_mnist(mnist_dir, "test")
    strip = np.concatenate([np.pad(x[i], 8) for i in range(4)], axis=1)
    picture = tmp_path / "strip.png"
    cv2.imwrite(str(picture), 255 - cv2.resize(strip, None, fx=3, fy=3))
    window = open_window(qtbot, digits_bundle)
    with qtbot.waitSignal(window.pictures.readingShown, timeout=5000):
        window.open_files([str(picture)])
    assert window.pictures.candidates.candidates()[0].label == str(y[0])  # the first character's candidates
    window.pictures.insert()
    assert window.text.text() == "".join(str(d) for d in y[:4])


@pytest.mark.parametrize("name, content", [
    ("corrupt.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10),
    ("empty.png", b""),
    ("notes.txt", b"just some text"),
    ("nan.json", json.dumps({"width": 10, "height": 10, "strokes": [[[1, 2], ["NaN", 3]]]}).encode()),
    ("blank.json", json.dumps({"width": 10, "height": 10, "strokes": []}).encode()),
])
def test_bad_files_show_a_message(qtbot: QtBot, tiny_bundle: Path, tmp_path: Path, shown_errors: list[str],
                                  name: str, content: bytes) -> None:
    window = open_window(qtbot, tiny_bundle)
    path = tmp_path / name
    path.write_bytes(content)
    window.open_files([str(path)])
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=5000)
    assert name in shown_errors[0]
    assert len(write_and_wait(qtbot, window, "1")) == 10  # nothing froze


def test_huge_picture_is_refused_without_decoding(qtbot: QtBot, tiny_bundle: Path, tmp_path: Path,
                                                  shown_errors: list[str]) -> None:
    import struct
    import zlib

    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + header
    data = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    path = tmp_path / "huge.png"
    path.write_bytes(data + b"\x00" * 100)
    window = open_window(qtbot, tiny_bundle)
    window.open_files([str(path)])
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=5000)
    assert "20000x20000" in shown_errors[0]


def test_ink_file_opens_on_the_canvas(qtbot: QtBot, tiny_bundle: Path, tmp_path: Path) -> None:
    from core.ink import save_ink
    from tests.strokefont import write_digit as ink_digit

    path = tmp_path / "seven.json"
    save_ink(ink_digit("7", np.random.default_rng(0)), path)
    window = open_window(qtbot, tiny_bundle)
    with qtbot.waitSignal(window.candidatesShown, timeout=5000):
        window.open_files([str(path)])
    assert len(window.canvas.ink().strokes) == 2


def test_filter_restricts_candidates(qtbot: QtBot, tiny_bundle: Path) -> None:
    window = open_window(qtbot, tiny_bundle)
    write_and_wait(qtbot, window, "3")
    with qtbot.waitSignal(window.candidatesShown, timeout=5000):
        window.set_filter("kanji")
    assert window.candidates.candidates() == []
    with qtbot.waitSignal(window.candidatesShown, timeout=5000):
        window.set_filter("digits")
    assert len(window.candidates.candidates()) == 10


def test_model_menu_lists_installed_bundles(qtbot: QtBot, tiny_bundle: Path, isolated_data_dir: Path) -> None:
    shutil.copytree(tiny_bundle, isolated_data_dir / "models" / "mine")
    window = open_window(qtbot, tiny_bundle)
    window.refresh_models()
    paths = [a.data() for a in window.model_menu.actions() if a.data()]
    assert str(isolated_data_dir / "models" / "mine") in paths


def test_app_never_imports_tensorflow(tiny_bundle: Path, tmp_path: Path) -> None:
    code = f"""
import sys
from PySide6.QtWidgets import QApplication
from desktop.main_window import MainWindow
app = QApplication([])
w = MainWindow({str(tiny_bundle)!r})
w.show()
from PySide6.QtTest import QTest
for _ in range(200):
    QTest.qWait(25)
    if w.current_bundle() is not None:
        break
assert w.current_bundle() is not None
from tests.guihelpers import write_digit
write_digit(w.canvas, "1")
for _ in range(200):
    QTest.qWait(10)
    if w.candidates.candidates():
        break
assert w.candidates.candidates()
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "torch", "jax"))
print("HEAVY", bad)
w.close()
"""
    env = {"QT_QPA_PLATFORM": "offscreen", "MOJIYOMI_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout


def test_keys_undo_a_stroke_and_choose_a_candidate(qtbot: QtBot, tiny_bundle: Path) -> None:
    window = open_window(qtbot, tiny_bundle)
    qtbot.waitUntil(window.canvas.hasFocus)
    write_and_wait(qtbot, window, "7")  # two strokes
    with qtbot.waitSignal(window.candidatesShown, timeout=5000):
        QTest.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(window.canvas.ink().strokes) == 1  # one key press, one stroke undone
    labels = [c.label for c in window.candidates.candidates()]
    with qtbot.waitSignal(window.chosen) as blocker:
        QTest.keyClick(window.canvas, Qt.Key.Key_3)
    assert blocker.args[:2] == [labels[2], 2] and window.text.text() == labels[2]
    QTest.keyClick(window.canvas, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert QGuiApplication.clipboard().text() == labels[2]


def test_fast_strokes_coalesce_to_the_latest(qtbot: QtBot, tiny_bundle: Path) -> None:
    from core.ink import Ink
    from tests.strokefont import write_digit as ink_digit

    window = open_window(qtbot, tiny_bundle)
    results = []
    window.service.recognized.connect(lambda r: results.append(r.request))
    inks: list[Ink] = [ink_digit(str(i % 10), np.random.default_rng(i)) for i in range(20)]
    ids = [window.service.request(ink) for ink in inks]  # faster than any model: no event loop between
    qtbot.waitUntil(lambda: ids[-1] in results, timeout=5000)
    assert results == [ids[0], ids[-1]]  # the 18 in between were replaced, never run


def test_close_can_be_refused_and_geometry_is_kept(qtbot: QtBot, tiny_bundle: Path) -> None:
    class Jobs:
        def __init__(self) -> None:
            self.allow = False
            self.shut = False

        def confirm_close(self) -> bool:
            return self.allow

        def shutdown(self) -> None:
            self.shut = True

    window = open_window(qtbot, tiny_bundle)
    window.training = jobs = Jobs()
    window.resize(720, 480)
    assert not window.close() and window.isVisible() and not jobs.shut
    jobs.allow = True
    assert window.close() and jobs.shut
    again = MainWindow(str(tiny_bundle))  # as the app starts it: no resize
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (720, 480)


def test_the_model_chosen_in_the_menu_opens_next_time(qtbot: QtBot, tiny_bundle: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      shown_errors: list[str]) -> None:
    other = tmp_path / "other"
    shutil.copytree(tiny_bundle, other)
    monkeypatch.setattr("desktop.main_window.default_model_name", lambda: str(tiny_bundle))
    window = MainWindow(None)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.current_bundle() is not None, timeout=10000)
    with qtbot.waitSignal(window.service.modelLoaded, timeout=10000):
        window.choose_model(str(other))
    window.close()
    again = MainWindow(None)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.current_bundle() is not None, timeout=10000)
    assert again.current_bundle().path == other
    # Gone by the next start: the default opens, and nothing is shown as an error.
    again.close()
    shutil.rmtree(other)
    third = MainWindow(None)
    qtbot.addWidget(third)
    qtbot.waitUntil(lambda: third.current_bundle() is not None, timeout=10000)
    assert third.current_bundle().path == tiny_bundle and not shown_errors


def test_about_names_the_model_and_credits_its_sources(tiny_bundle: Path) -> None:
    from desktop.about import about_text

    bundle = load_bundle(tiny_bundle)
    bundle.metadata["attribution"] = "Stroke data: KanjiVG (c) Ulrich Apel and contributors, CC BY-SA 3.0"
    text = about_text(bundle)
    assert bundle.title in text and "KanjiVG" in text and "10 classes" in text
    assert "Model" not in about_text(None)


def test_about_counts_every_training_stage_of_a_continued_model() -> None:
    from desktop.about import training_minutes

    first = {"command": "mojiyomi train ...", "seconds": 4317}
    assert training_minutes(first) == "72 min"
    assert training_minutes({"seconds": 2655, "init_from": {"name": "japanese", "training": first}}) == "116 min (72 + 44)"
