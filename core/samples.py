"""The user's handwriting samples, kept in an SQLite database in the user's data folder.

Durability: every change is one transaction in a WAL journal with ``synchronous=FULL``, so
the WAL is synced at each commit. A crash or a power cut loses at most the sample being
written, never one already kept, and never corrupts the others. (``NORMAL`` would also keep
the database consistent in WAL mode but may lose the last few commits on a power cut; a
sample is a user's correction, and one fsync per sample costs well under a millisecond on
an SSD, so we pay for it.)

Bad files: a database that cannot be opened (damaged, not a database, written by a newer
mojiyomi, locked by another program) raises ``SamplesError`` saying what to do. The file is
never overwritten; ``SampleStore.quarantine`` moves it aside so that a new one can start.
A row whose strokes cannot be read (written by another program, or damaged) is listed
without strokes and with its ``problem``, and logged; malformed candidates are dropped.

Kinds: a sample is ``ink`` (strokes written on the canvas) or ``picture`` (a character of an
opened picture, corrected by the user). A picture sample keeps the model input the picture
path made of it (white ink on black, the recognizer's input size, as PNG) and where it came
from (``source``: the picture's name and the character's box); a fine-tune trains on that
image as it is (``labelled_samples``, ``LabelledImage``).
"""

from __future__ import annotations

import builtins
import json
import logging
import math
import sqlite3
import stat
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np

from core.atomic import atomic_write_text
from core.errors import InputError, SamplesError
from core.images import decode_image
from core.ink import MAX_INK_BYTES, Ink, iter_ink_dataset
from core.paths import user_data_dir
from core.preprocess import Preprocessing, normalize_image
from core.safeio import parse_json

log = logging.getLogger(__name__)

#: The database file name inside the user's data folder.
DB_NAME = "samples.sqlite3"
#: File suffixes of a samples database (as a dataset or a fine-tune's samples).
DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")
_COLUMNS = "id, label, ink, model, candidates, corrected, created, kind, image, source"
_COLUMNS_V1 = "id, label, ink, model, candidates, corrected, created"
#: Kinds of samples: strokes from the canvas, or a character of a picture (its model input).
SampleKind = Literal["ink", "picture"]
#: The largest picture sample kept or read (bytes of PNG; a 64x64 model input is about 3 kB).
MAX_PICTURE_BYTES = 256 * 1024
#: The largest side of a picture sample (model inputs are 28-64 pixels).
MAX_PICTURE_SIDE = 256
#: Below SQLite's limit on query parameters (999 before 3.32), for selections of any size.
_IDS_PER_QUERY = 900


def _create_v1(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE samples (id INTEGER PRIMARY KEY, label TEXT NOT NULL, ink TEXT NOT NULL, "
               "model TEXT NOT NULL DEFAULT '', candidates TEXT NOT NULL DEFAULT '[]', "
               "corrected INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL)")


def _autoincrement_ids_v2(db: sqlite3.Connection) -> None:
    # Without AUTOINCREMENT SQLite reuses the id of a deleted newest row, and undoing that
    # deletion would then overwrite the sample written meanwhile.
    db.execute("ALTER TABLE samples RENAME TO samples_v1")
    db.execute("CREATE TABLE samples (id INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT NOT NULL, "
               "ink TEXT NOT NULL, model TEXT NOT NULL DEFAULT '', candidates TEXT NOT NULL DEFAULT '[]', "
               "corrected INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL)")
    db.execute(f"INSERT INTO samples({_COLUMNS_V1}) SELECT {_COLUMNS_V1} FROM samples_v1")
    db.execute("DROP TABLE samples_v1")
    db.execute("CREATE INDEX samples_label ON samples(label)")
    db.execute("CREATE INDEX samples_created ON samples(created)")


def _picture_samples_v3(db: sqlite3.Connection) -> None:
    # Existing rows are ink samples; a picture sample's ink is "" and its model input a PNG.
    db.execute("ALTER TABLE samples ADD COLUMN kind TEXT NOT NULL DEFAULT 'ink'")
    db.execute("ALTER TABLE samples ADD COLUMN image BLOB")
    db.execute("ALTER TABLE samples ADD COLUMN source TEXT NOT NULL DEFAULT ''")


#: The migration hook: ``MIGRATIONS[v]`` upgrades a database from schema ``v`` to ``v + 1``.
#: Each runs inside the opening transaction, so a failed upgrade leaves the file as it was.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_create_v1, _autoincrement_ids_v2,
                                                                 _picture_samples_v3)
