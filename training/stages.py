"""A run's stages: every start and every resume of one training, kept in its run folder.

A long run (the coverage model: many hours on the CPU) is started once and resumed after
each interruption. Each of those processes is a *stage*: ``stages.json`` in the run folder
lists them all (command, start, seconds, hardware, epochs and batches done when it last
reported), every resume appends one, and the bundle's metadata records the list and the
total time. A run folder made before stages were recorded gets an ``earlier`` note in place
of its first stages.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.atomic import atomic_write_text
from core.safeio import load_json
from training.events import BatchEvent, EpochEvent, Event, Reporter
from training.resume import BACKUP_DIRS, read_backup

STAGES_FILE = "stages.json"
#: Seconds between two updates of the running stage's record (and at every epoch's end).
UPDATE_EVERY = 60.0


@dataclass(frozen=True)
class Stage:
    """One process that trained the run.

    Attributes:
        command: The command line it was started with.
        started: When it started (ISO 8601, UTC).
        seconds: Seconds it had run when it last reported.
        hardware: The machine (``hardware()``).
        resumed: Whether it resumed the run.
        epochs_done: Epochs of the run finished when it last reported.
        batches: Batches of the epoch in progress done by then (0 at an epoch's end).
    """

    command: str
    started: str
    seconds: float
    hardware: str
    resumed: bool
    epochs_done: int | None = None
    batches: int = 0


@dataclass(frozen=True)
class Stages:
    """Every stage of a run, oldest first, and what is known of unrecorded earlier ones."""

    stages: tuple[Stage, ...]
    earlier: str | None = None

    @property
    def total_seconds(self) -> float:
        """Seconds of the recorded stages (earlier unrecorded ones are not in it)."""
        return round(sum(s.seconds for s in self.stages), 1)

    def to_json(self) -> dict[str, Any]:
        """The dict form written in ``stages.json`` and in a bundle's metadata."""
        out: dict[str, Any] = {"stages": [asdict(s) for s in self.stages], "total_seconds": self.total_seconds}
        if self.earlier:
            out["earlier"] = self.earlier
        return out

    @classmethod
    def from_json(cls, obj: Any) -> Stages:
        """Reads the dict form; ValueError if it is not one."""
        if not isinstance(obj, dict) or not isinstance(obj.get("stages"), list):
            raise ValueError(f"not a stage list. Received: {str(obj)[:80]}")
        stages = tuple(Stage(**item) for item in obj["stages"])
        earlier = obj.get("earlier")
        return cls(stages, earlier if isinstance(earlier, str) else None)


def hardware() -> str:
    """This machine, as a bundle records it (``x86_64 CPU x2``)."""
    return f"{platform.machine()} CPU x{os.cpu_count() or 1}"


def read_stages(run_dir: Path) -> Stages | None:
    """The run's stages, or None if its folder has no readable ``stages.json``."""
    try:
        return Stages.from_json(load_json(run_dir / STAGES_FILE, what="stage list"))
    except (OSError, ValueError, TypeError):
        return None


class StageLog:
    """A run's stage list, kept in memory while the run trains.

    Each update changes the running (last) stage and rewrites ``stages.json`` atomically;
    the file is never read back during the run, so an update costs one write and a list
    damaged meanwhile is written whole again.
    """

    def __init__(self, run_dir: Path, stages: Stages) -> None:
        self.run_dir = run_dir
        self.stages = stages

    def update(self, seconds: float, epochs_done: int | None = None, batches: int | None = None) -> Stages:
        """Records the running stage's seconds and progress (None: kept) and returns the list."""
        if not self.stages.stages:
            return self.stages
        last = self.stages.stages[-1]
        last = replace(last, seconds=round(seconds, 1),
                       epochs_done=last.epochs_done if epochs_done is None else epochs_done,
                       batches=last.batches if batches is None else batches)
        self.stages = replace(self.stages, stages=self.stages.stages[:-1] + (last,))
        _write(self.run_dir, self.stages)
        return self.stages


def begin_stage(run_dir: Path, command: str, resumed: bool) -> StageLog:
    """Appends this process's stage to the run's list (a fresh run's list starts with it).

    A resumed run folder without a list was made by a version that kept none: its earlier
    stages are noted as not recorded, with when its config was written and where its
    backup stood.

    Returns:
        The list, kept in memory for this process's updates.
    """
    known = read_stages(run_dir) if resumed else None
    if known is None:
        known = Stages((), _unrecorded(run_dir) if resumed else None)
    epochs, batches = _backup_position(run_dir) if resumed else (0, 0)
    stage = Stage(command, datetime.now(timezone.utc).isoformat(timespec="seconds"), 0.0, hardware(), resumed,
                  epochs, batches)
    stages = replace(known, stages=known.stages + (stage,))
    _write(run_dir, stages)
    return StageLog(run_dir, stages)


def stage_reporter(log: StageLog, report: Reporter, start: float, stage: int = 1) -> Reporter:
    """``report``, also recording the stage's time and progress at every epoch's end and once a minute.

    Only events of training stage ``stage`` count (the epochs of an ImageNet network's
    second stage count again from 1; its progress is recorded as the first's epochs plus its own).
    """
    state = {"written": time.monotonic(), "epochs": _backup_position(log.run_dir)[0]}

    def recording(event: Event) -> None:
        if isinstance(event, EpochEvent):
            state["epochs"] = event.epoch if (event.stage or 1) == stage else state["epochs"]
            log.update(time.time() - start, int(state["epochs"]), 0)
            state["written"] = time.monotonic()
        elif isinstance(event, BatchEvent) and time.monotonic() - state["written"] >= UPDATE_EVERY:
            log.update(time.time() - start, int(state["epochs"]), event.batch)
            state["written"] = time.monotonic()
        report(event)  # after recording: a report that raises (a killed run) leaves the record written

    return recording


def _backup_position(run_dir: Path) -> tuple[int, int]:
    """Epochs the run's backup says are finished, and batches of the next one done ((0, 0) when there is none).

    The stage list does not know whether the stage backed up every few batches: a Keras
    backup's (runs started before ``training.resume``) batch 0 is read as an epoch's end.
    """
    for name in BACKUP_DIRS:
        record = read_backup(run_dir / name)
        if record is not None:
            return record.epoch, record.done(batch_backups=record.batch > 0)
    return 0, 0


def _unrecorded(run_dir: Path) -> str:
    config = run_dir / "config.json"
    made = datetime.fromtimestamp(config.stat().st_mtime, timezone.utc).isoformat(timespec="seconds") \
        if config.is_file() else "an unknown time"
    return (f"earlier stages not recorded: the run folder was started at {made} by a version that kept no "
            f"stage list (its config is the bundle's training.config; their command, seconds and hardware "
            f"are unknown)")


def _write(run_dir: Path, stages: Stages) -> None:
    atomic_write_text(run_dir / STAGES_FILE, json.dumps(stages.to_json(), indent=1, ensure_ascii=False) + "\n")
