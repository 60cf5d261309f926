"""The samples database: round trips, filters, undoable deletes, crash safety, bad files."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from core.errors import InputError, SamplesError
from core.ink import Ink, iter_ink_dataset, make_stroke, save_ink
from core.samples import SCHEMA_VERSION, SamplesDamagedError, SampleStore, default_path, labelled_inks
from tests.strokefont import writer_samples

REPO = Path(__file__).resolve().parent.parent


def test_store_lives_in_the_user_data_dir(isolated_data_dir: Path) -> None:
    with SampleStore() as store:
        assert store.count() == 0
    assert default_path() == isolated_data_dir / "samples.sqlite3" and default_path().exists()


def test_add_list_filter_relabel(tmp_path: Path) -> None:
    inks = writer_samples(2, seed=0, slant=0.0, squash=1.0)
    with SampleStore(tmp_path / "s.sqlite3") as store:
        ids = [store.add(ink, str(ink.label), "digits", [("1", 0.9), (str(ink.label), 0.1)]) for ink in inks]
        assert store.count() == 20 and len(set(ids)) == 20
        sevens = store.list(label="7")
        assert len(sevens) == 2 and all(s.label == "7" and s.model == "digits" for s in sevens)
        assert sevens[0].candidates[0] == ("1", 0.9) and sevens[0].corrected
        assert len(sevens[0].ink.strokes) == len(inks[14].strokes)
        assert [(i.id, i.label, i.candidates, i.created) for i in store.infos(label="7")] == \
            [(s.id, s.label, s.candidates, s.created) for s in sevens]
        assert store.oldest() == store.list()[0].created
        assert dict(store.labels())["3"] == 2
        assert store.most_misread(3)[0] != "1"  # 1 was read right
        store.relabel([sevens[0].id], "T")
        assert [s.label for s in store.get([sevens[0].id])] == ["T"]
        assert store.list(since=time.time() + 10) == []


def test_delete_is_undoable(tmp_path: Path) -> None:
    inks = writer_samples(1, seed=1, slant=0.0, squash=1.0)
    with SampleStore(tmp_path / "s.sqlite3") as store:
        ids = [store.add(ink, str(ink.label)) for ink in inks]
        before = store.list()
        gone = store.delete(ids[:3])
        assert store.count() == 7 and len(gone) == 3
        assert store.delete([ids[0], 12345]) == []  # already gone, or never there
        store.restore(gone)
        after = store.list()
        assert [(s.id, s.label, s.created) for s in after] == [(s.id, s.label, s.created) for s in before]


def test_export_import_round_trip(tmp_path: Path) -> None:
    inks = writer_samples(1, seed=2, slant=0.0, squash=1.0)
    with SampleStore(tmp_path / "a.sqlite3") as a, SampleStore(tmp_path / "b.sqlite3") as b:
        for ink in inks:
            a.add(ink, str(ink.label), "digits", [("1", 0.8), (str(ink.label), 0.1)])
        assert a.export_jsonl(tmp_path / "mine.jsonl") == 10
        assert b.import_jsonl(tmp_path / "mine.jsonl") == 10
        assert b.import_jsonl(tmp_path / "mine.jsonl") == 0  # imported twice: no duplicates
        key = [(s.label, s.model, s.candidates, s.created, s.ink.to_json()) for s in a.list()]
        assert [(s.label, s.model, s.candidates, s.created, s.ink.to_json()) for s in b.list()] == key
        assert a.export_jsonl(tmp_path / "two.jsonl", [a.list()[3].id]) == 1
        assert [ink.label for ink in iter_ink_dataset(tmp_path / "two.jsonl")] == ["3"]
        (tmp_path / "nolabel.jsonl").write_text('{"label": "5", "strokes": [[[1, 1], [2, 2]]]}\n'
                                                '{"width": 5, "height": 5, "strokes": [[[1, 1], [2, 2]]]}\n')
        with pytest.raises(InputError, match="no label.*ink 2"):
            b.import_jsonl(tmp_path / "nolabel.jsonl")
        with pytest.raises(InputError, match="line 1"):
            (tmp_path / "junk.jsonl").write_text("not json\n")
            b.import_jsonl(tmp_path / "junk.jsonl")
        assert b.count() == 10


def test_finetune_reads_the_database(tmp_path: Path) -> None:
    from training.finetune import read_samples

    inks = writer_samples(1, seed=3, slant=0.0, squash=1.0)
    with SampleStore(tmp_path / "s.sqlite3") as store:
        for ink in inks:
            store.add(ink, str(ink.label))
    assert sorted(i.label for i in read_samples(tmp_path / "s.sqlite3")) == sorted("0123456789")


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _damaged_pages(path: Path) -> None:
    with SampleStore(path) as store:
        for ink in writer_samples(20, seed=0, slant=0.0, squash=1.0):
            store.add(ink, str(ink.label))
    data = bytearray(path.read_bytes())
    data[4096 * 2:4096 * 6] = os.urandom(4096 * 4)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_random_bytes, _damaged_pages])
def test_corrupt_file_is_reported_and_kept(tmp_path: Path, damage: Callable[[Path], None]) -> None:
    path = tmp_path / "samples.sqlite3"
    damage(path)
    junk = path.read_bytes()
    with pytest.raises(SamplesDamagedError, match=f"{path.name} is damaged.*left untouched"):
        with SampleStore(path) as store:
            store.list()
    assert path.read_bytes() == junk
    moved = SampleStore.quarantine(path)
    assert moved.read_bytes() == junk and not path.exists() and moved.name.startswith("samples.corrupt-")
    with SampleStore(path) as store:
        assert store.count() == 0


def test_locked_database_fails_fast(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    SampleStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    start = time.monotonic()
    try:
        with SampleStore(path) as store:  # the default timeout
            assert store.count() == 0  # reading still works (WAL)
            with pytest.raises(SamplesError, match="in use by another program"):
                store.add(writer_samples(1, 0, 0.0, 1.0)[0], "0")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert time.monotonic() - start < 5


def test_killed_writer_loses_only_the_sample_being_written(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    code = f"""
import sys
from core.samples import SampleStore
from tests.strokefont import writer_samples
ink = writer_samples(1, 0, 0.0, 1.0)[0]
store = SampleStore({str(path)!r})
for i in range(100000):
    store.add(ink, str(i % 10))
    if i == 50:
        print("ready", flush=True)
