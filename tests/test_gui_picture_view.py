"""The picture view: an opened or pasted picture with numbered boxes, candidates, picks, merge and split."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt, QThread, QTimer
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from core.paths import user_data_dir
from desktop.main_window import MainWindow
from core.picture_edit import char_model_input
from core.samples import DB_NAME, SampleStore
from desktop.picture_view import PictureView
from desktop.samples_window import SamplesWindow
from tests.conftest import REPO
from tests.test_picture import digit_line, kana_line

pytestmark = pytest.mark.usefixtures("settings_in_tmp")

JAPANESE_BUNDLE = REPO / "resources" / "models" / "japanese"


def open_window(qtbot: QtBot, model: str | Path) -> MainWindow:
    window = MainWindow(str(model))
    qtbot.addWidget(window)
    window.resize(1000, 600)
    window.show()
    qtbot.waitUntil(lambda: window.current_bundle() is not None, timeout=15000)
    return window


def read(qtbot: QtBot, window: MainWindow, grey: np.ndarray) -> PictureView:
    view = window.pictures
    with qtbot.waitSignal(view.readingShown, timeout=20000):
        view.open_grey(grey)
    return view


def read_text(view: PictureView) -> str:
    """The text read, as the recognizer gave it (the view shows it in the text line's width form)."""
    return view.reading.text if view.reading is not None else ""


def click_box(view: PictureView, index: int) -> None:
    centre = view.canvas.box_rect(index).center().toPoint()
    QTest.mouseClick(view.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)


def test_a_picture_shows_a_numbered_box_per_character_in_place_of_the_canvas(qtbot: QtBot,
                                                                            digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    view = read(qtbot, window, digit_line("4712"))
    assert window.pages.currentWidget() is view and view.isVisible() and not window.canvas.isVisible()
    assert view.labels() == list("4712") and view.text_label.text() == "4712"
    rects = [view.canvas.box_rect(i) for i in range(4)]
    assert len(view.canvas.boxes) == 4
    assert all(a.right() < b.left() for a, b in zip(rects, rects[1:]))  # in reading order, apart
    assert not view.progress.isVisible()
    shot = view.canvas.grab().toImage()
    edges = [shot.pixelColor(r.left(), r.center().y()) for r in (rect.toAlignedRect() for rect in rects[:2])]
    assert edges[0].red() > 150 > edges[0].blue() and edges[1].blue() > 150 > edges[1].red()  # selected: red


def test_clicking_a_box_shows_its_candidates_and_a_pick_corrects_it(qtbot: QtBot, digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    view = read(qtbot, window, digit_line("4712"))
    click_box(view, 2)
    assert view.selected() == 2 and view.canvas.selected == 2
    shown = view.candidates.candidates()
    assert shown[0].label == "1" and len(shown) == 10 and "3 of 4" in view.candidates.hint()
    other = shown[3]
    view.candidates.buttons[3].click()
    assert view.labels() == ["4", "7", other.label, "2"] and view.text() == f"47{other.label}2"
    assert view.selected() == 3  # on to the next character
    # The correction is kept as a picture sample in the samples database, visibly, and Undo takes it back.
    kept = view.kept_samples()
    store = view.store()
    assert store is not None and store.path == user_data_dir() / DB_NAME
    [sample] = store.get(kept)
    assert (sample.kind, sample.label, sample.candidates[0][0], sample.corrected) == ("picture", other.label, "1", True)
    bundle = window.current_bundle()
    assert view.reading is not None and sample.image is not None and bundle is not None
    assert np.array_equal(sample.image, char_model_input(view.reading, 2, bundle.preprocessing))
    assert sample.source.startswith("pasted x=")
    assert view.notice.isVisible() and other.label in view.notice.label.text()
    view.notice.undo_button.click()
    assert store.get(kept) == [] and view.kept_samples() == []
    # Picking what was read again keeps nothing.
    click_box(view, 2)
    view.candidates.choose(next(i for i, c in enumerate(view.candidates.candidates()) if c.label == "1"))
    assert view.text() == "4712" and view.kept_samples() == []


def test_merge_gives_one_box_read_again_and_split_gives_two(qtbot: QtBot, digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    view = read(qtbot, window, digit_line("4712"))
    (a, b) = view.canvas.boxes[:2]
    click_box(view, 0)
    with qtbot.waitSignal(view.readingShown, timeout=10000):
        view.merge_button.click()
    assert len(view.canvas.boxes) == 3 and view.selected() == 0
    assert view.canvas.boxes[0] == (a[0], min(a[1], b[1]), b[2], max(a[3], b[3]))  # picture pixels
    assert view.labels()[1:] == ["1", "2"]
    assert view.candidates.candidates()[0].label == view.labels()[0]
    with qtbot.waitSignal(view.readingShown, timeout=10000):
        QTest.keyClick(view, Qt.Key.Key_S)
    assert view.labels() == list("4712") and len(view.canvas.boxes) == 4


def test_inserting_puts_the_reading_into_the_text_line_with_alternatives(qtbot: QtBot,
                                                                         digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    view = read(qtbot, window, digit_line("4712"))
    view.insert_button.click()
    assert window.text.text() == "4712"
    found = window.text_line.info(1)
    assert found is not None and found[1].label == "7" and len(found[1].candidates) == 10
    view.copy_button.click()
    assert QGuiApplication.clipboard().text() == "4712"
    view.back_button.click()
    assert window.pages.currentIndex() == 0 and window.canvas.isVisible()


def test_reading_runs_in_the_worker_with_progress_and_the_window_stays_responsive(qtbot: QtBot,
                                                                                  digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    view = window.pictures
    lines = ["".join(str((3 * i + k) % 10) for k in range(6)) for i in range(8)]
    page = cv2.resize(np.concatenate([digit_line(text, gap=30)[80:200] for text in lines]), None, fx=2, fy=2)
    view.layout_box.setCurrentIndex(view.layout_box.findData("horizontal"))
    progress: list[tuple[int, int]] = []
    threads: set[object] = set()
    window.service.progress.connect(lambda _r, done, total: progress.append((done, total)))
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    view.readingShown.connect(lambda: threads.add(QThread.currentThread()))
    started = time.perf_counter()
    with qtbot.waitSignal(view.readingShown, timeout=30000):
        view.open_grey(page)
        assert view.progress.isVisible() and view.busy()
        assert not view.merge_button.isEnabled()
    elapsed = time.perf_counter() - started
    timer.stop()
    assert view.text() == "\n".join(lines)
    assert progress[0] == (0, 8) and progress[-1] == (8, 8) and len(progress) == 9
    assert threads == {window.thread()}  # the view is updated on the GUI thread
    # The event loop kept turning while the worker read: no gap near the whole reading's time.
    gaps = np.diff([started, *ticks])
    assert len(ticks) >= 5 and gaps.max() < 0.6 * elapsed


def test_layout_choice_reads_the_picture_again(qtbot: QtBot, digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    view = read(qtbot, window, digit_line("4712"))
    with qtbot.waitSignal(view.readingShown, timeout=10000):
        view.set_layout("single")
    assert len(view.labels()) == 1


def test_a_picture_is_read_with_the_view_filter_and_again_when_it_changes(qtbot: QtBot) -> None:
    # Under View > Digits the Japanese model offers digits only for ink written on the canvas, and so
    # it must for a picture: フ is read as フ, and as digits among the digits (each フ alike: a seven,
    # or, cut where it bends, "27" by a model that knows its digits well).
    window = open_window(qtbot, JAPANESE_BUNDLE)
    window.set_filter("digits")
    view = read(qtbot, window, kana_line("フフフフ"))
    digits = read_text(view)
    assert digits.isdigit() and digits == digits[:len(digits) // 4] * 4 and "7" in digits
    assert all(c.label.isdigit() for c in view.candidates.candidates())
    with qtbot.waitSignal(view.readingShown, timeout=20000):
        window.set_filter("all")
    assert read_text(view) == "フフフフ"
    with qtbot.waitSignal(view.readingShown, timeout=20000):
        window.set_filter("digits")
    assert read_text(view) == digits and view.selected() == 0


def test_a_filter_chosen_while_a_picture_is_read_starts_the_reading_over(qtbot: QtBot) -> None:
    window = open_window(qtbot, JAPANESE_BUNDLE)
    view = window.pictures
    with qtbot.waitSignal(view.readingShown, timeout=20000):
        view.open_grey(digit_line("7777"))
        window.set_filter("digits")  # the reading asked for with the old filter is not shown
    assert read_text(view) == "7777"
    qtbot.wait(200)
    assert read_text(view) == "7777" and not view.busy()


def test_a_filter_that_leaves_none_of_the_models_characters_says_so(qtbot: QtBot, digits_bundle: Path,
                                                                    shown_errors: list[str]) -> None:
    window = open_window(qtbot, digits_bundle)
    view = read(qtbot, window, digit_line("47"))
    window.set_filter("kanji")
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=10000)
    assert "allowed by the filter" in shown_errors[0] and "allowed by the filter" in view.text_label.text()
    assert window.pages.currentWidget() is view and view.labels() == []
    with qtbot.waitSignal(view.readingShown, timeout=10000):
        window.set_filter("digits")
    assert view.text() == "47"


def japanese_reading(view: PictureView) -> bool:
    """True when the shown reading is the Japanese model's: its candidates are not all digits (the digits
    model knows 0-9 only)."""
    shown = view.candidates.candidates()
    return bool(read_text(view)) and not view.busy() and any(not c.label.isdigit() for c in shown)


def test_a_model_chosen_reads_the_open_picture_again_with_it(qtbot: QtBot, digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    view = read(qtbot, window, digit_line("7777"))
    assert read_text(view) == "7777"
    other = next(i for i, c in enumerate(view.candidates.candidates()) if c.label != "7")
    view.candidates.choose(other)  # a correction, kept as a sample
    kept = view.kept_samples()
    assert len(kept) == 1
    with qtbot.waitSignal(view.readingShown, timeout=20000):
        window.choose_model(str(JAPANESE_BUNDLE))
    bundle = window.current_bundle()
    assert bundle is not None and bundle.path.resolve() == JAPANESE_BUNDLE.resolve()
    assert japanese_reading(view) and len(view.labels()) == 4 and view.selected() == 0  # the pick is gone
    shown = view.candidates.candidates()
    assert all(c.label in bundle.labels for c in shown) and len(shown) == 10  # the digits model has 0-9 only
    store = view.store()
    assert store is not None and len(store.get(kept)) == 1 and view.kept_samples() == kept  # the sample stays


def test_a_model_chosen_while_a_picture_is_read_or_mended_reads_it_with_the_new_model(
        qtbot: QtBot, digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    view = window.pictures
    view.open_grey(digit_line("7777"))  # read by the digits model: the worker takes it before the load
    window.switch_model(str(JAPANESE_BUNDLE))
    qtbot.waitUntil(lambda: japanese_reading(view), timeout=20000)
    window.switch_model(str(digits_bundle))
    qtbot.waitUntil(lambda: read_text(view) == "7777" and not view.busy(), timeout=20000)
    # A merge asked for while the model loads mends the old model's reading: all of it is read again.
    window.switch_model(str(JAPANESE_BUNDLE))
    view.merge_button.click()
    qtbot.waitUntil(lambda: japanese_reading(view), timeout=20000)
    assert len(view.labels()) == 4
    qtbot.wait(200)
    assert japanese_reading(view) and len(view.labels()) == 4


def test_a_picture_opened_while_a_model_loads_is_read_once_with_it(qtbot: QtBot, digits_bundle: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_window(qtbot, digits_bundle)
    view = window.pictures
    asked: list[object] = []
    request = window.service.request

    def counted(item: Any, filter_name: str = "all") -> int:
        asked.append(item)
        return request(item, filter_name)

    monkeypatch.setattr(window.service, "request", counted)
    window.switch_model(str(JAPANESE_BUNDLE))  # as at start-up with a picture named on the command line
    with qtbot.waitSignal(view.readingShown, timeout=20000):
        view.open_grey(digit_line("7777"))
    assert japanese_reading(view)
    qtbot.wait(200)
    assert len(asked) == 1 and japanese_reading(view)


def test_a_picture_without_writing_says_so_and_a_bad_file_returns_to_the_canvas(
        qtbot: QtBot, digits_bundle: Path, shown_errors: list[str], tmp_path: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    view = window.pictures
    view.open_grey(np.full((200, 300), 240, np.uint8))
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=10000)
    assert "No writing" in shown_errors[0] and "No writing" in view.text_label.text()
    assert window.pages.currentWidget() is view and not view.busy()
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    window.open_files([str(bad)])
    qtbot.waitUntil(lambda: len(shown_errors) == 2, timeout=10000)
    assert "broken.png" in shown_errors[1] and window.pages.currentIndex() == 0


def test_several_pictures_opened_at_once_are_read_one_after_another(qtbot: QtBot, digits_bundle: Path,
                                                                      tmp_path: Path) -> None:
    paths = []
    for text in ("47", "123"):
        paths.append(tmp_path / f"{text}.png")
        cv2.imwrite(str(paths[-1]), digit_line(text))
    window = open_window(qtbot, digits_bundle)
    view = window.pictures
    with qtbot.waitSignal(view.readingShown, timeout=10000):
        window.open_files([str(p) for p in paths])
    assert view.text() == "47" and view.title.text() == "47.png"
    assert view.next_button.isVisible() and "1" in view.next_button.text()
    with qtbot.waitSignal(view.readingShown, timeout=10000):
        view.next_button.click()
    assert view.text() == "123" and not view.next_button.isVisible()


def test_a_waiting_picture_is_not_dropped_for_newer_writing(qtbot: QtBot, digits_bundle: Path) -> None:
    from tests.strokefont import write_digit as ink_digit

    window = open_window(qtbot, digits_bundle)
    service, rng = window.service, np.random.default_rng(0)
    service.request(ink_digit("1", rng))  # busy with ink: what follows waits
    with qtbot.waitSignal(window.pictures.readingShown, timeout=10000):
        window.pictures.open_grey(digit_line("47"))
        for digit in "2345":  # ink coalesces: only the newest stroke waits, the picture keeps its turn
            service.request(ink_digit(digit, rng))
    assert window.pictures.text() == "47"


def test_keys_select_and_pick(qtbot: QtBot, digits_bundle: Path) -> None:
    window = open_window(qtbot, digits_bundle)
    view = read(qtbot, window, digit_line("4712"))
    QTest.keyClick(view, Qt.Key.Key_Right)
    assert view.selected() == 1
    third = view.candidates.candidates()[2].label
    QTest.keyClick(view, Qt.Key.Key_3)
    assert view.labels()[1] == third and view.selected() == 2


def test_going_back_while_a_picture_is_read_stops_it_quietly(qtbot: QtBot, digits_bundle: Path,
                                                              shown_errors: list[str]) -> None:
    window = open_window(qtbot, digits_bundle)
    view = window.pictures
    page = np.concatenate([digit_line("4712", gap=30)[80:200] for _ in range(10)])
    view.layout_box.setCurrentIndex(view.layout_box.findData("horizontal"))
    cancelled: list[str] = []
    window.service.failed.connect(lambda _r, _s, message: cancelled.append(message))
    view.open_grey(cv2.resize(page, None, fx=2, fy=2))
    view.back_button.click()
    assert window.pages.currentIndex() == 0 and not view.busy()
    qtbot.waitUntil(lambda: cancelled == [""], timeout=20000)  # the worker stopped, saying nothing
    assert shown_errors == [] and view.reading is None
    assert view.text() == "" and window.canvas.isVisible()


def test_my_samples_lists_a_picture_sample_with_its_picture_and_undoes_its_deletion(qtbot: QtBot,
                                                                                    tmp_path: Path) -> None:
    image = np.zeros((28, 28), np.uint8)
    image[4:24, 12:16] = 255  # a "1": a white bar on black, as the model saw it
    with SampleStore(tmp_path / "s.sqlite3") as store:
        kept = store.add_picture(image, "1", "digits", [("7", 0.6), ("1", 0.3)], "page.png x=1 y=2 w=3 h=4")
        window = SamplesWindow(store)
        qtbot.addWidget(window)
        window.show()
        assert window.model.rowCount() == 1
        index = window.model.index(0)
        assert "page.png x=1" in window.model.data(index, Qt.ItemDataRole.ToolTipRole)
        thumb = window.model.thumbnail(0).toImage().convertToFormat(QImage.Format.Format_Grayscale8)
        pixels = np.array([[thumb.pixelColor(x, y).value() for x in range(thumb.width())]
                           for y in range(thumb.height())])
        dark = pixels < 128  # drawn dark on white like the inks, centred
        assert dark.any() and dark[:, 26:46].sum() > 0.9 * dark.sum() and dark.any(axis=1).sum() > 40
        window.view.selectAll()
        window.delete_selected()
        assert store.count() == 0 and window.model.rowCount() == 0
        window.undo_delete()
        [back] = store.get([kept])
        assert back.kind == "picture" and back.image is not None and np.array_equal(back.image, image)
