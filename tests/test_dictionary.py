"""core.dictionary: readings and meanings of kanji (the committed KANJIDIC2/JMdict file) and kana."""

from __future__ import annotations

import gzip
import sqlite3
import json
import os
import time
from pathlib import Path

import pytest

from core import dictionary
from core.charclass import char_kind
from core.charsets import coverage_classes, japanese_classes
from core.dictionary import FIELDS, FORMAT, FORMAT_VERSION, KanaEntry, KanjiDictionary, KanjiEntry, lookup
from core.errors import InputError


@pytest.fixture(scope="module")
def shipped() -> KanjiDictionary:
    """The committed file, read once for this module (its own instance, not the app's)."""
    return KanjiDictionary(dictionary.bundled_dictionary_path())


def test_a_kanji_has_its_readings_meanings_strokes_levels_and_common_words(shipped: KanjiDictionary) -> None:
    day = lookup("日", shipped)
    assert isinstance(day, KanjiEntry)
    assert day.on[:2] == ("ニチ", "ジツ") and "ひ" in day.kun
    assert "day" in day.meanings and "sun" in day.meanings
    assert (day.strokes, day.grade, day.jlpt) == (4, 1, 4)
    words = {w.text: w for w in day.words}
    assert 3 <= len(words) <= 5
    assert words["日本"].reading == "にほん" and "Japan" in words["日本"].gloss
    assert "今日" in words and words["今日"].reading == "きょう"


def test_water(shipped: KanjiDictionary) -> None:
    water = lookup("水", shipped)
    assert isinstance(water, KanjiEntry)
    assert water.on == ("スイ",) and "みず" in water.kun and water.meanings[0] == "water"
    assert water.strokes == 4 and water.grade == 1
    assert water.words[0].text == "水" and water.words[0].reading == "みず"
    assert water.kind == "kanji"


def test_kana_have_their_reading_and_kind() -> None:
    assert lookup("あ") == KanaEntry("あ", "a", "hiragana")
    assert lookup("カ") == KanaEntry("カ", "ka", "katakana")
    assert lookup("し") == KanaEntry("し", "shi", "hiragana")  # Hepburn, not the Unicode name's "si"
    assert lookup("ヂ") == KanaEntry("ヂ", "ji", "katakana")
    assert lookup("っ") == KanaEntry("っ", "tsu", "hiragana", small=True)
    assert lookup("ー") == KanaEntry("ー", "-", "katakana", note="long vowel mark")
    for char in japanese_classes():
        if char_kind(char) in ("hiragana", "katakana"):
            entry = lookup(char)
            assert isinstance(entry, KanaEntry) and (entry.romaji or entry.note), char


def test_characters_without_an_entry_give_none(shipped: KanjiDictionary) -> None:
    for char in ("A", "0", "。", "", "日本"):
        assert lookup(char, shipped) is None, char
    assert lookup("𠀋", shipped) is None  # a kanji, but outside JIS X 0208 and the models' classes


def test_every_kanji_of_the_models_and_the_coverage_classes_has_an_entry(shipped: KanjiDictionary) -> None:
    from resources.dict.build import targets

    kanji = [c for c in coverage_classes() if char_kind(c) == "kanji"]
    assert len(kanji) > 6000
    assert [c for c in targets() if c not in shipped] == []
    missing_meanings = [c for c in japanese_classes() if char_kind(c) == "kanji"
                        and (e := shipped.lookup(c)) is not None and not e.meanings]
    assert set(missing_meanings) == {"々", "ヶ"}  # marks written like kanji, not in KANJIDIC2: words only
    repeat = shipped.lookup("々")
    assert repeat is not None and "人々" in [w.text for w in repeat.words]


def test_a_lookup_takes_under_50_ms_after_the_file_is_loaded_and_loading_is_quick() -> None:
    fresh = KanjiDictionary(dictionary.bundled_dictionary_path())
    assert not fresh.loaded
    started = time.perf_counter()
    fresh.lookup("日")
    load = time.perf_counter() - started
    times = []
    for char in [c for c in coverage_classes() if char_kind(c) == "kanji"][::10]:
        started = time.perf_counter()
        assert fresh.lookup(char) is not None
        times.append(time.perf_counter() - started)
    times.sort()
    assert times[int(len(times) * 0.95)] < 0.050
    assert load < 1.0  # ~0.05-0.1 s measured; generous for a busy CI machine


