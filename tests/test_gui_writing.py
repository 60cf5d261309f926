"""Writing several characters on the canvas, and correcting written characters in the text line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from core.decode import RunCache
from core.ink import Ink, make_stroke
from core.recognizer import Candidate
from core.samples import SampleStore
from desktop.main_window import MainWindow
from desktop.recognition import InkLine, LineCache
from desktop.textline import CharInfo, TextLine
from desktop.writing import WritingPrefs
from tests.guihelpers import drag
from tests.strokefont import DIGITS, _densify

pytestmark = pytest.mark.usefixtures("settings_in_tmp")
REPO = Path(__file__).resolve().parent.parent
JAPANESE = REPO / "resources" / "models" / "japanese"


def open_window(qtbot: QtBot, model: str | Path, mode: str = "horizontal") -> MainWindow:
    window = MainWindow(str(model))
    qtbot.addWidget(window)
    window.resize(1400, 640)
    window.show()
    qtbot.waitUntil(lambda: window.current_bundle() is not None, timeout=15000)
    window.writing.set_mode(mode)
    return window


def write_strokes(window: MainWindow, strokes: list[np.ndarray]) -> None:
    for stroke in strokes:
        drag(window.canvas, [(float(x), float(y)) for x, y in stroke[:, :2]])


def digit_strokes(text: str, side: float = 70.0, gap: float = 30.0, top: float = 60.0) -> list[np.ndarray]:
    """``text`` in the test font, one digit after another from left to right (canvas pixels)."""
    strokes = []
    for i, digit in enumerate(text):
        x0 = 20.0 + i * (side + gap)
        strokes += [np.column_stack([x0 + side * _densify(s, 0.05)[:, 0], top + side * _densify(s, 0.05)[:, 1]])
                    for s in DIGITS[digit]]
    return strokes


def wait_idle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.service._pending is None and not window.service._busy, timeout=10000)


def write_and_read(qtbot: QtBot, window: MainWindow, strokes: list[np.ndarray]) -> str:
    write_strokes(window, strokes)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.writing.reading is not None, timeout=10000)
    return window.writing.text()


def test_the_writing_mode_is_remembered_and_one_character_stays_the_default(qtbot: QtBot, tiny_bundle: Path) -> None:
    first = MainWindow(str(tiny_bundle))
    qtbot.addWidget(first)
    assert first.writing.prefs.mode == "single" and first.canvas.guide() == "box"
    assert first.reading_bar.isHidden()
    first.writing.set_mode("vertical")
    first.writing.set_use_lm(False)
    first.writing.set_pause(1200)
    again = MainWindow(str(tiny_bundle))
    qtbot.addWidget(again)
    assert again.writing.prefs == WritingPrefs("vertical", False, 1200)
    assert again.canvas.guide() == "vertical" and not again.reading_bar.isHidden()
    checked = [a.data() for a in again.writing.mode_actions.actions() if a.isChecked()]
    assert checked == ["vertical"] and not again.writing.lm_action.isChecked()
    item = again.writing.item(Ink((make_stroke(np.array([[0.0, 0.0], [5.0, 5.0]])),), 100, 100))
    assert isinstance(item, InkLine) and item.layout == "vertical" and item.use_lm is False


def test_several_digits_are_read_after_every_stroke_and_enter_inserts_them(qtbot: QtBot,
                                                                          digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    window.text.setText("In ")
    assert write_and_read(qtbot, window, digit_strokes("2017")) == "2017"
    assert window.reading_bar.labels() == list("2017")
    assert window.writing.selected() == 3  # the last character's alternatives are shown
    assert window.candidates.candidates()[0].label == "7"
    boxes, selected = window.canvas.marks()
    assert len(boxes) == 4 and selected == 3 and boxes[3][0] > boxes[2][2]  # each digit framed, the 7 selected
    x0, y0, _, y1 = boxes[3]
    colour = window.canvas.grab().toImage().pixelColor(int(x0 - 9), int((y0 + y1) / 2))
    assert colour.blue() > colour.red() + 60  # the selected character's frame is drawn in blue
    QTest.keyClick(window.canvas, Qt.Key.Key_Return)
    assert window.text.text() == "In 2017" and window.canvas.is_empty()
    assert window.reading_bar.labels() == [] and window.writing.reading is None and window.canvas.marks()[0] == []


def test_digits_written_top_to_bottom_read_in_the_vertical_mode(qtbot: QtBot, digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle, "vertical")
    strokes = _transposed(digit_strokes("2017", 60.0, 25.0))
    assert max(float(s[:, 1].max()) for s in strokes) < window.canvas.height()
    assert write_and_read(qtbot, window, strokes) == "2017"


def _transposed(strokes: list[np.ndarray]) -> list[np.ndarray]:
    """Strokes of digits laid out left to right, moved so the digits stand top to bottom (each upright)."""
    out = []
    for stroke in strokes:
        x, y = stroke[:, 0], stroke[:, 1]
        slot = (x.mean() - 20.0) // 85.0  # which digit (side 60 + gap 25)
        out.append(np.column_stack([x - slot * 85.0 + 80.0, y + slot * 85.0 - 40.0]))
    return out


def test_reading_goes_on_without_the_language_model_if_it_cannot_load(qtbot: QtBot, digits_bundle: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    monkeypatch.setattr("desktop.recognition.bundled_lm_path", lambda: tmp_path / "missing.npz")
    window = open_window(qtbot, digits_bundle)
    assert window.writing.prefs.use_lm
    assert write_and_read(qtbot, window, digit_strokes("35")) == "35"


def test_undo_reads_the_rest_again_and_a_new_stroke_is_not_taken_for_the_old_one(qtbot: QtBot,
                                                                                 digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    assert write_and_read(qtbot, window, digit_strokes("147")) == "147"
    window.canvas.undo()  # the 7's bar
    window.canvas.undo()  # the 7
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.writing.text() == "14", timeout=5000)
    write_strokes(window, digit_strokes("140")[-1:])  # a 0 where the 7 was: index 3 now means another stroke
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.writing.text() == "140", timeout=5000)
    window.canvas.clear()
    assert window.writing.text() == "" and window.candidates.candidates() == []


def test_picking_an_alternative_replaces_that_character_and_keeps_its_strokes_visibly(
        qtbot: QtBot, digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    assert write_and_read(qtbot, window, digit_strokes("17")) == "17"
    window.reading_bar.buttons[0].click()
    assert window.writing.selected() == 0 and window.candidates.candidates()[0].label == "1"
    other = window.candidates.candidates()[2].label
    window.candidates.buttons[2].click()
    assert window.writing.text() == other + "7" and window.canvas.ink().strokes  # still writing
    notice = window.training.sample_notice()
    assert notice.isVisible() and f"Kept as a sample of “{other}”" in notice.label.text()
    with SampleStore() as store:
        kept = store.list()
    assert [s.label for s in kept] == [other] and len(kept[0].ink.strokes) == len(DIGITS["1"])
    assert kept[0].candidates[0][0] == "1"  # the model's ranking, as read
    back = [c.label for c in window.candidates.candidates()].index("1")
    window.candidates.buttons[back].click()  # the reading was right after all: nothing to learn
    with SampleStore() as store:
        assert store.count() == 0
    assert notice.isHidden() and window.writing.text() == "17"
    window.candidates.buttons[[c.label for c in window.candidates.candidates()].index(other)].click()
    write_strokes(window, digit_strokes("174")[-1:])  # one more digit: the pick stays
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.writing.text() == other + "74", timeout=5000)
    notice.undo_button.click()
    with SampleStore() as store:
        assert store.count() == 0
    assert notice.isHidden() and "not kept" in window.statusBar().currentMessage()
    window.reading_bar.commitRequested.emit()
    assert window.text.text() == other + "74"


def test_a_pause_inserts_the_reading_when_asked(qtbot: QtBot, digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    window.writing.set_pause(800)
    write_strokes(window, digit_strokes("23"))
    qtbot.waitUntil(lambda: window.text.text() == "23", timeout=5000)
    assert window.canvas.is_empty()


def test_the_text_before_the_cursor_is_the_context(qtbot: QtBot, tiny_bundle: Path) -> None:
    window = open_window(qtbot, tiny_bundle)
    window.text.setText("今日は晴れ")
    window.text.setCursorPosition(3)
    item = window.writing.item(Ink((make_stroke(np.array([[0.0, 0.0], [5.0, 5.0]])),), 100, 100))
    assert isinstance(item, InkLine) and item.context == "今日は" and item.use_lm


def test_characters_read_from_a_picture_keep_their_candidates(qtbot: QtBot, digits_bundle: Path, mnist_dir: Path,
                                                               tmp_path: Path) -> None:
    import cv2

    from training.datasets.idx import load_mnist

    x, y = load_mnist(mnist_dir, "test")
    picture = tmp_path / "strip.png"
    cv2.imwrite(str(picture), 255 - cv2.resize(np.concatenate([np.pad(x[i], 8) for i in range(3)], axis=1),
                                               None, fx=3, fy=3))
    window = open_window(qtbot, digits_bundle, "single")
    with qtbot.waitSignal(window.pictures.readingShown, timeout=5000):
        window.open_files([str(picture)])
    window.pictures.insert_button.click()
    assert window.text.text() == "".join(str(d) for d in y[:3])
    found = window.text_line.info(1)
    assert found is not None and found[1].candidates[0].label == str(y[1]) and len(found[1].candidates) == 10


def _infos(text: str) -> list[CharInfo]:
    return [CharInfo(c, (Candidate(c, 0.6), Candidate(c + "'", 0.3), Candidate("x", 0.1))) for c in text]


def test_written_characters_keep_their_candidates_through_typing(qtbot: QtBot) -> None:
    line = TextLine()
    qtbot.addWidget(line)
    line.insert_chars(_infos("天気"))
    line.edit.setCursorPosition(0)
    line.edit.insert("今日の")  # typed (an input method commits its text like this)
    line.edit.end(False)
    QTest.keyClick(line.edit, Qt.Key.Key_Backspace)  # 気 goes
    line.insert_chars(_infos("気"))
    assert line.edit.text() == "今日の天気"
    assert [line.info(i) is not None for i in range(5)] == [False, False, False, True, True]
    assert line.info(3)[1].candidates[1].label == "天'"
    line.replace_char(3, "天'")
    assert line.edit.text() == "今日の天'気" and line.info(4)[1].label == "天'"
    assert line.info(5)[1].label == "気"


def test_clicking_a_written_character_shows_its_candidates_and_a_key_replaces_it(
        qtbot: QtBot, tiny_bundle: Path) -> None:
    window = open_window(qtbot, tiny_bundle, "single")
    ink = Ink((make_stroke(np.array([[0.0, 0.0], [5.0, 5.0]])),), 100, 100)
    window.text_line.insert_chars([CharInfo("ニ", (Candidate("ニ", 0.5), Candidate("二", 0.4)), ink),
                                   CharInfo("月", (Candidate("月", 0.9), Candidate("用", 0.1)))])
    edit = window.text_line.edit
    x = next(x for x in range(0, edit.width()) if edit.char_at(x) == 0)
    QTest.mouseClick(edit, Qt.MouseButton.LeftButton, pos=QPointF(x + 2, edit.height() / 2).toPoint())
    assert window.writing.correcting() == 0
    assert [c.label for c in window.candidates.candidates()] == ["ニ", "二"]
    QTest.keyClick(edit, Qt.Key.Key_2)
    assert edit.text() == "二月" and window.writing.correcting() is None
    with SampleStore() as store:
        assert [s.label for s in store.list()] == ["二"]  # a correction with known ink is kept (visibly)
    assert window.training.sample_notice().isVisible()
    QTest.mouseClick(edit, Qt.MouseButton.LeftButton, pos=QPointF(x + 2, edit.height() / 2).toPoint())
    assert [c.label for c in window.candidates.candidates()] == ["二", "ニ"]
    QTest.keyClick(edit, Qt.Key.Key_2)  # back to what was read: the sample goes
    with SampleStore() as store:
        assert edit.text() == "ニ月" and store.count() == 0
    x = next(x for x in range(0, edit.width()) if edit.char_at(x) == 1)
    QTest.mouseClick(edit, Qt.MouseButton.LeftButton, pos=QPointF(x + 2, edit.height() / 2).toPoint())
    window.candidates.buttons[1].click()
    assert edit.text() == "ニ用"
    QTest.keyClicks(edit, "3")  # after a pick a digit is typed again, at the cursor (where the click was)
    assert edit.text() == "ニ3用"
    QTest.mouseClick(edit, Qt.MouseButton.LeftButton, pos=QPointF(x + 2, edit.height() / 2).toPoint())
    assert window.writing.correcting() is None and "typed" in window.statusBar().currentMessage()  # the 3
    x = next(x for x in range(0, edit.width()) if edit.char_at(x) == 2)
    QTest.mouseClick(edit, Qt.MouseButton.LeftButton, pos=QPointF(x + 2, edit.height() / 2).toPoint())
    assert window.writing.correcting() == 2
    QTest.keyClick(edit, Qt.Key.Key_End)  # moving on: digits type again
    QTest.keyClicks(edit, "4")
    assert edit.text() == "ニ3用4" and window.writing.correcting() is None
    QTest.mouseClick(edit, Qt.MouseButton.LeftButton, pos=QPointF(x + 2, edit.height() / 2).toPoint())
    QTest.mouseClick(edit, Qt.MouseButton.LeftButton, pos=QPointF(edit.width() - 5, edit.height() / 2).toPoint())
    assert window.writing.correcting() is None and window.candidates.candidates() == []  # a click beside the text


def test_the_run_cache_keeps_only_runs_of_unchanged_leading_strokes() -> None:
    def ink(*xs: float) -> Ink:
        return Ink(tuple(make_stroke(np.array([[x, 0.0], [x + 5, 9.0]])) for x in xs), 100, 100)

    cache = LineCache()
    runs = cache.for_ink(ink(0, 10, 20), ("model",))
    runs.probs.update({(0,): np.ones(2), (1,): np.ones(2), (0, 1): np.ones(2), (2,): np.ones(2), (1, 2): np.ones(2)})
    assert cache.for_ink(ink(0, 10, 20, 30), ("model",)) is runs and len(runs.probs) == 5  # a new stroke
    cache.for_ink(ink(0, 10, 25), ("model",))  # undo twice, then another third stroke
    assert set(runs.probs) == {(0,), (1,), (0, 1)}
    assert cache.for_ink(ink(0, 10, 25), ("other model",)) is not runs
    assert isinstance(cache.runs, RunCache) and not cache.runs.probs


def tomoe_strokes(text: str, tomoe: dict[str, Ink], size: float = 90.0, gap: float = 22.0) -> list[np.ndarray]:
    """``text`` in Tomoe's ink, each character scaled to ``size`` pixels and shifted along x."""
    strokes, x = [], 20.0
    for char in text:
        points = np.concatenate([s[:, :2] for s in tomoe[char].strokes])
        low, scale = points.min(axis=0), size / 300.0
        for stroke in tomoe[char].strokes:
            xy = (stroke[:, :2] - [low[0], 0.0]) * scale
            strokes.append(xy + [x, 60.0])
        x += (points[:, 0].max() - low[0]) * scale + gap
    return strokes


def test_real_writing_of_a_phrase_is_read_and_inserted(qtbot: QtBot, tomoe_inks: dict[str, Ink]) -> None:
    if not (JAPANESE / "metadata.json").exists():
        pytest.skip("resources/models/japanese is not present")
    window = open_window(qtbot, JAPANESE)
    assert write_and_read(qtbot, window, tomoe_strokes("二月の天気", tomoe_inks)) == "二月の天気"
    assert window.reading_bar.labels() == list("二月の天気")
    window.reading_bar.insert_button.click()
    assert window.text.text() == "二月の天気" and window.canvas.is_empty()
    found = window.text_line.info(0)
    assert found is not None and found[1].ink is not None and len(found[1].ink.strokes) == 2
