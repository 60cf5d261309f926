"""The samples database as an object: ``SampleStore`` (part of ``core.samples``, which
describes durability, damaged files and the kinds of samples).
"""

from __future__ import annotations

import builtins
import json
import logging
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np

from core.atomic import atomic_write_text
from core.errors import InputError, SamplesError
from core.ink import Ink, iter_ink_dataset
from core.samples_db import (_COLUMNS, _COLUMNS_V1, MIGRATIONS, SCHEMA_VERSION, _connect_read_only, _explain,
                             default_path, quarantine_file)
from core.samples_rows import (Sample, SampleInfo, _candidates, _canonical_ink, _check_label, _created,
                               _encode_picture, _full_row, _imported_row, _kind, _lenient_text, _picture_row,
                               _read_candidates, _row, _sample, _text, _where)

# Warnings keep the logger name they had before SampleStore moved here, so log filters still match.
log = logging.getLogger("core.samples")

#: Below SQLite's limit on query parameters (999 before 3.32), for selections of any size.
_IDS_PER_QUERY = 900


class SampleStore:
    """The samples database. Use it as a context manager, or call ``close``.

    (Its method ``list`` hides the built-in ``list`` inside the class: annotations there say
    ``builtins.list``.)

    Args:
        path: The database file; default ``default_path()`` (honours ``$MOJIYOMI_DATA_DIR``).
        timeout: Seconds to wait for another program's lock before giving up.
        read_only: Open an existing database only to read it: the file is never created,
            upgraded or changed (a dataset or a fine-tune's samples named by the user).

    Raises:
        SamplesError: if the file is damaged or not a samples database, was written by a
            newer mojiyomi, is locked by another program, or cannot be created (read-only:
            does not exist, or is empty).
    """

    def __init__(self, path: Path | str | None = None, timeout: float = 2.0, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.read_only = read_only
        try:
            if read_only:
                self._db = _connect_read_only(self.path, timeout)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise SamplesError(f"Cannot open the samples database {self.path}: {exc}") from exc
        try:
            self._setup()
        except BaseException as exc:
            self._db.close()
            if isinstance(exc, sqlite3.Error):
                raise _explain(exc, self.path) from exc
            raise

    def _setup(self) -> None:
        # Text that is not UTF-8 (a row written by another program, or damaged) is read, not an
        # error that would stop every listing; a row whose ink it is then reads as unreadable.
        self._db.text_factory = _lenient_text
        # Read before writing anything: a file that is not ours, or is newer, stays byte for byte.
        found = self._db.execute("PRAGMA user_version").fetchone()[0]
        self._check_version(found)
        if self.read_only:
            if found == 0:
                raise SamplesError(f"{self.path} is not a mojiyomi samples database (it holds none: an empty "
                                   f"file or an empty SQLite database). It was left untouched.")
            self.journal_mode = self._db.execute("PRAGMA journal_mode").fetchone()[0]
            if found < SCHEMA_VERSION:  # an older file is read as it is: its rows are all ink samples
                self._db.execute(f"CREATE TEMP VIEW samples AS SELECT {_COLUMNS_V1}, 'ink' AS kind, NULL AS image, "
                                 f"'' AS source FROM main.samples")
            self._db.execute("SELECT count(*) FROM samples").fetchone()
            return
        self.journal_mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        self._db.execute("PRAGMA synchronous=FULL")
        if found == SCHEMA_VERSION:  # no write lock needed: readers open while another program writes
            self._db.execute("SELECT count(*) FROM samples").fetchone()
            return
        with self._transaction():
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            self._check_version(version)  # again: another program may have changed it meanwhile
            for migrate in MIGRATIONS[version:]:
                migrate(self._db)
            if version < SCHEMA_VERSION:
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._db.execute("SELECT count(*) FROM samples").fetchone()

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise SamplesError(f"The samples database {self.path} was written by a newer mojiyomi (schema "
                               f"{version}; this one reads up to {SCHEMA_VERSION}). Update mojiyomi to use it.")
        tables = [r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        if version == 0 and tables:
            raise SamplesError(f"{self.path} is an SQLite database but not a mojiyomi samples database "
                               f"(it holds the tables {', '.join(sorted(tables))}). It was left untouched; "
                               f"choose another data folder or move it aside.")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            yield
            self._db.execute("COMMIT")
        except BaseException as exc:
            with suppress(sqlite3.Error):  # closed, or SQLite rolled back already
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise _explain(exc, self.path) from exc
            raise

    def __enter__(self) -> SampleStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the database. Samples are already on disk; closing twice is harmless."""
        self._db.close()

    # -- writing ---------------------------------------------------------------------------------

    def add(self, ink: Ink, label: str, model: str = "", candidates: Sequence[tuple[str, float]] = ()) -> int:
        """Keeps one sample, in its own transaction.

        Args:
            ink: What the user wrote.
            label: What it is.
            model: The name of the model that recognized it.
            candidates: That model's (label, score) candidates, best first.

        Returns:
            The new sample's id.

        Raises:
            InputError: if the label is empty or the ink has no points or NaN coordinates.
            SamplesError: if it cannot be written (locked, disk full...).
        """
        label = _check_label(label)
        ink.validate()
        cands = _candidates(candidates)
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO samples(label, ink, model, candidates, corrected, created) VALUES (?,?,?,?,?,?)",
                _row(ink, label, model, cands, time.time()))
        return int(cursor.lastrowid or 0)

    def add_picture(self, image: np.ndarray, label: str, model: str = "",
                    candidates: Sequence[tuple[str, float]] = (), source: str = "") -> int:
        """Keeps a character of a picture as a sample: the model input the picture path made of it.

        Args:
            image: That model input: 2-D, uint8, white ink on black (the recognizer's input size).
            label: What it is.
            model: The name of the model that read it.
            candidates: That model's (label, score) candidates, best first.
            source: Where it came from (the picture's name and the character's box).

        Returns:
            The new sample's id.

        Raises:
            InputError: if the label is empty or the image is not such a model input, or holds no ink.
            SamplesError: if it cannot be written.
        """
        label = _check_label(label)
        png = _encode_picture(image)
        cands = _candidates(candidates)
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO samples(label, ink, model, candidates, corrected, created, kind, image, source) "
                "VALUES (?,?,?,?,?,?,?,?,?)", _picture_row(png, label, model, cands, time.time(), str(source)))
        return int(cursor.lastrowid or 0)

    def relabel(self, ids: Sequence[int], label: str) -> None:
        """Gives samples another label (ids that do not exist are ignored).

        Raises:
            InputError: if the label is empty.
            SamplesError: if it cannot be written.
        """
        label = _check_label(label)
        with self._transaction():  # "corrected" follows: the model's first candidate against the new label
            self._db.executemany("UPDATE samples SET label=?1, corrected=CASE WHEN json_valid(candidates) THEN "
                                 "coalesce(json_extract(candidates, '$[0][0]') != ?1, 0) ELSE 0 END WHERE id=?2",
                                 [(label, int(i)) for i in ids])

    def delete(self, ids: Sequence[int]) -> builtins.list[Sample]:
        """Deletes samples, in one transaction.

        Returns:
            The deleted samples, for ``restore`` to undo the deletion.

        Raises:
            SamplesError: if it cannot be written.
        """
        gone = self.get(ids)
        with self._transaction():
            self._db.executemany("DELETE FROM samples WHERE id=?", [(s.id,) for s in gone])
        return gone

    def restore(self, samples: Sequence[Sample]) -> None:
        """Puts deleted samples back with their ids and dates (undo of ``delete``).

        Samples that are already there are left as they are, so undoing twice does no harm.

        Raises:
            SamplesError: if it cannot be written.
        """
        with self._transaction():
            self._db.executemany(
                f"INSERT OR IGNORE INTO samples({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(s.id, *_full_row(s)) for s in samples])

    # -- reading ---------------------------------------------------------------------------------

    def list(self, label: str | None = None, since: float | None = None,
             until: float | None = None) -> builtins.list[Sample]:
        """The samples, oldest first.

        Args:
            label: Only those with this label.
            since: Only those kept at or after this Unix time.
            until: Only those kept before this Unix time.

        Returns:
            The matching samples.

        Raises:
            SamplesError: if the database cannot be read.
        """
        where, args = _where(label, since, until)
        return self._samples(where, args)

    def infos(self, label: str | None = None, since: float | None = None,
              until: float | None = None) -> builtins.list[SampleInfo]:
        """Like ``list`` without decoding the strokes, which is most of the time for thousands.

        Raises:
            SamplesError: if the database cannot be read.
        """
        where, args = _where(label, since, until)
        rows = self._query(f"SELECT id, label, model, candidates, created, kind, source FROM samples {where} "
                           f"ORDER BY created, id", args)
        problems: builtins.list[str] = []
        infos = [SampleInfo(int(i), _text(lab), _text(model), _read_candidates(cands, int(i), problems),
                            _created(created, int(i), problems), _kind(kind), _text(source))
                 for i, lab, model, cands, created, kind, source in rows]
        self._report(problems)
        return infos

    def get(self, ids: Sequence[int]) -> builtins.list[Sample]:
        """The samples with these ids, oldest first; ids that do not exist are left out."""
        ids = [int(i) for i in ids]
        found: builtins.list[Sample] = []
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[start:start + _IDS_PER_QUERY]
            found += self._samples(f"WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        return sorted(found, key=lambda s: (s.created, s.id))

    def labels(self) -> builtins.list[tuple[str, int]]:
        """(label, number of samples) pairs, sorted by label."""
        return [(r[0], int(r[1])) for r in
                self._query("SELECT label, count(*) FROM samples GROUP BY label ORDER BY label")]

    def count(self) -> int:
        """How many samples there are."""
        return int(self._query("SELECT count(*) FROM samples")[0][0])

    def oldest(self) -> float | None:
        """When the oldest sample was kept (Unix time), or None when there is none."""
        value = self._query("SELECT min(created) FROM samples")[0][0]
        return None if value is None else float(value)

    def most_misread(self, n: int) -> builtins.list[str]:
        """The labels the user corrected most often (the model's first candidate was another).

        Args:
            n: At most this many labels.

        Returns:
            Labels, most corrected first (ties: most recently corrected first).
        """
        rows = self._query("SELECT label FROM samples WHERE corrected=1 GROUP BY label "
                           "ORDER BY count(*) DESC, max(created) DESC LIMIT ?", [int(n)])
        return [r[0] for r in rows]

    def _samples(self, where: str, args: Sequence[Any]) -> builtins.list[Sample]:
        problems: builtins.list[str] = []
        samples = [_sample(row, problems) for row in
                   self._query(f"SELECT {_COLUMNS} FROM samples {where} ORDER BY created, id", args)]
        self._report(problems)
        return samples

    def _report(self, problems: builtins.list[str]) -> None:
        if problems:
            log.warning("The samples database %s has %d damaged %s (%s); the samples are kept, without what "
                        "cannot be read.", self.path, len(problems), "entry" if len(problems) == 1 else "entries",
                        "; ".join(problems[:3]) + ("; ..." if len(problems) > 3 else ""))

    def _query(self, sql: str, args: Sequence[Any] = ()) -> builtins.list[tuple]:
        try:
            return self._db.execute(sql, list(args)).fetchall()
        except sqlite3.Error as exc:
            raise _explain(exc, self.path) from exc

    # -- ink datasets ----------------------------------------------------------------------------

    def export_jsonl(self, path: Path, ids: Sequence[int] | None = None) -> int:
        """Writes samples as an ink dataset (one JSON ink per line, with its label), atomically.

        Each line also carries the sample's model, candidates and date, which ``import_jsonl``
        reads back; other readers of ink datasets ignore them. Samples whose strokes cannot be
        read, and picture samples (no strokes), are left out.

        Args:
            path: The JSONL file to write (replaced whole, or left as it was on failure).
            ids: The samples to write; all when None.

        Returns:
            How many samples were written.

        Raises:
            OSError: if the file cannot be written.
        """
        samples = [s for s in (self.get(ids) if ids is not None else self.list()) if not s.problem and s.kind == "ink"]
        lines = [json.dumps({**s.ink.with_label(s.label).to_json(), "model": s.model,
                             "candidates": [list(c) for c in s.candidates], "created": s.created},
                            ensure_ascii=False) for s in samples]
        atomic_write_text(Path(path), "".join(line + "\n" for line in lines))
        return len(samples)

    def import_jsonl(self, path: Path) -> int:
        """Adds the labelled inks of an ink dataset, all in one transaction.

        Inks already in the database (same label and strokes, e.g. a file imported twice) are
        skipped. Model, candidates and date written by ``export_jsonl`` are kept.

        Args:
            path: A JSONL ink dataset whose inks all have a label.

        Returns:
            How many samples were added.

        Raises:
            InputError: if the file cannot be read, a line is not an ink, or an ink has no
                label or no points (nothing is added then).
            SamplesError: if the database cannot be written.
        """
        inks = list(iter_ink_dataset(path))
        unlabelled = [n for n, ink in enumerate(inks, 1) if not (ink.label or "").strip()]
        if unlabelled:
            raise InputError(f"{path}: {len(unlabelled)} of {len(inks)} inks have no label (the first is ink "
                             f"{unlabelled[0]}); nothing was imported.")
        seen = {(_text(r[0]), _canonical_ink(r[1])) for r in self._query(
            "SELECT label, ink FROM samples WHERE kind='ink'")}
        rows, now = [], time.time()
        for number, ink in enumerate(inks, 1):
            row = _imported_row(ink, number, path, now)
            if (row[0], row[1]) not in seen:
                seen.add((row[0], row[1]))
                rows.append(row)
        with self._transaction():
            self._db.executemany(
                "INSERT INTO samples(label, ink, model, candidates, corrected, created) VALUES (?,?,?,?,?,?)", rows)
        return len(rows)

    @classmethod
    def quarantine(cls, path: Path | str | None = None) -> Path:
        """Moves a database that cannot be opened aside, kept whole, so that a new one can start.

        Args:
            path: The database; default ``default_path()``.

        Returns:
            Where it now is: ``samples.corrupt-<date-time>.sqlite3`` beside it.

        Raises:
            SamplesError: if it cannot be moved.
        """
        path = Path(path) if path is not None else default_path()
        return quarantine_file(path)
