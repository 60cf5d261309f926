"""Readings and meanings of a character: KANJIDIC2 and JMdict for kanji, a table for kana.

The kanji data is one compact file built from KANJIDIC2 and JMdict (EDRDG, CC BY-SA) by
``python -m resources.dict.build``: gzip-compressed UTF-8 text, a first line of JSON metadata
(format, source, licence, the build command), then one line per kanji, ``<char>\\t<JSON>``,
the JSON a list in ``FIELDS`` order. Loading reads and decompresses the file once (bounded)
and keeps each kanji's line as text; a lookup parses that one line into a ``KanjiEntry``.
Kana need no file: their readings come from their Unicode names.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.charclass import char_kind
from core.errors import InputError
from core.safeio import parse_json, read_bytes

#: The file format this module reads (``metadata["format"]``).
FORMAT = "mojiyomi-kanji-dictionary"
FORMAT_VERSION = 1
#: The order of an entry's fields in the file.
FIELDS = ("on", "kun", "meanings", "strokes", "grade", "jlpt", "words")
#: Bounds on the file: compressed, decompressed, and one entry's line.
MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_TEXT_BYTES = 64 * 1024 * 1024
MAX_LINE_CHARS = 64 * 1024
#: Hepburn spellings of the syllables Unicode names in another romanization.
_HEPBURN = {"SI": "shi", "ZI": "ji", "TI": "chi", "DI": "ji", "TU": "tsu", "DU": "zu", "HU": "fu"}
#: Kana-like marks without a syllable of their own: their reading and a description.
_MARKS = {"ー": ("-", "long vowel mark"), "ゝ": ("", "hiragana repeat mark"),
          "ゞ": ("", "hiragana voiced repeat mark"), "ヽ": ("", "katakana repeat mark"),
          "ヾ": ("", "katakana voiced repeat mark"), "・": ("", "middle dot")}


@dataclass(frozen=True)
class Word:
    """A common word that uses a kanji: how it is written, read, and an English gloss."""

    text: str
    reading: str
    gloss: str


@dataclass(frozen=True)
class KanjiEntry:
    """What KANJIDIC2 and JMdict say about one kanji.

    Attributes:
        char: The kanji.
        on: On readings in katakana (ニチ, ジツ).
        kun: Kun readings in hiragana; a dot marks where okurigana start (あか.るい), a dash
            a reading used as a suffix or prefix (-び).
        meanings: English meanings.
        strokes: Stroke count (None when unknown).
        grade: School grade 1-6, 8 for the other jōyō kanji, 9-10 for jinmeiyō (None: neither).
        jlpt: The former JLPT level, 4 (easiest) to 1 (None: not listed).
        words: Up to a few common words that use the kanji, most frequent first.
    """

    char: str
    on: tuple[str, ...]
    kun: tuple[str, ...]
    meanings: tuple[str, ...]
    strokes: int | None
    grade: int | None
    jlpt: int | None
    words: tuple[Word, ...]

    @property
    def kind(self) -> str:
        return "kanji"


@dataclass(frozen=True)
class KanaEntry:
    """The reading of a kana (or a kana mark such as ー).

    Attributes:
        char: The kana.
        romaji: Its reading in Hepburn romaji ("" for a mark without a sound of its own).
        kind: ``"hiragana"`` or ``"katakana"``.
        small: True for a small kana (っ, ャ), written smaller after another one.
        note: What a mark is ("long vowel mark"), "" for a syllable.
    """

    char: str
    romaji: str
    kind: str
    small: bool = False
    note: str = ""


Entry = KanjiEntry | KanaEntry


def kana_entry(char: str) -> KanaEntry | None:
    """The reading of a hiragana or katakana from its Unicode name (None for any other character)."""
    kind = char_kind(char)
    if kind not in ("hiragana", "katakana"):
        return None
    if char in _MARKS:
        romaji, note = _MARKS[char]
        return KanaEntry(char, romaji, kind, False, note)
    name = unicodedata.name(char, "")
    words = name.split()
    if len(words) < 3 or words[1] != "LETTER":
        return None  # the voicing marks, digraphs and other signs in the kana blocks
    small = words[2] == "SMALL"
    syllable = words[-1]
    return KanaEntry(char, _HEPBURN.get(syllable, syllable.lower()), kind, small)


class KanjiDictionary:
    """The kanji file, loaded at the first lookup (thread-safe)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lines: dict[str, str] | None = None
        self._metadata: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._lines is not None

    def metadata(self) -> dict[str, Any]:
        """The file's metadata (source, licence, command); loads the file."""
        self._load()
        return dict(self._metadata)

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, char: object) -> bool:
        return isinstance(char, str) and char in self._load()

    def lookup(self, char: str) -> KanjiEntry | None:
        """The entry of a kanji, or None if the file has none.

        Raises:
            InputError: if the file is missing, too large, or not a kanji file of this format.
        """
        line = self._load().get(char)
        return None if line is None else _entry(char, line, self.path)

    def _load(self) -> dict[str, str]:
        with self._lock:
            if self._lines is None:
                self._metadata, self._lines = _read(self.path)
            return self._lines


