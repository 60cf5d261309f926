"""The interface language: Qt translators for Japanese or English, chosen by the system or the user.

Strings are marked with ``translate("Context", "Source text")`` (``QCoreApplication.translate``), the
form ``pyside6-lupdate`` extracts. Sources: ``resources/i18n/mojiyomi_ja.ts``; compiled ``.qm`` files
ship beside them (``python scripts/i18n.py`` rebuilds both, see the README).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator

log = logging.getLogger(__name__)

#: Marks a string for translation; lupdate finds calls by this name.
translate = QCoreApplication.translate

#: QSettings key: "system" (follow LANG / the system locale), "en" or "ja".
LANGUAGE_SETTING = "ui/language"
#: The languages the interface offers, with their names as shown in the menu (in their own language).
LANGUAGES: dict[str, str] = {"en": "English", "ja": "日本語"}
I18N_DIR = Path(__file__).resolve().parent.parent / "resources" / "i18n"


def chosen_language() -> str:
    """The language setting: ``system``, ``en`` or ``ja``."""
    value = str(QSettings().value(LANGUAGE_SETTING, "system"))
    return value if value in LANGUAGES or value == "system" else "system"


def ui_language(setting: str | None = None, locale: QLocale | None = None) -> str:
    """The language the interface shows: the setting, or for ``system`` the system locale's.

    Args:
        setting: ``system``, ``en`` or ``ja`` (default: the saved setting).
        locale: The system locale (default: ``QLocale.system()``, which follows ``LANG``).

    Returns:
        ``ja`` or ``en``.
    """
    setting = chosen_language() if setting is None else setting
    if setting in LANGUAGES:
        return setting
    lang = (locale or QLocale.system()).name()
    return "ja" if lang.startswith("ja") else "en"


def install_translators(language: str) -> list[QTranslator]:
    """Installs mojiyomi's and Qt's own translators for ``language`` (nothing for English).

    Args:
        language: ``ja`` or ``en``.

    Returns:
        The installed translators (keep them alive: Qt does not own them).
    """
    app = QCoreApplication.instance()
    if language == "en" or app is None:
        return []
    installed = []
    for name, folder in ((f"mojiyomi_{language}", I18N_DIR),
                         (f"qtbase_{language}", Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)))):
        translator = QTranslator(app)
        if translator.load(str(folder / f"{name}.qm")):
            app.installTranslator(translator)
            installed.append(translator)
        else:
            log.warning("no translation %s in %s", name, folder)
    return installed


def remove_translators(translators: list[QTranslator]) -> None:
    """Uninstalls translators from ``install_translators`` (tests switch languages)."""
    app = QCoreApplication.instance()
    for translator in translators:
        if app is not None:
            app.removeTranslator(translator)
