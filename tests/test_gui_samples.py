"""My samples window and practice mode, driven the way a user drives them."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from core.ink import iter_ink_dataset
from core.samples import SampleStore
from desktop.practice import PracticeDialog, practice_characters
from desktop.samples_window import SamplesWindow, ink_pixmap, open_store
from tests.guihelpers import drag, write_digit
from tests.strokefont import writer_samples


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SampleStore]:
    with SampleStore(tmp_path / "s.sqlite3") as opened:
        yield opened


def _fill(store: SampleStore, per_digit: int = 2) -> None:
    for ink in writer_samples(per_digit, seed=0, slant=0.0, squash=1.0):
        store.add(ink, str(ink.label), "digits", [("1", 0.5), (str(ink.label), 0.3)])


def _window(qtbot: QtBot, store: SampleStore) -> SamplesWindow:
    window = SamplesWindow(store)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # keyboard shortcuts need an active window
    return window


def _visible_items(window: SamplesWindow) -> int:
    view = window.view
    return sum(1 for row in range(window.model.rowCount())
               if view.visualRect(window.model.index(row)).intersects(view.viewport().rect()))


def test_thumbnails_show_the_ink(qtbot: QtBot, store: SampleStore) -> None:
    ink = writer_samples(1, seed=0, slant=0.0, squash=1.0)[1]  # a "1": a vertical bar
    image = ink_pixmap(ink, 72).toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    pixels = np.array([[image.pixelColor(x, y).value() for x in range(72)] for y in range(72)])
    dark = pixels < 128
    assert dark.any() and dark[:, 36 - 12:36 + 12].sum() > 0.8 * dark.sum()  # drawn, centred
    assert dark.any(axis=1).sum() > 40  # fitted: tall, not a dot in a corner


def test_the_grid_shows_every_sample_and_the_label_filter_narrows_it(qtbot: QtBot, store: SampleStore) -> None:
    _fill(store)
    window = _window(qtbot, store)
    assert window.model.rowCount() == 20 and "20 of 20" in window.count.text()
    qtbot.waitUntil(lambda: _visible_items(window) > 5)
    assert not window.model.data(window.model.index(0), Qt.ItemDataRole.DecorationRole).isNull()
    assert "the model read “1”" in window.model.data(window.model.index(0), Qt.ItemDataRole.ToolTipRole)
    texts = [window.label_filter.itemText(i) for i in range(window.label_filter.count())]
    assert texts[0].startswith("All") and "7  (2)" in texts
    window.label_filter.setCurrentIndex(window.label_filter.findData("7"))
    assert window.model.rowCount() == 2 and {s.label for s in window.model.samples} == {"7"}
    assert "2 of 20" in window.count.text()


def test_the_date_filter_hides_samples_outside_the_range(qtbot: QtBot, store: SampleStore, tmp_path: Path) -> None:
    _fill(store, 1)
    old = writer_samples(1, seed=5, slant=0.0, squash=1.0)[:3]
    lines = [f'{{"label": "{ink.label}", "created": {time.time() - 40 * 86400}, '
             f'"strokes": {[s[:, :2].tolist() for s in ink.strokes]}}}' for ink in old]
    (tmp_path / "old.jsonl").write_text("\n".join(lines) + "\n")
    window = _window(qtbot, store)
    assert window.model.rowCount() == 10
    window.import_(str(tmp_path / "old.jsonl"))
    assert window.model.rowCount() == 13  # From moved back to show the older imported samples
    window.until.setDate(QDate.currentDate().addDays(-30))
    assert window.model.rowCount() == 3
    window.since.setDate(QDate.currentDate().addDays(-1))
    window.until.setDate(QDate.currentDate())
    assert window.model.rowCount() == 10


def test_delete_key_and_ctrl_z_undo(qtbot: QtBot, store: SampleStore) -> None:
    _fill(store)
    window = _window(qtbot, store)
    assert not window.buttons["delete"].isEnabled() and not window.buttons["undo"].isEnabled()
    window.view.setFocus()
    assert window.view.hasFocus()
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=window.view.visualRect(
        window.model.index(0)).center())
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     pos=window.view.visualRect(window.model.index(2)).center())
    chosen = [window.model.samples[0].id, window.model.samples[2].id]
    assert window.selected_ids() == chosen and window.buttons["delete"].isEnabled()
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert store.count() == 18 and window.model.rowCount() == 18 and not store.get(chosen)
    assert window.buttons["undo"].isEnabled()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert store.count() == 20 and [s.id for s in store.get(chosen)] == chosen
    assert window.model.rowCount() == 20 and not window.buttons["undo"].isEnabled()


def test_relabel_from_the_context_menu(qtbot: QtBot, store: SampleStore, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(store)
    window = _window(qtbot, store)
    window.label_filter.setCurrentIndex(window.label_filter.findData("4"))
    window.view.selectAll()
    asked: list[str] = []

    def answer(parent: object, title: str, label: str, **kwargs: object) -> tuple[str, bool]:
        asked.append(label)
        return " 9 ", True

    monkeypatch.setattr(QInputDialog, "getText", answer)
    menus: list[QMenu] = []
    monkeypatch.setattr(QMenu, "popup", lambda menu, pos, at=None: menus.append(menu))
    window.view.customContextMenuRequested.emit(window.view.visualRect(window.model.index(0)).center())
    [relabel] = [a for a in menus[0].actions() if a.text().startswith("Relabel")]
    relabel.trigger()
    assert asked == ["New label for 2 sample(s):"]
    assert dict(store.labels()).get("4") is None and dict(store.labels())["9"] == 4
    assert "9  (4)" in [window.label_filter.itemText(i) for i in range(window.label_filter.count())]
    assert window.model.rowCount() == 0 and "(0)" in window.label_filter.currentText()  # the filter is kept


def test_export_writes_the_selection_or_what_is_shown(qtbot: QtBot, store: SampleStore, tmp_path: Path) -> None:
    _fill(store)
    window = _window(qtbot, store)
    window.label_filter.setCurrentIndex(window.label_filter.findData("3"))
    window.export(str(tmp_path / "threes.jsonl"))
    assert [ink.label for ink in iter_ink_dataset(tmp_path / "threes.jsonl")] == ["3", "3"]
    window.label_filter.setCurrentIndex(0)
    window.view.setCurrentIndex(window.model.index(5))
    window.export(str(tmp_path / "one.jsonl"))
    assert [ink.label for ink in iter_ink_dataset(tmp_path / "one.jsonl")] == [window.model.samples[5].label]


def test_a_bad_import_is_reported_and_adds_nothing(qtbot: QtBot, store: SampleStore, tmp_path: Path,
                                                   shown_errors: list[str]) -> None:
    _fill(store, 1)
    window = _window(qtbot, store)
    (tmp_path / "bad.jsonl").write_text('{"label": "1", "strokes": [[[0, 0], [1, 1]]]}\n{"oops": 1}\n')
    window.import_(str(tmp_path / "bad.jsonl"))
    assert len(shown_errors) == 1 and "line 2" in shown_errors[0]
    assert store.count() == 10 and window.model.rowCount() == 10


def test_thousands_of_samples_open_quickly(qtbot: QtBot, store: SampleStore) -> None:
    inks = writer_samples(1, seed=0, slant=0.0, squash=1.0)
    for i in range(2000):
        store.add(inks[i % 10], str(i % 10))
    start = time.perf_counter()
    window = _window(qtbot, store)
    qtbot.waitUntil(lambda: _visible_items(window) > 5)
    assert window.model.rowCount() == 2000
    assert time.perf_counter() - start < 10
    assert len(window.model._thumbs) < 500  # only what is on screen was drawn


def test_a_damaged_database_can_be_moved_aside(qtbot: QtBot, isolated_data_dir: Path,
                                               monkeypatch: pytest.MonkeyPatch, shown_errors: list[str]) -> None:
    isolated_data_dir.mkdir(parents=True)
    junk = os.urandom(4096)
    (isolated_data_dir / "samples.sqlite3").write_bytes(junk)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    assert open_store(None) is None and (isolated_data_dir / "samples.sqlite3").read_bytes() == junk
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    opened = open_store(None)
    assert opened is not None and opened.count() == 0
    opened.close()
    [moved] = isolated_data_dir.glob("samples.corrupt-*.sqlite3")
    assert moved.read_bytes() == junk and not shown_errors


def test_practice_suggests_the_most_misread_characters(qtbot: QtBot, store: SampleStore) -> None:
    dialog = PracticeDialog(store, list("0123456789abc"), "digits")
    qtbot.addWidget(dialog)
    assert dialog.characters.text() == "0123456789"  # nothing misread yet: the model's first labels
    assert not dialog.misread_button.isEnabled()
    ink = writer_samples(1, seed=0, slant=0.0, squash=1.0)[0]
    for label in "7744":
        store.add(ink, label, "digits", [("1", 0.9)])
    store.add(ink, "4", "digits", [("1", 0.9)])
    again = PracticeDialog(store, list("0123456789"), "digits")
    qtbot.addWidget(again)
    assert again.characters.text() == "47"
    again.characters.setText("xyz")
    again.misread_button.click()
    assert again.characters.text() == "47"
    assert practice_characters("あ い、あう") == ["あ", "い", "う"]


def test_practice_keeps_what_is_written_with_the_target_label(qtbot: QtBot, store: SampleStore) -> None:
    dialog = PracticeDialog(store, list("0123456789"), "digits")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.characters.setText("17")
    dialog.repeats.setValue(2)
    qtbot.keyClick(dialog.characters, Qt.Key.Key_Return)  # Enter in the field starts
    assert dialog.current == "1" and dialog.target.text() == "1" and "1 / 4" in dialog.progress.text()
    assert store.count() == 0
    qtbot.keyClick(dialog.canvas, Qt.Key.Key_Return)  # nothing written: nothing kept
    assert store.count() == 0 and dialog.current == "1"
    write_digit(dialog.canvas, "1")
    qtbot.keyClick(dialog.canvas, Qt.Key.Key_Return)
    assert dialog.current == "1" and "2 / 4" in dialog.progress.text() and dialog.canvas.is_empty()
    dialog.skip_button.click()
    write_digit(dialog.canvas, "7")
    drag(dialog.canvas, [(40, 40), (60, 60)])
    dialog.undo_button.click()  # the stray stroke goes
    with qtbot.waitSignal(dialog.sampleSaved) as saved:
        dialog.save_button.click()
    samples = store.list()
    assert [(s.label, s.model) for s in samples] == [("1", "digits"), ("7", "digits")]
    assert samples[1].id == saved.args[0] and len(samples[1].ink.strokes) == 2  # the 7's two strokes
    assert dialog.current == "7" and "4 / 4" in dialog.progress.text()
    dialog.skip_button.click()
    assert dialog.current is None and "2 kept of 4" in dialog.progress.text()
    assert not dialog.save_button.isEnabled()


def test_practice_reports_a_database_it_cannot_write(qtbot: QtBot, tmp_path: Path,
                                                    shown_errors: list[str]) -> None:
    path = tmp_path / "s.sqlite3"
    store = SampleStore(path, timeout=0.2)
    dialog = PracticeDialog(store, list("0123456789"), "digits")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.characters.setText("2")
    dialog.start()
    write_digit(dialog.canvas, "2")
    holder = sqlite3.connect(path, isolation_level=None)  # another program writing
    holder.execute("BEGIN EXCLUSIVE")
    try:
        dialog.save()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(shown_errors) == 1 and "in use by another program" in shown_errors[0]
    assert dialog.current == "2" and not dialog.canvas.is_empty()  # the writing is not lost
    dialog.save()
    assert [s.label for s in store.list()] == ["2"]
    store.close()


def _answering(monkeypatch: pytest.MonkeyPatch, button: str | None) -> list[str]:
    """Answers label questions with ``button`` where there is one, else the default (Cancel, as Enter does)."""
    asked: list[str] = []

    def answer(box: QMessageBox) -> int:
        asked.append(box.text())
        named = [b for b in box.buttons() if b.text() == button]  # the other questions: Cancel
        chosen = named[0] if named else box.defaultButton()
        chosen.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)
    return asked


def test_a_typed_label_is_one_character_unless_a_multi_character_class_is_asked_for(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.label_prompt import confirm_label

    asked = _answering(monkeypatch, None)  # Enter: the safe default, Cancel
    assert confirm_label(None, "ab", "0123456789", {}) is None
    assert "“ab” is 2 characters" in asked[-1]
    asked = _answering(monkeypatch, "Create multi-character class")
    assert confirm_label(None, "ab", "0123456789", {}) is None  # then it is a new class: asked too, cancelled
    asked = _answering(monkeypatch, "Keep as new class")
    assert confirm_label(None, "か\u3099", "0123456789", {}, "Digits") == "が"
    assert "Digits does not know “が”" in asked[-1] and "5 samples" in asked[-1]
    asked.clear()
    assert confirm_label(None, "が", "0123456789", {"が": 1}) == "が" and asked == []  # confirmed once only
    assert confirm_label(None, " 7 ", "0123456789", {}) == "7" and asked == []  # a class the model has


def test_relabel_to_several_characters_asks_first(qtbot: QtBot, store: SampleStore,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(store)
    window = _window(qtbot, store)
    window.label_filter.setCurrentIndex(window.label_filter.findData("4"))
    window.view.selectAll()
    asked = _answering(monkeypatch, "Cancel")
    window.relabel_selected("ab")
    assert "“ab” is 2 characters" in asked[0] and dict(store.labels())["4"] == 2 and "ab" not in dict(store.labels())
