"""The user's handwriting samples, kept in an SQLite database in the user's data folder.

Each sample is written in its own transaction (WAL journal, ``synchronous=FULL``), so a
crash or power cut loses at most the sample being written and never the others. A
database that cannot be opened (corrupt, locked by another program, not a database) raises
``SamplesError`` with what to do; the file is never overwritten.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.atomic import atomic_write_text
from core.errors import SamplesError
from core.ink import Ink, iter_ink_dataset
from core.paths import user_data_dir

#: The database file name inside the user's data folder.
DB_NAME = "samples.sqlite3"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    ink TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    candidates TEXT NOT NULL DEFAULT '[]',
    corrected INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_label ON samples(label);
CREATE INDEX IF NOT EXISTS samples_created ON samples(created);
"""


@dataclass(frozen=True)
class Sample:
    """One kept sample.

    Attributes:
        id: Its row id.
        ink: The strokes.
        label: What the user said it is.
        model: The model that recognized it at the time.
        candidates: That model's candidates then, best first.
        created: When it was kept (Unix time).
    """

    id: int
    ink: Ink
    label: str
    model: str
    candidates: tuple[tuple[str, float], ...]
    created: float

    @property
    def corrected(self) -> bool:
        """True when the model's first candidate was not the label."""
        return bool(self.candidates) and self.candidates[0][0] != self.label


def default_path() -> Path:
    """The samples database of this user."""
    return user_data_dir() / DB_NAME