def _read(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Reads the file: its metadata, and each kanji's line of JSON by character."""
    data = read_bytes(path, MAX_FILE_BYTES, "kanji dictionary")
    try:
        inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip
        raw = inflate.decompress(data, MAX_TEXT_BYTES)
        text = raw.decode("utf-8")
    except (zlib.error, UnicodeDecodeError) as exc:
        raise InputError(f"The kanji dictionary {path} is not gzip-compressed UTF-8 text: {exc}") from exc
    if inflate.unconsumed_tail:
        raise InputError(f"The kanji dictionary {path} is too large: over {MAX_TEXT_BYTES:,} bytes uncompressed.")
    head, _, body = text.partition("\n")
    metadata = parse_json(head, f"kanji dictionary {path} (metadata)", max_chars=MAX_LINE_CHARS)
    if (not isinstance(metadata, dict) or metadata.get("format") != FORMAT
            or metadata.get("format_version") != FORMAT_VERSION or metadata.get("fields") != list(FIELDS)):
        raise InputError(f"{path} is not a mojiyomi kanji dictionary (format {FORMAT!r} version {FORMAT_VERSION} "
                         f"expected). Received: {str(head)[:120]!r}")
    lines: dict[str, str] = {}
    for line in body.splitlines():
        char, tab, rest = line.partition("\t")
        if not tab or len(char) != 1:
            raise InputError(f"The kanji dictionary {path} has a malformed line. Received: {line[:60]!r}")
        lines[char] = rest
    return metadata, lines


def _entry(char: str, line: str, path: Path) -> KanjiEntry:
    """Parses one kanji's line, checking every field's type."""
    what = f"kanji dictionary {path} (entry {char})"
    fields = parse_json(line, what, max_depth=4, max_chars=MAX_LINE_CHARS)
    if not isinstance(fields, list) or len(fields) != len(FIELDS):
        raise InputError(f"The {what} is not a list of {len(FIELDS)} fields. Received: {line[:60]!r}")
    on, kun, meanings, strokes, grade, jlpt, words = fields
    if not all(_strings(x) for x in (on, kun, meanings)) or not all(
            x is None or (isinstance(x, int) and not isinstance(x, bool) and 0 < x < 100) for x in (strokes, grade, jlpt)):
        raise InputError(f"The {what} has a field of the wrong type. Received: {line[:60]!r}")
    if not isinstance(words, list) or not all(isinstance(w, list) and len(w) == 3 and _strings(w) for w in words):
        raise InputError(f"The {what} has malformed words. Received: {json.dumps(words, ensure_ascii=False)[:60]!r}")
    return KanjiEntry(char, tuple(on), tuple(kun), tuple(meanings), strokes, grade, jlpt,
                      tuple(Word(*w) for w in words))


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def bundled_dictionary_path() -> Path:
    """The kanji file that ships with mojiyomi."""
    from core.paths import resources_dir  # core.paths imports the resources package

    return resources_dir() / "dict" / "kanji.txt.gz"


@lru_cache(maxsize=1)
def bundled_dictionary() -> KanjiDictionary:
    """The shipped kanji file (not read until the first lookup)."""
    return KanjiDictionary(bundled_dictionary_path())


def lookup(char: str, dictionary: KanjiDictionary | None = None) -> Entry | None:
    """What a character is: a kanji's readings and meanings, or a kana's reading.

    Args:
        char: One character (a candidate's label).
        dictionary: The kanji file (default: the shipped one, loaded at the first call).

    Returns:
        A ``KanjiEntry``, a ``KanaEntry``, or None for a character neither knows (digits,
        Latin letters, most symbols, kanji outside the file).

    Raises:
        InputError: if the kanji file cannot be read.
    """
    if len(char) != 1:
        return None
    kana = kana_entry(char)
    if kana is not None:
        return kana
    if char_kind(char) != "kanji":
        return None
    return (dictionary or bundled_dictionary()).lookup(char)


def dictionary_credit(path: str | os.PathLike[str] | None = None) -> str:
    """One line crediting the kanji data's sources and licence ("" if the file cannot be read).

    Reads only the file's first line, not the entries.
    """
    try:
        with gzip.open(path or bundled_dictionary_path(), "rb") as handle:
            metadata = json.loads(handle.readline(MAX_LINE_CHARS).decode("utf-8"))
        return f"{metadata['source']}: {metadata['licence']}"
    except (OSError, KeyError, ValueError, TypeError, EOFError):
        return ""
