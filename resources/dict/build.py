"""Builds the kanji file ``core.dictionary`` reads, from KANJIDIC2 and JMdict.

    pip install -e ".[dict]"            # jamdict-data: KANJIDIC2 and JMdict as one SQLite file
    python -m resources.dict.build      # writes resources/dict/kanji.txt.gz

Every kanji the bundled models know, and every kanji of ``core.charsets.coverage_classes()``
(so a coverage model finds its readings too), gets its on and kun readings, English meanings,
stroke count, school grade and former JLPT level from KANJIDIC2, and up to ``--words`` common
words that use it from JMdict: words marked common (news1, ichi1, spec1/2, gai1) first, then by
their frequency in wordfreq's Japanese list, each with its reading and the first sense's
glosses. Marks that are looked up like kanji (々 〆 〇) have no KANJIDIC2 entry: they get the
JMdict words only. Nothing is downloaded; the app reads only the file written here.

The data is © the Electronic Dictionary Research and Development Group (EDRDG), under the
licence in ``LICENSE-EDRDG.md`` beside this script (CC BY-SA).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import json
import shlex
import sqlite3
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.atomic import atomic_write_bytes
from core.charclass import char_kind
from core.charsets import coverage_classes
from core.dictionary import FIELDS, FORMAT, FORMAT_VERSION
from core.errors import DatasetError
from core.paths import bundled_models_dir

HERE = Path(__file__).resolve().parent
#: JMdict's priority tags that make a word "common" (as jisho.org and JMdict's own EDICT marks do).
COMMON = frozenset({"news1", "ichi1", "spec1", "spec2", "gai1"})
#: Longest word (in characters) offered as an example.
MAX_WORD_CHARS = 4
#: Glosses kept of a word's first sense.
MAX_GLOSSES = 3


@dataclass(frozen=True)
class Candidate:
    """A JMdict word form that contains a kanji, with what ranks it."""

    text: str
    idseq: int
    common: bool
    frequency: float


def targets() -> list[str]:
    """The kanji to describe: the bundled models' and the coverage classes', in a stable order."""
    labels: list[str] = list(coverage_classes())
    for path in sorted(bundled_models_dir().glob("*/labels.txt")):
        labels += path.read_text(encoding="utf-8").split()
    return list(dict.fromkeys(c for c in labels if len(c) == 1 and char_kind(c) == "kanji"))


def open_database() -> sqlite3.Connection:
    """jamdict-data's SQLite file, read-only.

    Raises:
        DatasetError: if the ``jamdict-data`` package is not installed.
    """
    try:
        import jamdict_data  # the optional ``dict`` extra: only this script needs it
    except ImportError:
        raise DatasetError("Building the kanji file needs jamdict-data: pip install 'mojiyomi[dict]'.") from None
    return sqlite3.connect(f"file:{jamdict_data.JAMDICT_DB_PATH}?mode=ro", uri=True)


def kanjidic(db: sqlite3.Connection, chars: set[str]) -> dict[str, list]:
    """KANJIDIC2's fields of each kanji in ``chars``: on, kun, meanings, strokes, grade, jlpt."""
    rows: dict[int, tuple[str, list]] = {}
    seen: set[str] = set()
    for cid, literal, strokes, grade, jlpt in db.execute(
            "SELECT ID, literal, stroke_count, grade, jlpt FROM character ORDER BY ID"):
        if literal in chars and literal not in seen:
            seen.add(literal)
            rows[cid] = (literal, [[], [], [], strokes, _int(grade), _int(jlpt)])
    for cid, kind, value in db.execute(
            "SELECT g.cid, r.r_type, r.value FROM reading r JOIN rm_group g ON r.gid = g.ID "
            "WHERE r.r_type IN ('ja_on', 'ja_kun') ORDER BY r.rowid"):
        if cid in rows:
            rows[cid][1][0 if kind == "ja_on" else 1].append(value)
    for cid, value in db.execute(
            "SELECT g.cid, m.value FROM meaning m JOIN rm_group g ON m.gid = g.ID WHERE m.m_lang = '' ORDER BY m.rowid"):
        if cid in rows:
            rows[cid][1][2].append(value)
    return {literal: fields for literal, fields in rows.values()}


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def word_candidates(db: sqlite3.Connection, chars: set[str], frequencies: dict[str, float]
                    ) -> dict[str, list[Candidate]]:
    """JMdict's written forms that contain each kanji, best first (common, then frequent, then short)."""
    priorities: dict[int, set[str]] = defaultdict(set)
    for kid, tag in db.execute("SELECT kid, text FROM KJP"):
        priorities[kid].add(tag)
    found: dict[str, dict[int, Candidate]] = defaultdict(dict)
    for kid, idseq, text in db.execute("SELECT ID, idseq, text FROM Kanji ORDER BY ID"):
        if len(text) > MAX_WORD_CHARS:
            continue
        candidate = Candidate(text, idseq, bool(priorities[kid] & COMMON), frequencies.get(text, 0.0))
        for char in set(text) & chars:
            best = found[char].get(idseq)
            if best is None or _rank(candidate) < _rank(best):
                found[char][idseq] = candidate  # one form per entry: its most frequent
    return {char: sorted(by_entry.values(), key=_rank) for char, by_entry in found.items()}


def _rank(candidate: Candidate) -> tuple[bool, float, int, int]:
    return (not candidate.common, -candidate.frequency, len(candidate.text), candidate.idseq)


