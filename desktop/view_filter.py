"""The View menu's candidate filter: all candidates, or only digits, kana or kanji (``core.charclass``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QMenu

from core.charclass import FILTER_TITLES, label_filter
from desktop.i18n import translate
from desktop.menus import choice_group


def filter_titles() -> dict[str, str]:
    """The View menu's candidate filters (``core.charclass.FILTER_TITLES``'s names) as menu items."""
    titles = {"all": translate("MainWindow", "Show all candidates"), "digits": translate("MainWindow", "Show digits"),
              "kana": translate("MainWindow", "Show kana"), "kanji": translate("MainWindow", "Show kanji")}
    return {name: titles.get(name, name) for name in FILTER_TITLES}


def populate_filter_menu(menu: QMenu, choose: Callable[[str], None], parent: QObject) -> QActionGroup:
    """Adds one checkable item per filter to ``menu`` ("all" checked); ``choose`` gets the filter's name."""
    return choice_group(menu, filter_titles(), "all", choose, parent)


def filter_note(name: str, labels: Sequence[str] | None) -> str | None:
    """Says so when the filter ``name`` leaves none of a model's ``labels`` (None when it fits or no model)."""
    allowed = label_filter(name)
    if allowed is None or labels is None or any(allowed(label) for label in labels):
        return None
    return translate("MainWindow", "“{filter}” matches none of this model's characters, so no candidates "
                     "appear. Choose View > Show all candidates.").format(filter=filter_titles()[name])
