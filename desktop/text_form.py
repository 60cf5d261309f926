"""The width setting: Latin letters, digits and marks full-width (Ａ１！) or half-width (A1!).

A model's full-width and half-width forms are one class (``core.charsets.class_label``); what
the app outputs from recognition (the candidates, the reading, the text line, a picture's
text) is in the form the user chose in Edit > Width of letters and digits. Automatic, the
default, is full-width with a model that knows Japanese characters (as Japanese text is
written) and half-width with one that knows only ASCII classes (the digits model: a postal
code or a phone number stays 1234). The setting is kept in QSettings like the writing mode.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, QSettings, Signal
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QMenu

from core.charsets import DEFAULT_WIDTH, WidthForm
from desktop.i18n import translate
from desktop.menus import check_choice, choice_group

#: The choices, with their titles in the menu.
WIDTH_TITLES = {"auto": QT_TRANSLATE_NOOP("TextForm", "Automatic (full-width with a Japanese model)"),
                "full": QT_TRANSLATE_NOOP("TextForm", "Full-width (ＡＢＣ１２３)"),
                "half": QT_TRANSLATE_NOOP("TextForm", "Half-width (ABC123)")}
#: QSettings key.
WIDTH_KEY = "text/width"


@dataclass
class TextPrefs:
    """The user's text settings (kept in QSettings).

    Attributes:
        width: A key of ``WIDTH_TITLES``.
    """

    width: str = "auto"

    @classmethod
    def load(cls) -> TextPrefs:
        """The saved settings; an unknown or damaged value falls back to the default."""
        width = str(QSettings().value(WIDTH_KEY, "auto"))
        return cls(width if width in WIDTH_TITLES else "auto")

    def save(self) -> None:
        """Keeps the settings for the next start."""
        QSettings().setValue(WIDTH_KEY, self.width)


def half_width() -> WidthForm:
    """The form of a widget that was given no width setting (a text line or candidate panel on its own)."""
    return "half"


def resolve_width(choice: str, labels: Sequence[str]) -> WidthForm:
    """The form text is output in for a width choice and a model's labels.

    Args:
        choice: ``"auto"``, ``"full"`` or ``"half"``.
        labels: The model's class labels (empty: no model yet).

    Returns:
        ``choice`` itself, or for ``"auto"``: full-width when a label is not ASCII (the model
        reads Japanese), half-width when every label is ASCII (digits, Latin letters).
    """
    if choice == "full":
        return "full"
    if choice == "half":
        return "half"
    return DEFAULT_WIDTH if any(not label.isascii() for label in labels) else "half"


class TextFormController(QObject):
    """The Edit menu's width choice and the form in use: the one place the text line, the candidate
    panels, the reading of several characters and the picture view read it from (``width``).

    Text already in the line stays as it was written.

    Args:
        labels: The current model's class labels (empty while none is loaded).
        parent: The Qt parent.

    Signals:
        changed(str): the form in use (``"full"`` or ``"half"``) changed, after a change of choice
            or model: what is on screen is drawn again in it.
    """

    changed = Signal(str)

    def __init__(self, labels: Callable[[], Sequence[str]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._labels = labels
        self.prefs = TextPrefs.load()
        self.actions: QActionGroup | None = None
        self._form = resolve_width(self.prefs.width, labels())

    def populate_menu(self, menu: QMenu) -> None:
        """Adds the width choices to ``menu``."""
        titles = {choice: translate("TextForm", str(title)) for choice, title in WIDTH_TITLES.items()}
        self.actions = choice_group(menu, titles, self.prefs.width, self.set_width, menu)

    def set_width(self, choice: str) -> None:
        """Uses and keeps a width choice (``auto``, ``full`` or ``half``)."""
        if choice not in WIDTH_TITLES:
            raise ValueError(f"Unknown width. Received: width={choice!r}, expected one of {list(WIDTH_TITLES)}")
        self.prefs.width = choice
        self.prefs.save()
        check_choice(self.actions, choice)
        self.apply()

    def width(self) -> WidthForm:
        """The form in use now, for the current model."""
        return self._form

    def apply(self) -> None:
        """Works out the form in use (after a change of choice or of model); emits ``changed`` if it changed."""
        form = resolve_width(self.prefs.width, self._labels())
        if form != self._form:
            self._form = form
            self.changed.emit(form)