def pick_words(candidates: Iterable[Candidate], count: int) -> list[Candidate]:
    """Up to ``count`` words: common or seen in wordfreq's list; else the shortest two."""
    ranked = list(candidates)
    known = [c for c in ranked if c.common or c.frequency > 0]
    chosen = known if known else ranked[:2]
    unique: dict[str, Candidate] = {}
    for candidate in chosen:
        unique.setdefault(candidate.text, candidate)
    return list(unique.values())[:count]


def readings_and_glosses(db: sqlite3.Connection, idseqs: set[int]) -> tuple[dict[int, list[tuple[str, set[str]]]],
                                                                           dict[int, str]]:
    """The kana readings (with the written forms they are limited to) and the first sense's gloss."""
    restrictions: dict[int, set[str]] = defaultdict(set)
    for kid, text in db.execute("SELECT kid, text FROM KNR"):
        restrictions[kid].add(text)
    readings: dict[int, list[tuple[str, set[str]]]] = defaultdict(list)
    for kid, idseq, text, nokanji in db.execute("SELECT ID, idseq, text, nokanji FROM Kana ORDER BY ID"):
        if idseq in idseqs and not nokanji:
            readings[idseq].append((text, restrictions[kid]))
    first_sense: dict[int, int] = {}
    for sid, idseq in db.execute("SELECT ID, idseq FROM Sense ORDER BY ID"):
        if idseq in idseqs:
            first_sense.setdefault(idseq, sid)
    wanted = {sid: idseq for idseq, sid in first_sense.items()}
    glosses: dict[int, list[str]] = defaultdict(list)
    for sid, text in db.execute("SELECT sid, text FROM SenseGloss WHERE lang = 'eng' ORDER BY rowid"):
        if sid in wanted:
            glosses[wanted[sid]].append(text)
    return readings, {idseq: "; ".join(g[:MAX_GLOSSES]) for idseq, g in glosses.items()}


def build(db: sqlite3.Connection, chars: Sequence[str], frequencies: dict[str, float], words: int
          ) -> dict[str, list]:
    """Each kanji's entry as a list in ``core.dictionary.FIELDS`` order."""
    wanted = set(chars)
    info = kanjidic(db, wanted)
    chosen = {char: pick_words(found, words) for char, found in word_candidates(db, wanted, frequencies).items()}
    readings, glosses = readings_and_glosses(db, {c.idseq for cs in chosen.values() for c in cs})
    entries: dict[str, list] = {}
    for char in chars:
        examples = []
        for candidate in chosen.get(char, []):
            reading = next((kana for kana, only in readings.get(candidate.idseq, []) if not only or candidate.text in only),
                           "")
            examples.append([candidate.text, reading, glosses.get(candidate.idseq, "")])
        fields = info.get(char, [[], [], [], None, None, None])
        if info.get(char) is not None or examples:
            entries[char] = [*fields, examples]
    return entries


def write(entries: dict[str, list], metadata: dict, out: Path) -> int:
    """Writes the gzip file (metadata line, then ``char<TAB>json`` lines); returns its size."""
    lines = [json.dumps(metadata, ensure_ascii=False, sort_keys=True)]
    lines += [f"{char}\t{json.dumps(fields, ensure_ascii=False, separators=(',', ':'))}"
              for char, fields in entries.items()]
    data = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=9, mtime=0)
    atomic_write_bytes(out, data)
    return len(data)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: builds the file and prints its size and counts."""
    parser = argparse.ArgumentParser(prog="python -m resources.dict.build", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "kanji.txt.gz", help="the file to write")
    parser.add_argument("--words", type=int, default=5, help="example words per kanji (default 5)")
    args = parser.parse_args(argv)
    started = time.time()
    try:
        import wordfreq  # the optional ``dict`` extra: only this script needs it
    except ImportError:
        raise DatasetError("Building the kanji file needs wordfreq: pip install 'mojiyomi[dict]'.") from None
    chars = targets()
    with open_database() as db:
        entries = build(db, chars, wordfreq.get_frequency_dict("ja", wordlist="large"), args.words)
        meta = dict(db.execute("SELECT key, value FROM meta"))
    versions = {name: importlib.metadata.version(name) for name in ("jamdict-data", "wordfreq")}
    metadata = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "fields": list(FIELDS),
        "source": "KANJIDIC2 and JMdict by the Electronic Dictionary Research and Development Group "
                  "(www.edrdg.org), via jamdict-data " + versions["jamdict-data"],
        "licence": "CC BY-SA 3.0 (EDRDG licence, resources/dict/LICENSE-EDRDG.md)",
        "jmdict_version": meta.get("jmdict.version", ""), "kanjidic2_version": meta.get("kanjidic2.version", ""),
        "word_ranking": f"JMdict common words first, then wordfreq {versions['wordfreq']} Japanese frequency",
        "kanji": len(entries),
        "command": "python -m resources.dict.build " + shlex.join(sys.argv[1:] if argv is None else list(argv)),
    }
    size = write(entries, metadata, args.out)
    missing = [c for c in chars if c not in entries]
    print(f"{args.out}: {size / 1e6:.2f} MB, {len(entries):,} kanji, "
          f"{sum(1 for e in entries.values() if e[-1]):,} with words, {len(missing)} without an entry "
          f"({''.join(missing[:20])}), {time.time() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
