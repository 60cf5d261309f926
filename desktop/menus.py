"""Menus of exclusive choices: one checkable item per choice, the current one checked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from PySide6.QtCore import QObject
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QMenu

K = TypeVar("K")


def choice_group(menu: QMenu, titles: Mapping[K, str], current: K, choose: Callable[[K], None],
                 parent: QObject) -> QActionGroup:
    """Adds one checkable item per ``titles`` key to ``menu``, ``current`` checked; ``choose`` gets
    the key of the item triggered (also its ``data()``)."""
    group = QActionGroup(parent)
    for key, title in titles.items():
        action = menu.addAction(title)
        action.setCheckable(True)
        action.setChecked(key == current)
        action.setData(key)
        action.triggered.connect(lambda _=False, k=key: choose(k))
        group.addAction(action)
    return group


def check_choice(group: QActionGroup | None, key: object) -> None:
    """Checks the item of ``group`` (from ``choice_group``) whose key is ``key``."""
    if group is not None:
        for action in group.actions():
            action.setChecked(action.data() == key)
