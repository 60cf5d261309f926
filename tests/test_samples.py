"""The samples database: round trips, filters, undoable deletes, crash safety, bad files."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.errors import InputError, SamplesError
from core.samples import SampleStore, default_path
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
        store.restore(gone)
        after = store.list()
        assert [(s.id, s.label, s.created) for s in after] == [(s.id, s.label, s.created) for s in before]


def test_export_import_round_trip(tmp_path: Path) -> None:
    inks = writer_samples(1, seed=2, slant=0.0, squash=1.0)
    with SampleStore(tmp_path / "a.sqlite3") as a, SampleStore(tmp_path / "b.sqlite3") as b:
        for ink in inks:
            a.add(ink, str(ink.label))
        assert a.export_jsonl(tmp_path / "mine.jsonl") == 10
        assert b.import_jsonl(tmp_path / "mine.jsonl") == 10
        assert sorted(s.label for s in b.list()) == sorted(s.label for s in a.list())
        (tmp_path / "nolabel.jsonl").write_text('{"width": 5, "height": 5, "strokes": [[[1, 1], [2, 2]]]}\n')
        with pytest.raises(InputError, match="no label"):
            b.import_jsonl(tmp_path / "nolabel.jsonl")
        assert b.count() == 10


def test_finetune_reads_the_database(tmp_path: Path) -> None:
    from training.finetune import read_samples

    inks = writer_samples(1, seed=3, slant=0.0, squash=1.0)
    with SampleStore(tmp_path / "s.sqlite3") as store:
        for ink in inks:
            store.add(ink, str(ink.label))
    assert sorted(i.label for i in read_samples(tmp_path / "s.sqlite3")) == sorted("0123456789")


def test_corrupt_file_is_reported_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    junk = os.urandom(8192)
    path.write_bytes(junk)
    with pytest.raises(SamplesError, match="damaged|not a database"):
        SampleStore(path)
    assert path.read_bytes() == junk
    moved = SampleStore.quarantine(path)
    assert moved.read_bytes() == junk and not path.exists()
    with SampleStore(path) as store:
        assert store.count() == 0


def test_locked_database_fails_fast(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    SampleStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    start = time.monotonic()
    try:
        with pytest.raises(SamplesError, match="in use by another program"):
            with SampleStore(path, timeout=0.5) as store:
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