def test_the_file_is_compact_and_credits_its_sources() -> None:
    path = dictionary.bundled_dictionary_path()
    assert path.stat().st_size < 3_000_000
    credit = dictionary.dictionary_credit()
    assert "KANJIDIC2" in credit and "JMdict" in credit and "CC BY-SA" in credit and "edrdg" in credit.lower()
    assert (path.parent / "LICENSE-EDRDG.md").exists()
    assert dictionary.dictionary_credit(path.parent / "missing.gz") == ""


def _write(path: Path, lines: list[str]) -> Path:
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8")))
    return path


def _header(**changes: object) -> str:
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "fields": list(FIELDS), "source": "s",
                "licence": "l"}
    metadata.update(changes)
    return json.dumps(metadata)


def test_a_small_well_formed_file_reads(tmp_path: Path) -> None:
    path = _write(tmp_path / "k.gz", [_header(), '木\t[["モク"],["き"],["tree"],4,1,4,[["木","き","tree"]]]'])
    entry = KanjiDictionary(path).lookup("木")
    assert entry is not None and entry.words[0].gloss == "tree" and entry.grade == 1
    assert KanjiDictionary(path).lookup("林") is None


@pytest.mark.parametrize("lines, message", [
    ([_header(format="other")], "is not a mojiyomi kanji dictionary"),
    ([_header(fields=["on"])], "is not a mojiyomi kanji dictionary"),
    ([_header(), "no tab here"], "malformed line"),
    (["[1, 2"], "not valid JSON"),
])
def test_a_file_of_another_shape_is_refused_with_a_message(tmp_path: Path, lines: list[str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        KanjiDictionary(_write(tmp_path / "k.gz", lines)).lookup("木")


@pytest.mark.parametrize("entry, message", [
    ('[["モク"],["き"],["tree"],4,1,4]', "not a list of 7 fields"),
    ('[["モク"],["き"],"tree",4,1,4,[]]', "wrong type"),
    ('[["モク"],["き"],["tree"],true,1,4,[]]', "wrong type"),
    ('[["モク"],["き"],["tree"],1e999,1,4,[]]', "number that is not allowed|wrong type"),
    ('[["モク"],["き"],["tree"],4,1,4,[["木","き"]]]', "malformed words"),
    ('[[[[[["モク"]]]]],["き"],["tree"],4,1,4,[]]', "nested too deeply|wrong type"),
])
def test_a_malformed_entry_is_refused_at_its_lookup(tmp_path: Path, entry: str, message: str) -> None:
    shelf = KanjiDictionary(_write(tmp_path / "k.gz", [_header(), "木\t" + entry, '林\t[[],[],[],8,1,null,[]]']))
    with pytest.raises(InputError, match=message):
        shelf.lookup("木")
    assert shelf.lookup("林") is not None  # the other entries still read


def test_not_gzip_a_fifo_and_a_decompression_bomb_are_refused(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain"
    plain.write_text(_header())
    with pytest.raises(InputError, match="not gzip"):
        KanjiDictionary(plain).lookup("木")
    with pytest.raises(InputError, match="does not exist"):
        KanjiDictionary(tmp_path / "missing").lookup("木")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo")
        with pytest.raises(InputError, match="not a regular file"):
            KanjiDictionary(tmp_path / "fifo").lookup("木")
    bomb = tmp_path / "bomb.gz"
    bomb.write_bytes(gzip.compress(_header().encode() + b"\n" + b" " * 5_000_000))
    monkeypatch.setattr(dictionary, "MAX_TEXT_BYTES", 1_000_000)
    with pytest.raises(InputError, match="too large"):
        KanjiDictionary(bomb).lookup("木")


def test_the_shipped_dictionary_is_read_at_the_first_lookup_only() -> None:
    dictionary.bundled_dictionary.cache_clear()
    shelf = dictionary.bundled_dictionary()
    assert not shelf.loaded
    assert lookup("あ") is not None and not shelf.loaded  # kana need no file
    assert lookup("日") is not None and shelf.loaded


def _jamdict_like() -> sqlite3.Connection:
    """A tiny database in jamdict-data's schema: the kanji 木 and five words that use it."""
    db = sqlite3.connect(":memory:")
    db.executescript("""
        CREATE TABLE character (ID INTEGER PRIMARY KEY, literal TEXT, stroke_count INTEGER, grade TEXT, jlpt TEXT);
        CREATE TABLE rm_group (ID INTEGER PRIMARY KEY, cid INTEGER);
        CREATE TABLE reading (gid INTEGER, r_type TEXT, value TEXT);
        CREATE TABLE meaning (gid INTEGER, value TEXT, m_lang TEXT);
        CREATE TABLE Kanji (ID INTEGER PRIMARY KEY, idseq INTEGER, text TEXT);
        CREATE TABLE KJP (kid INTEGER, text TEXT);
        CREATE TABLE Kana (ID INTEGER PRIMARY KEY, idseq INTEGER, text TEXT, nokanji BOOLEAN);
        CREATE TABLE KNR (kid INTEGER, text TEXT);
        CREATE TABLE Sense (ID INTEGER PRIMARY KEY, idseq INTEGER);
        CREATE TABLE SenseGloss (sid INTEGER, lang TEXT, text TEXT);
        INSERT INTO character VALUES (1, '木', 4, '1', '4');
        INSERT INTO rm_group VALUES (1, 1);
        INSERT INTO reading VALUES (1, 'pinyin', 'mu4'), (1, 'ja_on', 'ボク'), (1, 'ja_on', 'モク'),
                                   (1, 'ja_kun', 'き'), (1, 'ja_kun', 'こ-');
        INSERT INTO meaning VALUES (1, 'tree', ''), (1, 'árbol', 'es'), (1, 'wood', '');
        -- 1: 木 (common), 2: 木曜日 with a rarer spelling 木曜 (one form per entry: the more frequent),
        -- 3: 並木 (not common, frequent), 4: 木霊 (rare), 5: a form too long to show, 6: 木 read こ only in 木の葉
        INSERT INTO Kanji VALUES (1, 100, '木'), (2, 200, '木曜日'), (3, 200, '木曜'), (4, 300, '並木'),
                                 (5, 400, '木霊'), (6, 500, '木材加工業者'), (7, 600, '木の葉');
        INSERT INTO KJP VALUES (1, 'ichi1'), (1, 'news1'), (2, 'spec1'), (3, 'nf40');
        INSERT INTO Kana VALUES (1, 100, 'き', 0), (2, 200, 'もくようび', 0), (3, 300, 'なみき', 0),
                                (4, 400, 'こだま', 0), (5, 600, 'このは', 0), (6, 600, 'キノハ', 1);
        INSERT INTO KNR VALUES (5, '木の葉');
        INSERT INTO Sense VALUES (1, 100), (2, 100), (3, 200), (4, 300), (5, 400), (6, 600);
        INSERT INTO SenseGloss VALUES (1, 'eng', 'tree'), (1, 'eng', 'shrub'), (1, 'eng', 'bush'),
                                      (1, 'eng', 'wood'), (1, 'ger', 'Baum'), (2, 'eng', 'wood (material)'),
                                      (3, 'eng', 'Thursday'), (4, 'eng', 'row of trees'), (5, 'eng', 'echo'),
                                      (6, 'eng', 'leaves');
    """)
    return db


def test_the_build_keeps_readings_meanings_and_ranks_words_common_then_frequent(tmp_path: Path) -> None:
    from resources.dict import build

    frequencies = {"木": 1e-4, "木曜日": 1e-5, "木曜": 1e-6, "並木": 3e-5, "木の葉": 2e-6}
    entries = build.build(_jamdict_like(), ["木", "林"], frequencies, 4)
    assert list(entries) == ["木"]  # 林 is in neither table: no entry
    on, kun, meanings, strokes, grade, jlpt, words = entries["木"]
    assert (on, kun, meanings, strokes, grade, jlpt) == (["ボク", "モク"], ["き", "こ-"], ["tree", "wood"], 4, 1, 4)
    assert words == [["木", "き", "tree; shrub; bush"],            # common, most frequent; 3 glosses of sense 1
                     ["木曜日", "もくようび", "Thursday"],          # common; its frequent spelling
                     ["並木", "なみき", "row of trees"],            # frequent, not common
                     ["木の葉", "このは", "leaves"]]               # the reading allowed for this spelling
    out = tmp_path / "k.gz"
    build.write(entries, {"format": FORMAT, "format_version": FORMAT_VERSION, "fields": list(FIELDS),
                          "source": "test", "licence": "CC BY-SA"}, out)
    entry = KanjiDictionary(out).lookup("木")
    assert entry is not None and entry.words[1].text == "木曜日" and dictionary.dictionary_credit(out) == "test: CC BY-SA"


def test_a_rare_kanji_gets_its_two_shortest_words_when_none_is_common_or_counted() -> None:
    from resources.dict.build import Candidate, pick_words

    rare = [Candidate("熙々", 1, False, 0.0), Candidate("康熙字典", 2, False, 0.0), Candidate("熙熙攘攘", 3, False, 0.0)]
    assert [c.text for c in pick_words(rare, 5)] == ["熙々", "康熙字典"]
    assert [c.text for c in pick_words([Candidate("熙", 4, True, 0.0), *rare], 5)] == ["熙"]
