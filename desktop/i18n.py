"""The interface language: Qt translators for Japanese or English, chosen by the system or the user.

Strings are marked with ``translate("Context", "Source text")`` (``QCoreApplication.translate``), the
form ``pyside6-lupdate`` extracts. Sources: ``resources/i18n/mojiyomi_ja.ts``; compiled ``.qm`` files
ship beside them (``python resources/i18n/build.py`` rebuilds both, see the README).

Error messages come from ``core/`` and ``training/`` in English (the CLI shows them as they are);
``translate_error`` words them in the interface language from the catalogue
``resources/i18n/errors_ja.json`` (``python resources/i18n/errors.py`` keeps it in step with the
sources), through an ``ErrorTranslator`` installed beside the ``.qm`` translators.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
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
    installed: list[QTranslator] = []
    # Installed first, so asked last: the interface's own strings never reach its Python code.
    errors = I18N_DIR / f"errors_{language}.json"
    if errors.exists():
        installed.append(ErrorTranslator(errors, app))
        app.installTranslator(installed[-1])
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


#: The translation context of error messages (``translate_error``).
ERROR_CONTEXT = "MojiyomiError"
#: A field of a catalogue template: ``{expression}``; ``{{`` and ``}}`` are literal braces (the
#: format ``resources/i18n/errors.py`` writes).
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")
#: The field that names what was read ("picture", "samples database"): the catalogue's terms are tried first.
_TERM_FIELD = "what"
#: Longest message matched against the catalogue (longer ones are shown as they are): matching a
#: message with many fields backtracks, and real messages, paths and all, stay under ~800 characters.
_MAX_MESSAGE_CHARS = 1500


def translate_error(error: BaseException | str) -> str:
    """The text of an error in the interface language, with its values (paths, numbers, names) kept.

    Args:
        error: An exception (a ``MojiyomiError`` raised in ``core/`` or ``training/``) or its text,
            as a training job reports it.

    Returns:
        The translated message; the English one where the catalogue has none or the interface is English.
    """
    text = error if isinstance(error, str) else (str(error) or type(error).__name__)
    return QCoreApplication.translate(ERROR_CONTEXT, text)


@dataclass(frozen=True)
class _Template:
    pattern: re.Pattern[str]
    fields: tuple[str, ...]
    translation: str
    #: The template's longest run of literal text: a message without it cannot match.
    anchor: str
    #: How much literal text the template has: the more, the more specific.
    weight: int
    #: Only fields and spaces ("{what} {path}"): it reads the value of a ``{what}`` field, nothing else.
    term_only: bool


def _literal_runs(template: str) -> list[str]:
    """The runs of literal text between the fields of ``template``."""
    return _FIELD.sub(lambda m: "\0" if m.group(1) else m.group(0)[0], template).split("\0")


def _regex(template: str, term: str | None, strict: bool = False) -> tuple[str, list[str]]:
    """A regular expression for ``template`` and its fields: a named group per field.

    ``term`` (a pattern matching any term) is tried first for ``{what}``; a field right after another
    field can only be a term or nothing; with ``strict`` (a template that is only fields, "{what} {path}"),
    ``{what}`` can only be a term. ``term=None``: no groups (the pattern of a term itself).
    """
    parts: list[str] = []
    fields: list[str] = []
    end, end_of_field = 0, -1
    for match in _FIELD.finditer(template):
        parts.append(re.escape(template[end:match.start()]))
        end = match.end()
        label = match.group(1)
        if label is None:
            parts.append(re.escape(match.group(0)[0]))
        elif term is None:
            parts.append(".+?")
        elif label in fields:
            parts.append(f"(?P=f{fields.index(label)})")
        else:
            if match.start() == end_of_field:  # right after a field: a term or nothing, else the split is a guess
                body = f"(?:{term})?" if term else ""
            else:
                body = f"(?:{term}){'' if strict else '|.+?'}" if label == _TERM_FIELD and term else ".+?"
            parts.append(f"(?P<f{len(fields)}>{body})")
            fields.append(label)
        end_of_field = match.end() if label is not None else -1
    parts.append(re.escape(template[end:]))
    return "".join(parts), fields


class ErrorCatalogue:
    """Translates error messages by their English templates (``{field}`` marks a value)."""

    def __init__(self, terms: dict[str, str], messages: dict[str, str]) -> None:
        entries = {**messages, **terms}
        # Terms of their own words ("{what} {path}" is only read as a whole value, not tried as a term).
        longest_first = sorted((t for t in terms if entries[t] and "".join(_literal_runs(t)).strip()),
                               key=len, reverse=True)
        term = "|".join(_regex(t, None)[0] for t in longest_first)
        self._templates = []
        for english, translation in entries.items():
            if translation:
                runs = _literal_runs(english)
                strict = not "".join(runs).strip()
                pattern, fields = _regex(english, term, strict)
                self._templates.append(_Template(re.compile(pattern, re.DOTALL), tuple(fields), translation,
                                                 max(runs, key=len), sum(map(len, runs)), strict))
        # The most specific first: a message that fits several templates takes the one with the most text.
        self._templates.sort(key=lambda t: t.weight, reverse=True)

    @classmethod
    def load(cls, path: Path) -> ErrorCatalogue:
        """Reads a catalogue file (``{"terms": {...}, "messages": {...}}``)."""
        sections = json.loads(path.read_text(encoding="utf-8"))
        return cls(sections.get("terms", {}), sections.get("messages", {}))

    def translate(self, message: str, depth: int = 6, term: bool = False) -> str | None:
        """``message`` translated, its fields' text translated too where the catalogue has it; None if unknown.

        Args:
            message: An error's text, or a field's value.
            depth: How many levels of fields inside fields are still read.
            term: Whether ``message`` is the value of a ``{what}`` field ("samples database /x/s.sqlite3").
        """
        if depth <= 0 or len(message) > _MAX_MESSAGE_CHARS:
            return None
        for template in self._templates:
            if template.anchor not in message or (template.term_only and not term):
                continue
            match = template.pattern.fullmatch(message)
            if match is not None:
                values = {label: self._value(match.group(f"f{i}"), depth - 1, label == _TERM_FIELD)
                          for i, label in enumerate(template.fields)}
                return _FIELD.sub(lambda m: values[m.group(1)] if m.group(1) else m.group(0)[0], template.translation)
        return None

    def _value(self, text: str, depth: int, term: bool) -> str:
        translated = self.translate(text, depth, term)
        return text if translated is None else translated


class ErrorTranslator(QTranslator):
    """Answers ``translate_error`` from a catalogue of error templates, read when first asked."""

    def __init__(self, path: Path, parent: QCoreApplication | None = None) -> None:
        super().__init__(parent)
        self._path = path
        self._catalogue: ErrorCatalogue | None = None

    def isEmpty(self) -> bool:
        return False

    def translate(self, context: str, source_text: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        """The translation of an error message; None (ask the next translator) for other contexts."""
        if context != ERROR_CONTEXT:
            return None
        if self._catalogue is None:
            try:
                self._catalogue = ErrorCatalogue.load(self._path)
            except (OSError, ValueError):
                log.warning("error messages stay in English: cannot read %s", self._path, exc_info=True)
                self._catalogue = ErrorCatalogue({}, {})
        return self._catalogue.translate(source_text)