"""
    child = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    time.sleep(0.3)
    child.send_signal(signal.SIGKILL)
    child.wait()
    with SampleStore(path) as store:
        samples = store.list()
        assert len(samples) > 50
        assert [s.id for s in samples] == list(range(1, len(samples) + 1))  # no hole, no half row
        assert all(len(s.ink.strokes) for s in samples)
        assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _ink() -> Ink:
    return writer_samples(1, 0, 0.0, 1.0)[0]


def test_bad_samples_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    nan = Ink((make_stroke([(1, 1), (float("nan"), 2)]),), 10, 10)
    with SampleStore(tmp_path / "s.sqlite3") as store:
        with pytest.raises(InputError, match="label"):
            store.add(_ink(), "  ")
        with pytest.raises(InputError, match="NaN"):
            store.add(nan, "1")
        with pytest.raises(InputError, match="no strokes"):
            store.add(Ink((), 10, 10), "1")
        assert store.count() == 0


def test_relabelling_changes_what_counts_as_misread(tmp_path: Path) -> None:
    with SampleStore(tmp_path / "s.sqlite3") as store:
        a = store.add(_ink(), "7", "digits", [("1", 0.6), ("7", 0.3)])
        store.add(_ink(), "4", "digits", [("9", 0.6)])
        store.add(_ink(), "4", "digits", [("9", 0.6)])
        store.add(_ink(), "2", "digits", [("2", 0.9)])
        assert store.most_misread(10) == ["4", "7"]
        store.relabel([a], "1")  # the model was right after all
        assert store.most_misread(10) == ["4"] and not store.get([a])[0].corrected


def test_a_selection_of_thousands_is_deleted_and_restored(tmp_path: Path) -> None:
    ink = _ink()
    with SampleStore(tmp_path / "s.sqlite3") as store:
        store.import_jsonl(_dataset(tmp_path / "many.jsonl", ink, 2500))
        ids = [s.id for s in store.infos()]
        gone = store.delete(ids[5:])  # more ids than SQLite takes in one query
        assert store.count() == 5 and [s.id for s in gone] == ids[5:]
        store.restore(gone)
        assert [s.id for s in store.infos()] == ids


def _dataset(path: Path, ink: Ink, n: int) -> Path:
    lines = []
    for i in range(n):  # each a little different, else the import skips them as duplicates
        moved = Ink(tuple(s + (i, 0, 0, 0) for s in ink.strokes), ink.width + n, ink.height, str(i % 10))
        lines.append(json.dumps(moved.to_json()))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_an_undone_delete_never_overwrites_a_newer_sample(tmp_path: Path) -> None:
    with SampleStore(tmp_path / "s.sqlite3") as store:
        first = store.add(_ink(), "1")
        newest = store.add(_ink(), "2")
        gone = store.delete([newest])
        later = store.add(_ink(), "3")  # written while "2" sits in the undo stack
        assert later != newest
        store.restore(gone)
        store.restore(gone)  # undoing twice does no harm
        assert [(s.id, s.label) for s in store.list()] == [(first, "1"), (newest, "2"), (later, "3")]


def test_a_version_1_database_is_migrated_and_keeps_its_samples(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE samples (id INTEGER PRIMARY KEY, label TEXT NOT NULL, ink TEXT NOT NULL,
            model TEXT NOT NULL DEFAULT '', candidates TEXT NOT NULL DEFAULT '[]',
            corrected INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL);
        CREATE INDEX samples_label ON samples(label);
        CREATE INDEX samples_created ON samples(created);
        INSERT INTO samples VALUES (1, 'あ', '{"width": 9, "height": 9, "strokes": [[[1, 1], [5, 5]]]}',
                                    'kana', '[["お", 0.7]]', 1, 1700000000.0);
        PRAGMA user_version=1;""")
    old.close()
    with SampleStore(path) as store:
        [sample] = store.list()
        assert (sample.label, sample.model, sample.candidates, sample.created) == \
            ("あ", "kana", (("お", 0.7),), 1700000000.0)
        assert sample.ink.strokes[0][:, :2].tolist() == [[1, 1], [5, 5]] and store.most_misread(1) == ["あ"]
        store.delete([1])
        assert store.add(_ink(), "い") == 2  # ids are no longer reused
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_files_it_cannot_use_are_reported_and_left_untouched(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    SampleStore(newer).close()
    with sqlite3.connect(newer) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(SamplesError, match="newer mojiyomi"):
        SampleStore(newer)
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE accounts (name TEXT)")
    before = other.read_bytes()
    with pytest.raises(SamplesError, match="not a mojiyomi samples database.*accounts"):
        SampleStore(other)
    assert other.read_bytes() == before


def test_quarantine_never_overwrites_an_earlier_one(tmp_path: Path) -> None:
    path = tmp_path / "samples.sqlite3"
    moved = []
    for content in (b"first junk" * 100, b"second junk" * 100):
        path.write_bytes(content)
        moved.append(SampleStore.quarantine(path))
    assert moved[0] != moved[1] and all(m.name.startswith("samples.corrupt-") for m in moved)
    assert [m.read_bytes()[:6] for m in moved] == [b"first ", b"second"]


def test_a_database_locked_before_opening_fails_fast(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)  # a rollback-journal database, exclusively held
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("CREATE TABLE t (x)")
    start = time.monotonic()
    try:
        with pytest.raises(SamplesError, match="in use by another program"):
            SampleStore(path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert time.monotonic() - start < 5


def test_the_data_dir_option_moves_samples_and_models(tiny_bundle: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from mojiyomi.cli import main

    data = tmp_path / "elsewhere"
    shutil.copytree(tiny_bundle, data / "models" / "mine")
    save_ink(_ink(), tmp_path / "one.json")
    assert main(["--data-dir", str(data), "recognize", "--model", "mine", "--json", str(tmp_path / "one.json")]) == 0
    assert len(json.loads(capsys.readouterr().out)["candidates"]) == 5
    with SampleStore() as store:
        assert store.path == data / "samples.sqlite3"


DEEP = "[" * 1000 + "]" * 1000
DAMAGED_CANDIDATES = ["[[]]", '{"a": 1}', "[1]", '[["a", 0.5, 3]]', '[["a", "high"]]', DEEP, "not json",
                      b"\xff\xfe"]
DAMAGED_INKS = ['{"width": 10, "height": 10, "strokes": ' + DEEP + "}", DEEP, "{", '{"strokes": "x"}',
                '{"width": [1], "height": 10, "strokes": [[[1, 2], [3, 4]]]}', b"\xff", "1" * 500]


def _damaged_store(path: Path) -> list[int]:
    """Two good samples, then one row per damaged candidates list and per damaged ink, written
    straight into the database the way another program could."""
    ink = writer_samples(1, seed=4, slant=0.0, squash=1.0)[1]
    with SampleStore(path) as store:
        ids = [store.add(ink, "1", "digits", [("1", 0.9)]) for _ in range(2)]
    good = json.dumps(ink.to_json())
    with sqlite3.connect(path) as db:
        for n, (ink_text, candidates) in enumerate([(good, c) for c in DAMAGED_CANDIDATES]
                                                   + [(i, "[]") for i in DAMAGED_INKS]):
            db.execute("INSERT INTO samples(label, ink, model, candidates, corrected, created) VALUES (?,?,?,?,0,?)",
                       ("1", ink_text, "digits", candidates, 100.0 + n))
        db.execute("INSERT INTO samples(label, ink, model, candidates, corrected, created) VALUES (?,?,?,?,0,?)",
                   ("1", good, "digits", "[]", "yesterday"))
        # Text that is not UTF-8, as a flipped bit leaves it: SQLite keeps it as it is.
        db.execute("INSERT INTO samples(label, ink, model, candidates, corrected, created) VALUES "
                   "(CAST(? AS TEXT), CAST(? AS TEXT), '', '[]', 0, 200)",
                   (b"\xff1", b'{"strokes": [[[1, 2]]], "x": "\xff"}'))
    return ids


def test_damaged_rows_are_listed_without_what_cannot_be_read(tmp_path: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    _damaged_store(tmp_path / "s.sqlite3")
    with SampleStore(tmp_path / "s.sqlite3") as store:
        samples = store.list()
        infos = store.infos()
        unreadable = [s for s in samples if s.problem]
        assert len(samples) == len(infos) == 2 + len(DAMAGED_CANDIDATES) + len(DAMAGED_INKS) + 2
        not_utf8 = next(s for s in samples if s.created == 200)
        assert not_utf8.label == "\ufffd1" and not_utf8.ink.extra == {"x": "\ufffd"}
        assert len(unreadable) == len(DAMAGED_INKS) and all(s.ink.is_empty for s in unreadable)
        assert all(s.candidates == () and not s.problem and not s.ink.is_empty
                   for s in samples if 100 <= s.created < 100 + len(DAMAGED_CANDIDATES))
        assert [s.created for s in samples if s.created == 0.0] == [0.0]  # the date "yesterday"
        assert "has 16 damaged entries" in caplog.text and "nested too deeply" in unreadable[0].problem
        store.relabel([s.id for s in samples], "7")  # json_extract on bad candidates is no "damaged database"
        assert {s.label for s in store.list()} == {"7"}
        assert store.export_jsonl(tmp_path / "out.jsonl") == len(samples) - len(unreadable)
    with SampleStore(tmp_path / "copy.sqlite3") as copy:
        assert copy.import_jsonl(tmp_path / "out.jsonl") == 2  # the readable ones: two inks, one label
    assert len(labelled_inks(tmp_path / "s.sqlite3")) == len(samples)


def test_evaluate_counts_damaged_rows_as_unreadable(tiny_bundle: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from mojiyomi.cli import main

    _damaged_store(tmp_path / "s.sqlite3")
    code = main(["evaluate", "--model", str(tiny_bundle), "--data", str(tmp_path / "s.sqlite3"), "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    summary = json.loads(out.out.splitlines()[-1])
    assert summary["n_unreadable"] == len(DAMAGED_INKS) and "Traceback" not in out.err


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_database_named_by_the_user_is_read_as_it_is(tmp_path: Path, version: int) -> None:
    """evaluate/train/finetune open a user's file read-only: one from before picture samples still reads."""
    from core import samples

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    for migrate in samples.MIGRATIONS[:version]:
        migrate(db)
    ink = json.dumps({"width": 100, "height": 100, "strokes": [[[10, 10], [90, 90]]]})
    db.executemany("INSERT INTO samples(label, ink, created) VALUES (?, ?, ?)", [("一", ink, 1.0), ("二", ink, 2.0)])
    db.execute(f"PRAGMA user_version={version}")
    db.commit()
    db.close()
    before = path.read_bytes()
    read = samples.labelled_samples(path)
    assert [s.label for s in read] == ["一", "二"]
    assert path.read_bytes() == before
