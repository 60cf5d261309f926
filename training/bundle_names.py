"""Names of new bundle folders: never an existing model, a run being trained, or a job's target."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from core.safeio import safe_name


def _taken(path: Path, reserved: Collection[Path]) -> bool:
    """A name is taken by a bundle, by a run's checkpoints, or by a job that will write it.

    The folder of a killed run with nothing to resume does not take the name: the next job
    of that name reuses it.
    """
    from training.train import abandoned_run, run_dir_for

    run = run_dir_for(path)
    return path.exists() or (run.exists() and not abandoned_run(run)) or path in reserved


def unique_bundle_dir(root: Path, name: str, reserved: Collection[Path] = ()) -> Path:
    """``root/name``, or ``root/name-2``, ``-3``... if taken (never overwrite a model).

    Args:
        root: The models folder.
        name: The wished-for folder name (made safe: one path component, not hidden).
        reserved: Folders running jobs will write (not there yet, but taken).

    Returns:
        A folder that does not exist, has no interrupted run, and no job will write.
    """
    name = safe_name(name)
    candidate, n = root / name, 2
    while _taken(candidate, reserved):
        candidate, n = root / f"{name}-{n}", n + 1
    return candidate


def personal_bundle_out(base_name: str, root: Path, reserved: Collection[Path] = ()) -> Path:
    """The next ``<base>-personal-<n>`` folder for a fine-tune of ``base_name``.

    Every personal model is a new version; earlier ones stay so the user can return to them.
    ``base_name`` comes from a bundle's metadata: it is made safe (one folder name) first.
    """
    base_name = safe_name(base_name)
    n = 1
    while _taken(root / f"{base_name}-personal-{n}", reserved):
        n += 1
    return root / f"{base_name}-personal-{n}"