SCHEMA_VERSION = len(MIGRATIONS)


class SamplesDamagedError(SamplesError):
    """The database file is damaged or not a database; ``SampleStore.quarantine`` can move it aside."""


@dataclass(frozen=True)
class Sample:
    """One kept sample.

    Attributes:
        id: Its row id (never reused, so an undone deletion gets it back).
        ink: The strokes (without a label; the label is ``label``).
        label: What the user said it is.
        model: The name of the model that recognized it then ("" if none, "import" if imported).
        candidates: That model's (label, score) candidates then, best first.
        created: When it was kept (Unix time).
        problem: Why its strokes (or picture) could not be read ("" when they could); ``ink``
            (or ``image``) is then empty.
        kind: ``ink``, or ``picture`` for a character of a picture (``ink`` is then empty).
        image: A picture sample's model input (uint8, white ink on black), else None.
        source: Where a picture sample came from (the picture's name and the box), else "".
    """

    id: int
    ink: Ink
    label: str
    model: str
    candidates: tuple[tuple[str, float], ...]
    created: float
    problem: str = ""
    kind: SampleKind = "ink"
    image: np.ndarray | None = field(default=None, compare=False, repr=False)
    source: str = ""

    @property
    def corrected(self) -> bool:
        """True when the model's first candidate was not the label (the user corrected it)."""
        return bool(self.candidates) and self.candidates[0][0] != self.label


@dataclass(frozen=True)
class SampleInfo:
    """A sample without its strokes: what a list of thousands needs (see ``SampleStore.infos``).

    Attributes:
        id, label, model, candidates, created, kind, source: As in ``Sample``.
    """

    id: int
    label: str
    model: str
    candidates: tuple[tuple[str, float], ...]
    created: float
    kind: SampleKind = "ink"
    source: str = ""


@dataclass(frozen=True)
class LabelledImage:
    """A picture sample as training data: its model input and its label.

    Attributes:
        image: The model input the picture path made (uint8, white ink on black).
        label: What the user said it is.
    """

    image: np.ndarray = field(compare=False, repr=False)
    label: str

    @property
    def is_empty(self) -> bool:
        """True when the image holds no ink."""
        return not bool(self.image.any())

    def model_input(self, spec: Preprocessing) -> np.ndarray:
        """The (size, size, 1) float32 input of a model with ``spec``: the image as it is when it
        has that size already (what the recognizer saw), else fitted again.

        Raises:
            InputError: if it holds no ink.
        """
        if self.image.shape == (spec.size, spec.size):
            return self.image.astype(np.float32)[..., None]
        return normalize_image(self.image, spec)


#: A labelled sample for a fine-tune: strokes, or a picture's model input.
TrainingSample = Ink | LabelledImage


def labelled_inks(path: Path | str) -> list[Ink]:
    """The ink samples of a database as inks carrying their labels, oldest first (picture
    samples are left out: see ``labelled_samples``).

    A sample whose strokes cannot be read is an empty ink, which a dataset counts as
    unreadable and a fine-tune leaves out.

    Raises:
        SamplesError: as ``SampleStore``.
    """
    with SampleStore(path, read_only=True) as store:
        return [sample.ink.with_label(sample.label) for sample in store.list() if sample.kind == "ink"]


def labelled_samples(path: Path | str) -> list[TrainingSample]:
    """Every sample of a database with its label, oldest first: inks, and picture samples as
    ``LabelledImage`` (one whose picture cannot be read is an empty image, left out by a fine-tune).

    Raises:
        SamplesError: as ``SampleStore``.
    """
    with SampleStore(path, read_only=True) as store:
        return [_training_sample(sample) for sample in store.list()]


def _training_sample(sample: Sample) -> TrainingSample:
    if sample.kind == "picture":
        image = sample.image if sample.image is not None else np.zeros((1, 1), np.uint8)
        return LabelledImage(image, sample.label)
    return sample.ink.with_label(sample.label)