class SampleStore:
    """The samples database. Use as a context manager, or call ``close``.

    Raises:
        SamplesError: if the database is corrupt, locked by another program, or unwritable.
    """

    def __init__(self, path: Path | None = None, timeout: float = 3.0) -> None:
        self.path = Path(path) if path is not None else default_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise SamplesError(f"Cannot open the samples database {self.path}: {exc}") from exc
        try:
            self._setup()
        except sqlite3.Error as exc:
            self._db.close()
            raise _explain(exc, self.path) from exc

    def _setup(self) -> None:
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise SamplesError(f"{self.path} was written by a newer mojiyomi (schema {version}, this one "
                               f"reads {SCHEMA_VERSION}); update mojiyomi to open it.")
        if version < SCHEMA_VERSION:
            with self._transaction():  # executescript would commit early: one statement at a time
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._db.execute("SELECT count(*) FROM samples").fetchone()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            yield
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise _explain(exc, self.path) from exc
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def __enter__(self) -> SampleStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the database (samples are already safe on disk)."""
        self._db.close()

    # -- writing ---------------------------------------------------------------------------------

    def add(self, ink: Ink, label: str, model: str = "", candidates: Sequence[tuple[str, float]] = ()) -> int:
        """Keeps one sample; returns its id.

        Raises:
            InputError: if the ink is empty or has NaN coordinates.
            SamplesError: if it cannot be written.
        """
        if not label:
            raise SamplesError("A sample needs a label. Received: an empty label")
        ink.validate()
        cands = [(str(c[0]), float(c[1])) for c in candidates]
        corrected = int(bool(cands) and cands[0][0] != label)
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO samples(label, ink, model, candidates, corrected, created) VALUES (?,?,?,?,?,?)",
                (label, json.dumps(ink.with_label(None).to_json()), model, json.dumps(cands), corrected,
                 time.time()))
        return int(cursor.lastrowid)

    def relabel(self, ids: Sequence[int], label: str) -> None:
        """Gives samples another label."""
        if not label:
            raise SamplesError("A sample needs a label. Received: an empty label")
        with self._transaction():
            self._db.executemany("UPDATE samples SET label=? WHERE id=?", [(label, int(i)) for i in ids])

    def delete(self, ids: Sequence[int]) -> list[Sample]:
        """Deletes samples; returns them so that ``restore`` can undo the deletion."""
        gone = self.get(ids)
        with self._transaction():
            self._db.executemany("DELETE FROM samples WHERE id=?", [(int(i),) for i in ids])
        return gone

    def restore(self, samples: Sequence[Sample]) -> None:
        """Puts deleted samples back, with their ids and dates."""
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO samples(id, label, ink, model, candidates, corrected, created) "
                "VALUES (?,?,?,?,?,?,?)",
                [(s.id, s.label, json.dumps(s.ink.with_label(None).to_json()), s.model,
                  json.dumps([list(c) for c in s.candidates]), int(s.corrected), s.created) for s in samples])

    # -- reading ---------------------------------------------------------------------------------

    def list(self, label: str | None = None, since: float | None = None, until: float | None = None) -> list[Sample]:
        """Samples, oldest first, optionally of one label and within [since, until)."""
        where, args = ["1=1"], []
        for clause, value in (("label=?", label), ("created>=?", since), ("created<?", until)):
            if value is not None:
                where.append(clause)
                args.append(value)
        rows = self._query(f"SELECT * FROM samples WHERE {' AND '.join(where)} ORDER BY created, id", args)
        return [_sample(row) for row in rows]

    def get(self, ids: Sequence[int]) -> list[Sample]:
        """The samples with these ids (missing ones are left out)."""
        marks = ",".join("?" * len(ids))
        return [_sample(r) for r in self._query(f"SELECT * FROM samples WHERE id IN ({marks})", list(ids))] \
            if ids else []

    def labels(self) -> list[tuple[str, int]]:
        """(label, number of samples), by label."""
        return [(r[0], r[1]) for r in self._query("SELECT label, count(*) FROM samples GROUP BY label ORDER BY label")]

    def count(self) -> int:
        """How many samples there are."""
        return int(self._query("SELECT count(*) FROM samples")[0][0])

    def most_misread(self, n: int) -> list[str]:
        """The labels the model got wrong most often (its first candidate was another)."""
        rows = self._query("SELECT label FROM samples WHERE corrected=1 GROUP BY label "
                           "ORDER BY count(*) DESC, max(created) DESC LIMIT ?", [n])
        return [r[0] for r in rows]

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        try:
            return self._db.execute(sql, list(args)).fetchall()
        except sqlite3.Error as exc:
            raise _explain(exc, self.path) from exc

    # -- ink datasets ----------------------------------------------------------------------------

    def export_jsonl(self, path: Path, ids: Sequence[int] | None = None) -> int:
        """Writes samples (all, or ``ids``) as an ink dataset (JSONL), atomically; returns the count."""
        samples = self.get(ids) if ids is not None else self.list()
        lines = [json.dumps({**s.ink.with_label(s.label).to_json(), "model": s.model, "created": s.created},
                            ensure_ascii=False) for s in samples]
        atomic_write_text(Path(path), "".join(line + "\n" for line in lines))
        return len(samples)

    def import_jsonl(self, path: Path) -> int:
        """Adds every labelled ink of an ink dataset in one transaction; returns how many.

        Raises:
            InputError: if the file is not an ink dataset or an ink has no label (nothing is added).
        """
        from core.errors import InputError

        inks = list(iter_ink_dataset(path))
        unlabelled = sum(1 for ink in inks if not ink.label)
        if unlabelled:
            raise InputError(f"{path}: {unlabelled} of {len(inks)} inks have no label; nothing was imported.")
        now = time.time()
        with self._transaction():
            self._db.executemany(
                "INSERT INTO samples(label, ink, model, candidates, corrected, created) VALUES (?,?,?,?,?,?)",
                [(str(ink.label), json.dumps(ink.validate().with_label(None).to_json()), "import", "[]", 0, now)
                 for ink in inks])
        return len(inks)

    @staticmethod
    def quarantine(path: Path) -> Path:
        """Moves a database that cannot be opened aside (kept, renamed), so a new one can start."""
        target = path.with_name(f"{path.stem}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}")
        path.rename(target)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.rename(target.with_name(target.name + suffix))
        return target


def _sample(row: tuple) -> Sample:
    sample_id, label, ink, model, candidates, _corrected, created = row
    return Sample(int(sample_id), Ink.from_json(json.loads(ink)), label, model,
                  tuple((str(c[0]), float(c[1])) for c in json.loads(candidates)), float(created))


def _explain(exc: sqlite3.Error, path: Path) -> SamplesError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return SamplesError(f"The samples database {path} is in use by another program (another mojiyomi?). "
                            f"Close it and try again; recognizing still works meanwhile.")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return SamplesError(f"The samples database {path} is damaged ({text}). It was left untouched; "
                            f"move it aside to start a new one (your other data is safe).")
    if "readonly" in text or "disk" in text or "full" in text:
        return SamplesError(f"Cannot write to the samples database {path}: {text}. Is the disk full or "
                            f"read-only?")
    return SamplesError(f"The samples database {path} failed: {text}")
