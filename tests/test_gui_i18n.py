"""The Japanese interface: every visible string of the main window has a translation; settings placement."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QSettings
from PySide6.QtWidgets import QAbstractButton, QLabel, QMenu, QWidget
from pytestqt.qtbot import QtBot

from desktop import i18n
from desktop.main_window import MainWindow

pytestmark = pytest.mark.usefixtures("settings_in_tmp")

#: Text a Japanese user may see untranslated: names, units, numbers.
_ALLOWED = re.compile(r"^(mojiyomi|English|日本語|[\d.,%<>: ]*(ms)?)$")
_ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def japanese(qapp: object) -> Iterator[None]:
    translators = i18n.install_translators("ja")
    assert translators, "resources/i18n/mojiyomi_ja.qm is missing: run python resources/i18n/build.py"
    yield
    i18n.remove_translators(translators)


def _visible_texts(window: MainWindow) -> list[str]:
    """Menu items, labels and buttons with their tooltips; model titles are data, not interface."""
    models = set(window.models.group.actions())
    texts = []
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    texts += [a.text() for a in window.menuBar().actions()]
    while menus:
        menu = menus.pop()
        for action in menu.actions():
            if action in models:
                continue
            texts += [action.text(), action.toolTip() if action.toolTip() != action.text().replace("&", "") else ""]
            if isinstance(action.menu(), QMenu):
                menus.append(action.menu())
    for widget in window.findChildren(QLabel) + window.findChildren(QAbstractButton):
        texts += [widget.text(), widget.toolTip()]
    return [t for t in texts if t]


def _untranslated(texts: list[str]) -> list[str]:
    return [t for t in texts if _ENGLISH_WORD.search(t) and not _JAPANESE.search(t) and not _ALLOWED.match(t)]


def test_every_visible_string_of_the_main_window_is_japanese(qtbot: QtBot, japanese: None, tiny_bundle: Path) -> None:
    window = MainWindow(str(tiny_bundle))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.current_bundle() is not None, timeout=15000)
    texts = _visible_texts(window)
    assert len(texts) > 40
    assert _untranslated(texts) == []
    assert "ファイル(&F)" in texts


def test_without_a_translator_the_interface_is_english(qtbot: QtBot, tiny_bundle: Path) -> None:
    window = MainWindow(str(tiny_bundle))
    qtbot.addWidget(window)
    assert "&File" in _visible_texts(window)


def test_check_finds_no_untranslated_string_in_the_sources() -> None:
    from resources.i18n.build import unfinished

    assert unfinished(i18n.I18N_DIR / "mojiyomi_ja.ts") == []


def test_language_follows_the_system_locale_unless_chosen() -> None:
    assert i18n.ui_language("system", QLocale("ja_JP")) == "ja"
    assert i18n.ui_language("system", QLocale("en_GB")) == "en"
    assert i18n.ui_language("en", QLocale("ja_JP")) == "en"
    assert i18n.ui_language("ja", QLocale("C")) == "ja"


def test_language_menu_remembers_the_choice(qtbot: QtBot, tiny_bundle: Path) -> None:
    window = MainWindow(str(tiny_bundle))
    qtbot.addWidget(window)
    japanese = next(a for a in window.language_actions.actions() if a.data() == "ja")
    japanese.trigger()
    assert QSettings().value(i18n.LANGUAGE_SETTING) == "ja"
    assert i18n.ui_language() == "ja"
    assert japanese.isChecked()
    assert "starts again" in window.statusBar().currentMessage()


def test_subwindow_titles_do_not_repeat_the_app_name(qtbot: QtBot, tmp_path: Path) -> None:
    from core.samples import SampleStore
    from desktop.jobs_window import JobsWindow
    from desktop.samples_window import SamplesWindow

    samples = SamplesWindow(SampleStore(tmp_path / "samples"))
    qtbot.addWidget(samples)
    assert "mojiyomi" not in samples.windowTitle()
    jobs = JobsWindow()
    qtbot.addWidget(jobs)
    assert "mojiyomi" not in jobs.windowTitle()


def test_my_samples_closes_with_esc_and_ctrl_w(qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from core.samples import SampleStore
    from desktop.samples_window import SamplesWindow

    for key, mod in ((Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
                     (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)):
        window = SamplesWindow(SampleStore(tmp_path / "samples"))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        QTest.keyClick(window.focusWidget() or window, key, mod)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=2000)


def _widget_texts(widget: QWidget) -> list[str]:
    texts = [widget.windowTitle()]
    for child in widget.findChildren(QLabel) + widget.findChildren(QAbstractButton):
        texts += [child.text(), child.toolTip()]
    return [t for t in texts if t]


def test_dialogs_are_japanese(qtbot: QtBot, japanese: None, tmp_path: Path) -> None:
    from core.samples import SampleStore
    from desktop.jobs_window import JobsWindow
    from desktop.practice import PracticeDialog
    from desktop.samples_window import SamplesWindow
    from desktop.train_dialogs import TrainDialog

    store = SampleStore(tmp_path / "samples")
    windows = [SamplesWindow(store), JobsWindow(), TrainDialog(), PracticeDialog(store, ["あ", "1"], "tiny")]
    for window in windows:
        qtbot.addWidget(window)
        texts = _widget_texts(window)
        assert texts, type(window).__name__
        assert _untranslated(texts) == [], type(window).__name__