def default_path() -> Path:
    """The samples database of this user: ``user_data_dir() / "samples.sqlite3"``."""
    return user_data_dir() / DB_NAME


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
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = path.with_name(f"{path.stem}.corrupt-{stamp}{path.suffix}")
        for n in range(2, 1000):  # never rename over an earlier quarantined file
            if not any(target.with_name(target.name + s).exists() for s in ("", "-wal", "-shm")):
                break
            target = path.with_name(f"{path.stem}.corrupt-{stamp}-{n}{path.suffix}")
        try:
            path.rename(target)
            for suffix in ("-wal", "-shm"):  # the journal belongs with its database
                side = path.with_name(path.name + suffix)
                if side.exists():
                    side.rename(target.with_name(target.name + suffix))
        except OSError as exc:
            raise SamplesError(f"Cannot move the samples database {path} aside: {exc}") from exc
        return target


def _connect_read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """A read-only connection to an existing regular file (SQLite's ``mode=ro``: never creates it)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise SamplesError(f"The samples database {path} does not exist.") from exc
    if not stat.S_ISREG(mode):
        raise SamplesError(f"The samples database {path} is not a regular file.")
    # Without a write-ahead log beside it nothing is pending: read the file as it is
    # (immutable), so SQLite creates no -wal and -shm files beside the user's database.
    # With one (the app has it open), read through the log, which is already there.
    wal = path.with_name(path.name + "-wal")
    quiet = "" if wal.exists() else "&immutable=1"
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro{quiet}"
    return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)


def _check_label(label: str) -> str:
    if not isinstance(label, str) or not label.strip():
        raise InputError(f"A sample needs a label. Received: label={label!r}")
    return label.strip()


def _candidates(candidates: Sequence[Sequence[Any]]) -> tuple[tuple[str, float], ...]:
    try:
        return tuple((str(c[0]), float(c[1])) for c in candidates)
    except (TypeError, ValueError, IndexError) as exc:
        raise InputError(f"Candidates must be (label, score) pairs. Received: {list(candidates)[:3]!r}") from exc


def _row(ink: Ink, label: str, model: str, candidates: Sequence[tuple[str, float]],
         created: float) -> tuple[str, str, str, str, int, float]:
    ink_json = json.dumps(Ink(ink.strokes, ink.width, ink.height).to_json(), ensure_ascii=False)
    corrected = int(bool(candidates) and candidates[0][0] != label)
    return label, ink_json, str(model), json.dumps([list(c) for c in candidates]), corrected, float(created)


def _canonical_ink(value: Any) -> str:
    """A stored ink's JSON as ``_row`` writes it now: rows written before wrote 158.0 where it reads
    back as 158, so an export of them imported again was not seen as already there."""
    try:
        ink = Ink.from_json(parse_json(_text(value), "ink", max_chars=MAX_INK_BYTES))
    except InputError:
        return _text(value)
    return _row(ink, "", "", (), 0.0)[1]


def _picture_row(png: bytes, label: str, model: str, candidates: Sequence[tuple[str, float]], created: float,
                 source: str) -> tuple[str, str, str, str, int, float, str, bytes, str]:
    label, _ink, model, cands, corrected, created = _row(Ink(), label, model, candidates, created)
    return label, "", model, cands, corrected, created, "picture", png, source


def _full_row(sample: Sample) -> tuple[str, str, str, str, int, float, str, bytes | None, str]:
    """A deleted sample's row as it was (``restore``); a picture whose image was unreadable stays without one."""
    if sample.kind == "picture":
        png = _encode_picture(sample.image) if sample.image is not None and sample.image.any() else None
        label, ink, model, cands, corrected, created, kind, _png, source = _picture_row(
            b"", sample.label, sample.model, sample.candidates, sample.created, sample.source)
        return label, ink, model, cands, corrected, created, kind, png, source
    return (*_row(sample.ink, sample.label, sample.model, sample.candidates, sample.created), "ink", None, "")


def _encode_picture(image: np.ndarray | None) -> bytes:
    """A picture sample's model input as PNG.

    Raises:
        InputError: if it is not a 2-D uint8 image of at most ``MAX_PICTURE_SIDE`` pixels, or holds no ink.
    """
    if image is None or image.ndim != 2 or image.dtype != np.uint8 or not 0 < max(image.shape) <= MAX_PICTURE_SIDE:
        shape = None if image is None else (image.shape, str(image.dtype))
        raise InputError(f"A picture sample is a model input: 2-D uint8, at most {MAX_PICTURE_SIDE} pixels a "
                         f"side. Received: {shape}")
    if not image.any():
        raise InputError("A picture sample needs ink. Received: a blank image")
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise InputError(f"The picture sample could not be encoded. Received: shape={image.shape}")
    return data.tobytes()


