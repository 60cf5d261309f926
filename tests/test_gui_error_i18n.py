"""Errors speak the interface language: core's English messages shown in Japanese, values kept."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from core.bundle import update_metadata
from core.errors import InputError
from desktop import i18n
from desktop.main_window import MainWindow
from desktop.samples_window import open_store
from resources.i18n import errors as catalogue_script

pytestmark = pytest.mark.usefixtures("settings_in_tmp")

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(params=["ja", "en"])
def language(request: pytest.FixtureRequest, qapp: object) -> Iterator[str]:
    translators = i18n.install_translators(request.param)
    yield request.param
    i18n.remove_translators(translators)


def _open_window(qtbot: QtBot, model: Path) -> MainWindow:
    window = MainWindow(str(model))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.current_bundle() is not None, timeout=15000)
    return window


def _error_box(qtbot: QtBot, parent: QWidget) -> str:
    qtbot.waitUntil(lambda: parent.findChild(QMessageBox, "errorBox") is not None, timeout=10000)
    box = parent.findChild(QMessageBox, "errorBox")
    assert isinstance(box, QMessageBox)
    text = box.text()
    box.close()
    return text


# -- the catalogue -------------------------------------------------------------------------------

def test_every_message_core_and_training_raise_has_a_japanese_translation() -> None:
    found = catalogue_script.read_sources()
    assert len(found.templates) > 250 and not found.problems
    assert catalogue_script.check(found, catalogue_script.load()) == [], (
        "run python resources/i18n/errors.py and translate the new messages in resources/i18n/errors_ja.json")


def test_the_check_finds_a_new_message_a_changed_field_and_an_unreadable_one(tmp_path: Path) -> None:
    (tmp_path / "core").mkdir()
    (tmp_path / "training").mkdir()
    (tmp_path / "core" / "errors.py").write_text(
        "class MojiyomiError(Exception):\n    pass\nclass InputError(MojiyomiError, ValueError):\n    pass\n")
    (tmp_path / "core" / "x.py").write_text(
        "from core.errors import InputError\n"
        "class OddError(InputError):\n    pass\n"
        "def f(path, n, make):\n"
        "    if n:\n        raise OddError(f'The {path} holds {n} odd things. Received: n={n!r}')\n"
        "    message = 'Nothing' + ' here.'\n"
        "    if path:\n        raise InputError(message)\n"
        "    raise InputError(make())\n", encoding="utf-8")
    found = catalogue_script.read_sources(tmp_path)
    assert found.templates == ["The {path} holds {n} odd things. Received: n={n!r}", "Nothing here."]
    assert len(found.problems) == 1 and "x.py:10" in found.problems[0]
    wrong = catalogue_script.check(found, {"The {path} holds {n} odd things. Received: n={n!r}": "{path} に {n} 個",
                                           "Gone.": "消えた。"})
    assert [w.split(":")[0] for w in wrong] == ["core/x.py", "fields differ", "untranslated", "no longer raised"]
    assert catalogue_script.check(found, {"The {path} holds {n} odd things. Received: n={n!r}": "{path} に {n} 個（{n!r}）",
                                          "Nothing here.": "何もありません。"}) == found.problems


def test_the_catalogue_is_packaged_beside_the_translations() -> None:
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'resources = \[[^\]]*"i18n/\*\.json"', text)


def _sample(template: str, catalogue: dict[str, str], terms: dict[str, str]) -> tuple[str, str]:
    """A message made from ``template`` with made-up values, and the Japanese it must read as."""
    values, japanese_values, previous_end = {}, {}, -1
    for n, match in enumerate(catalogue_script.FIELD.finditer(template)):
        label = match.group(1)
        if label and label not in values:
            if label == "what":
                values[label], japanese_values[label] = "picture", terms["picture"]
            elif match.start() == previous_end:  # a field right after a field is a term or nothing
                values[label] = japanese_values[label] = ""
            else:
                values[label] = japanese_values[label] = f"/tmp/v{n} x"
        previous_end = match.end() if label else -1

    def fill(text: str, by: dict[str, str]) -> str:
        return catalogue_script.FIELD.sub(lambda m: by[m.group(1)] if m.group(1) else m.group(0)[0], text)

    return fill(template, values), fill(catalogue[template], japanese_values)


def test_every_message_reads_back_in_japanese_with_its_values() -> None:
    sections = json.loads((i18n.I18N_DIR / "errors_ja.json").read_text(encoding="utf-8"))
    catalogue = i18n.ErrorCatalogue(sections["terms"], sections["messages"])
    wrong = []
    for template in sections["messages"]:
        english, expected = _sample(template, sections["messages"], sections["terms"])
        if catalogue.translate(english) != expected:
            wrong.append((english, catalogue.translate(english), expected))
    assert wrong == []


def test_a_nested_error_and_its_terms_are_translated_too() -> None:
    catalogue = i18n.ErrorCatalogue.load(i18n.I18N_DIR / "errors_ja.json")
    inner = "The model bundle metadata /m/a b/metadata.json is not valid JSON: Expecting value: line 1"
    outer = f"The metadata of the model bundle /m/a b/metadata.json is unreadable: {inner}"
    assert catalogue.translate(outer) == ("モデルバンドルのメタデータ /m/a b/metadata.json を読めません: モデルバンドルのメタデータ "
                                          "/m/a b/metadata.json は正しい JSON ではありません: Expecting value: line 1")
    assert catalogue.translate("The file /dev/x y is not a regular file (it is a FIFO).") == (
        "ファイル /dev/x y は通常のファイルではありません（FIFO）。")
    assert catalogue.translate("/i/c.json: The y of a point in stroke 1 must be a number. Received: 'x'") == (
        "/i/c.json: 1 画目の点の y は数値でなければなりません。受け取った値: 'x'")
    # A value that merely starts with a term ("file") is a value: SQLite's words stay as they are.
    assert "（file is not a database）" in (catalogue.translate(
        "The samples database /s.sqlite3 is damaged (file is not a database). It was left untouched; move it aside "
        "to start a new one. Recognizing still works.") or "")
    assert catalogue.translate("Not one of ours.") is None
    assert catalogue.translate("Not one of ours: /x") == "Not one of ours: /x"  # "{path}: {exc}", nothing known


def test_without_the_japanese_translators_an_error_stays_as_it_was(qapp: object) -> None:
    message = ("big.png is too large to recognize: 40000x40000 pixels (the limit is 100 megapixels). Crop or shrink "
               "it first.")
    assert i18n.translate_error(InputError(message)) == message
    translators = i18n.install_translators("ja")
    try:
        assert i18n.translate_error(InputError(message)) == (
            "big.png は大きすぎて認識できません: 40000x40000 ピクセル（上限は 100 メガピクセル）。先に切り抜くか縮小してください。")
        assert i18n.translate("MainWindow", "&File") == "ファイル(&F)"  # the .qm translator still answers
    finally:
        i18n.remove_translators(translators)
    assert i18n.translate_error(message) == message


# -- the app's error boxes -----------------------------------------------------------------------

def test_a_too_large_picture_is_refused_in_the_ui_language(qtbot: QtBot, language: str, tiny_bundle: Path,
                                                            tmp_path: Path) -> None:
    chunk = b"IHDR" + struct.pack(">IIBBBBB", 40000, 40000, 8, 0, 0, 0, 0)
    path = tmp_path / "大きい picture.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
                     + b"\x00" * 100)
    window = _open_window(qtbot, tiny_bundle)
    window.open_files([str(path)])
    text = _error_box(qtbot, window)
    assert "40000x40000" in text
    if language == "ja":
        assert "大きすぎて認識できません" in text and "too large" not in text
    else:
        assert "is too large to recognize" in text and not _JAPANESE.search(text.replace(path.name, ""))


def test_an_ink_file_with_bad_json_is_refused_in_the_ui_language(qtbot: QtBot, language: str, tiny_bundle: Path,
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "my ink.json"
    path.write_text('{"strokes": [[[0, 0], [1, 1]]', encoding="utf-8")
    window = _open_window(qtbot, tiny_bundle)
    window.open_files([str(path)])
    text = _error_box(qtbot, window)
    assert str(path) in text
    if language == "ja":
        assert text.startswith(f"インクファイル {path} は正しい JSON ではありません: ")
    else:
        assert text.startswith(f"The ink file {path} is not valid JSON: ")


def test_a_broken_bundle_is_refused_in_the_ui_language(qtbot: QtBot, language: str, tiny_bundle: Path,
                                                       tmp_path: Path) -> None:
    broken = tmp_path / "broken model"
    shutil.copytree(tiny_bundle, broken)
    (broken / "metadata.json").write_text('{"format": "mojiyomi-bundle", ', encoding="utf-8")
    window = _open_window(qtbot, tiny_bundle)
    with qtbot.waitSignal(window.service.modelFailed, timeout=10000):
        window.switch_model(str(broken))
    text = _error_box(qtbot, window)
    assert str(broken / "metadata.json") in text
    if language == "ja":
        assert "モデルバンドルのメタデータ" in text and "正しい JSON ではありません" in text
        sentence = text.replace(str(broken), "").split(": Expecting")[0]  # the JSON parser's words are values
        assert not re.search(r"\b(is|the|not|model|bundle)\b", sentence)
    else:
        assert "model bundle" in text and "is not valid JSON" in text and not _JAPANESE.search(text)


def test_only_the_error_is_translated_not_the_words_around_it(qtbot: QtBot, tiny_bundle: Path, tmp_path: Path) -> None:
    catalogue = tmp_path / "errors_xx.json"  # a catalogue that words "{path}: {exc}" with a full-width colon
    catalogue.write_text(json.dumps({"terms": {}, "messages": {"{path}: {exc}": "{path}：{exc}"}}), encoding="utf-8")
    mine = tmp_path / "mine"
    shutil.copytree(tiny_bundle, mine)
    update_metadata(mine, {"title": "Kana: mine"})  # the user's title, said in "Still using Kana: mine."
    window = _open_window(qtbot, mine)
    translator = i18n.ErrorTranslator(catalogue, window)
    QCoreApplication.installTranslator(translator)
    try:
        window.models.failed("broken", "Cannot read x: broken")
        text = _error_box(qtbot, window)
    finally:
        QCoreApplication.removeTranslator(translator)
    assert text == "Cannot read x：broken\n\nStill using Kana: mine."  # the title was reworded as an error


def test_a_samples_database_of_another_program_is_refused_in_the_ui_language(qtbot: QtBot, language: str,
                                                                              tmp_path: Path) -> None:
    path = tmp_path / "samples.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER)")
    parent = QWidget()
    qtbot.addWidget(parent)
    assert open_store(parent, path) is None
    text = _error_box(qtbot, parent)
    assert str(path) in text and "invoices" in text
    if language == "ja":
        assert "mojiyomi のサンプルのデータベースではありません" in text and "is an SQLite database" not in text
    else:
        assert "is an SQLite database but not a mojiyomi samples database" in text


def test_a_failed_training_job_says_why_in_the_ui_language(qtbot: QtBot, language: str) -> None:
    from tests.test_gui_jobs import FakeJob, _controller

    controller = _controller(qtbot)
    job = FakeJob("finetune")
    controller.jobs.append(job)
    window = controller.jobs_window()
    window.add_job(job)
    # As the child process reports it: the text of the error, across the process boundary.
    job.end("failed", error="A fine-tune needs at least 10 labelled samples; there are 4. Write 6 more "
                            "(Samples > Practice helps).")
    controller.poll()
    shown = [_error_box(qtbot, controller.window), window.list.item(0).toolTip(), window.title.text()]
    if language == "ja":
        assert all("調整にはラベル付きのサンプルが 10 個以上必要ですが、4 個しかありません。あと 6 個書いてください" in t
                   for t in shown), shown
    else:
        assert all("A fine-tune needs at least 10 labelled samples; there are 4." in t for t in shown), shown


def test_the_train_dialog_says_what_is_wrong_with_the_dataset_in_the_ui_language(qtbot: QtBot, language: str,
                                                                                 tmp_path: Path) -> None:
    from desktop.train_dialogs import TrainDialog

    dialog = TrainDialog()
    qtbot.addWidget(dialog)
    dialog.data.setText(str(tmp_path / "no data"))
    expected = (f"{tmp_path / 'no data'} にデータセットがありません（パスが存在しません）。" if language == "ja"
                else f"There is no dataset at {tmp_path / 'no data'} (the path does not exist).")
    assert expected in dialog.problem.text()
