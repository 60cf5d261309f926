"""The samples database file: where it is, its schema and migrations, opening it read-only,
and what SQLite's errors mean to the user (part of ``core.samples``).
"""

from __future__ import annotations

import sqlite3
import stat
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from core.errors import SamplesError
from core.paths import user_data_dir

#: The database file name inside the user's data folder.
DB_NAME = "samples.sqlite3"
#: File suffixes of a samples database (as a dataset or a fine-tune's samples).
DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")
_COLUMNS = "id, label, ink, model, candidates, corrected, created, kind, image, source"
_COLUMNS_V1 = "id, label, ink, model, candidates, corrected, created"


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


def default_path() -> Path:
    """The samples database of this user: ``user_data_dir() / "samples.sqlite3"``."""
    return user_data_dir() / DB_NAME


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


def quarantine_file(path: Path) -> Path:
    """Moves a database file aside, kept whole with its journal (``SampleStore.quarantine``).

    Args:
        path: The database file.

    Returns:
        Where it now is: ``<name>.corrupt-<date-time><suffix>`` beside it.

    Raises:
        SamplesError: if it cannot be moved.
    """
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