def _decode_picture(value: Any, sample_id: int, problems: list[str]) -> tuple[np.ndarray | None, str]:
    """A picture sample's model input, or (None, why) when it cannot be read (damaged, or too large)."""
    try:
        if not isinstance(value, bytes) or not 0 < len(value) <= MAX_PICTURE_BYTES:
            raise InputError(f"not a picture of at most {MAX_PICTURE_BYTES} bytes: {type(value).__name__}")
        image = decode_image(value, "the sample's picture")
        if max(image.shape) > MAX_PICTURE_SIDE:
            raise InputError(f"larger than {MAX_PICTURE_SIDE} pixels: {image.shape}")
    except InputError as exc:
        problem = f"its picture cannot be read: {exc}"
        problems.append(f"sample {sample_id}: {problem}")
        return None, problem
    return image, ""


def _imported_row(ink: Ink, number: int, path: Path, now: float) -> tuple[str, str, str, str, int, float]:
    try:
        ink.validate()
    except InputError as exc:
        raise InputError(f"{path}, ink {number}: {exc} Nothing was imported.") from exc
    extra = ink.extra
    candidates = _candidates(extra.get("candidates") or ())
    created = extra.get("created")
    created = float(created) if isinstance(created, (int, float)) and 0 < created < math.inf else now
    return _row(ink, _check_label(str(ink.label)), str(extra.get("model") or "import"), candidates, created)


def _where(label: str | None, since: float | None, until: float | None) -> tuple[str, list[Any]]:
    where, args = ["1=1"], []
    for clause, value in (("label=?", label), ("created>=?", since), ("created<?", until)):
        if value is not None:
            where.append(clause)
            args.append(value)
    return f"WHERE {' AND '.join(where)}", args


def _read_candidates(value: Any, sample_id: int, problems: list[str]) -> tuple[tuple[str, float], ...]:
    """A row's candidates; malformed ones (not a list of [label, score] pairs) are dropped and noted."""
    try:
        raw = parse_json(_text(value), "candidates")
        if not isinstance(raw, list):
            raise InputError(f"not a list: {type(raw).__name__}")
        pairs = []
        for pair in raw:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)
                    and type(pair[1]) in (int, float) and math.isfinite(pair[1])):
                raise InputError(f"not a [label, score] pair: {str(pair)[:40]}")
            pairs.append((pair[0], float(pair[1])))
    except InputError as exc:
        problems.append(f"sample {sample_id}: candidates {exc}")
        return ()
    return tuple(pairs)


def _created(value: Any, sample_id: int, problems: list[str]) -> float:
    if type(value) in (int, float) and math.isfinite(value):
        return float(value)
    problems.append(f"sample {sample_id}: date {str(value)[:40]!r}")
    return 0.0


def _lenient_text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _text(value: Any) -> str:
    """A TEXT column's value as text (SQLite keeps blobs written by another program as they are)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _sample(row: tuple, problems: list[str]) -> Sample:
    sample_id, label, ink_text, model, candidates, _corrected, created, kind, picture, source = row
    sample_id = int(sample_id)
    problem, image, ink = "", None, Ink()
    if _kind(kind) == "picture":
        image, problem = _decode_picture(picture, sample_id, problems)
    else:
        try:
            ink = Ink.from_json(parse_json(_text(ink_text), "ink", max_chars=MAX_INK_BYTES))
        except InputError as exc:
            problem = f"its strokes cannot be read: {exc}"
            problems.append(f"sample {sample_id}: {problem}")
    return Sample(sample_id, ink, _text(label), _text(model), _read_candidates(candidates, sample_id, problems),
                  _created(created, sample_id, problems), problem, _kind(kind), image, _text(source))


def _kind(value: Any) -> SampleKind:
    """A row's kind; anything but ``picture`` (another program's value) is read as ink."""
    return "picture" if _text(value) == "picture" else "ink"


def _explain(exc: sqlite3.Error, path: Path) -> SamplesError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return SamplesError(f"The samples database {path} is in use by another program (another mojiyomi?). "
                            f"Close it and try again; recognizing still works meanwhile. ({text})")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return SamplesDamagedError(f"The samples database {path} is damaged ({text}). It was left untouched; "
                                   f"move it aside to start a new one. Recognizing still works.")
    if "readonly" in text or "disk" in text or "full" in text:
        return SamplesError(f"Cannot write to the samples database {path}: {text}. Is the disk full or "
                            f"read-only?")
    return SamplesError(f"The samples database {path} failed: {text}")
