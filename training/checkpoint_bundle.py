"""A bundle from a run that is still training (or was stopped): its latest backup, to measure it.

``mojiyomi train`` backs a stage up in its run folder (``BackupAndRestore``: every epoch, and
every ``BACKUP_STEPS`` batches of a long epoch). This reads that backup without touching
the run (the files are copied first, checked to be one consistent save) and writes a
bundle with ``training.train``'s own writer: Keras and TFLite files, labels, metrics on
``--val`` measured on the TFLite file, and metadata whose ``training.checkpoint`` says it
is an unfinished checkpoint, of which epoch and batch, and how many optimizer steps::

    python -m training.checkpoint_bundle --run runs/.coverage.run --out runs/eval-ckpt \\
        --val data/coverage40-test/synth.npz --every 10
    python bench/bench_coverage.py --model runs/eval-ckpt --parts tomoe,synth

The backup holds the whole trainer (the augmentation layers, the model, the optimizer's
state), so the trainer is built as the stage built it (``training.recipe.build_trainer``);
the batch-norm statistics are the running averages of the moment (a finished run
recalibrates them once more, so its scores can be a little higher).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import BundleError, MojiyomiError
from training.config import TrainConfig
from training.resume import BACKUP_DIRS, METADATA, BackupRecord, read_backup
from training.stages import read_stages

#: The weights file ``BackupAndRestore`` writes in its folder.
WEIGHTS = "latest.weights.h5"


@dataclass(frozen=True)
class Snapshot:
    """A consistent copy of a run's backup.

    Attributes:
        weights: The copied weights file (the trainer's, optimizer included).
        epoch: Epochs Keras counted as finished when it saved (``training_metadata.json``).
        batch: Index of the last batch of the epoch in progress Keras counted (0 after an epoch's end).
        saved: When the backup was written (Unix time of the weights file).
        source: The backup folder it was copied from.
    """

    weights: Path
    epoch: int
    batch: int
    saved: float
    source: Path


def find_backup(run_dir: Path) -> Path:
    """The backup folder of a one-stage run.

    Raises:
        BundleError: if ``run_dir`` is not a run folder or holds no backup this can read.
    """
    if not (run_dir / "config.json").is_file():
        raise BundleError(f"{run_dir} is not a training run folder (it has no config.json). "
                          f"Received: --run {run_dir}")
    for name in BACKUP_DIRS:
        if (run_dir / name / WEIGHTS).is_file():
            return run_dir / name
    found = sorted(p.name for p in run_dir.glob("backup*"))
    raise BundleError(f"{run_dir} holds no backup of a one-stage run to bundle (a run backs up after its first "
                      f"epoch, or 500 batches of a long one; two-stage runs are not read here). Received backups: {found}")


def snapshot(backup: Path, into: Path, tries: int = 5, wait: float = 3.0) -> Snapshot:
    """Copies the backup's weights and metadata into ``into``, as one save.

    The run may be writing a new backup meanwhile: a copy is kept only if the weights file
    did not change while it was copied and reads as HDF5; otherwise it is tried again.

    Raises:
        BundleError: if no consistent copy could be made in ``tries``.
    """
    import h5py

    weights, meta = backup / WEIGHTS, backup / METADATA
    target = into / WEIGHTS
    for attempt in range(tries):
        before = weights.stat()
        shutil.copyfile(weights, target)
        record = read_backup(backup) if meta.is_file() else BackupRecord(0, 0)
        after = weights.stat()
        if (before.st_mtime_ns, before.st_size) == (after.st_mtime_ns, after.st_size) and h5py.is_hdf5(target) \
                and record is not None:
            return Snapshot(target, record.epoch, record.batch, after.st_mtime, backup)
        if attempt + 1 < tries:
            time.sleep(wait)
    raise BundleError(f"Could not copy a consistent backup from {backup} in {tries} tries (it kept changing, or "
                      f"its metadata is not {{'epoch': int, 'batch': int}}). Received: {backup}")


def run_labels(config: TrainConfig) -> tuple[tuple[str, ...], int]:
    """The run's output labels in its order, and its number of samples, read from its data's labels.

    As ``training.train`` orders them: sorted, or an ``init_from`` model's labels first.
    """
    from training.datasets.readers import iter_labels, resolve

    read = list(iter_labels(resolve(config.data, config.data_format)))[:config.limit]
    labels = tuple(sorted(set(read)))
    if config.init_from:
        from core.bundle import load_bundle

        from training.train import init_labels

        known = init_labels(load_bundle(config.init_from).labels, labels, config.only_data_classes)
        labels = tuple(known) + tuple(sorted(set(labels) - set(known)))
    return labels, len(read)


def load_trained(config: TrainConfig, labels: tuple[str, ...], samples: int,
                 weights: Path) -> tuple[Any, int, int, int]:
    """The model with the backup's weights, the optimizer steps taken, the steps of an epoch and
    the run's training samples.

    The trainer is built exactly as ``training.recipe.fit_stage`` built it (same seed, same
    layer names), its optimizer built, and the backup loaded into it.
    """
    import keras

    from training.data import three_way_split
    from training.recipe import build_trainer, short_run_batch_size
    from training.train import build_for

    train_samples = len(three_way_split(samples, config.validation_size, config.seed)[0])
    batch = short_run_batch_size(config.batch_size, train_samples, config.epochs)
    config = config.replace(batch_size=batch)
    keras.utils.set_random_seed(config.seed)
    model = build_for(config, labels)
    trainer = build_trainer(config, model, train_samples, config.epochs, config.learning_rate)
    trainer.optimizer.build(trainer.trainable_variables)
    trainer.load_weights(str(weights))
    return model, int(trainer.optimizer.iterations.numpy()), -(-train_samples // batch), train_samples


def checkpoint_bundle(run_dir: Path, out: Path, val: Path, every: int = 1, command: str | None = None) -> dict[str, Any]:
    """Writes the bundle of a run's latest backup to ``out``; returns what it wrote and measured.

    Args:
        run_dir: The run folder (``runs/.NAME.run``); only read.
        out: The bundle folder to write (replaced only once the new bundle is complete).
        val: An NPZ of model inputs measured as the bundle's validation (e.g. the held-out synthetic test).
        every: Use every N-th sample of ``val``.
        command: Recorded as the command that made the bundle.

    Raises:
        BundleError: if the run has no readable backup, or ``out`` is not a bundle folder.
        DatasetError: if ``val`` cannot be read or holds no label of the run.
    """
    from core.bundle import check_output
    from core.errors import DatasetError
    from training.data import ArraySplit, PreparedData
    from training.datasets.npz import load_npz
    from training.train import spec_for, write_trained_bundle

    check_output(out)
    config = TrainConfig.load(run_dir / "config.json")
    backup = find_backup(run_dir)
    labels, samples = run_labels(config)
    arrays = load_npz(val)
    x = arrays.x[..., 0] if arrays.x.ndim == 4 else arrays.x
    names = np.asarray([arrays.label(i) for i in range(len(arrays.y))])[::every]
    known = np.isin(names, np.asarray(labels))
    if not known.any():
        raise DatasetError(f"None of the labels of {val} is a class of the run in {run_dir}. "
                           f"Received labels such as {sorted(set(names.tolist()))[:5]}")
    index = {label: i for i, label in enumerate(labels)}
    y = np.asarray([index[n] for n in names[known]], np.int64)
    split = ArraySplit(x[::every][known][..., None], y)
    with tempfile.TemporaryDirectory(prefix="mojiyomi-ckpt-") as tmp:
        copy = snapshot(backup, Path(tmp))
        model, steps, per_epoch, train_samples = load_trained(config, labels, samples, copy.weights)
    stages = read_stages(run_dir)
    checkpoint = {"unfinished": True, "run": str(run_dir), "backup": str(copy.source),
                  "saved": datetime.fromtimestamp(copy.saved, timezone.utc).isoformat(timespec="seconds"),
                  "keras_epoch": copy.epoch, "keras_batch": copy.batch, "optimizer_steps": steps,
                  "steps_per_epoch": per_epoch, "epochs_done": round(steps / per_epoch, 3),
                  "epochs_planned": config.epochs, "val": f"{val} (every {every})"}
    origin = {"checkpoint": checkpoint, "train_samples": train_samples,
              "stages": stages.to_json() if stages else None}
    bundle_config = config.replace(out=str(out), title=f"{config.title or config.bundle_name} "
                                   f"(unfinished: {checkpoint['epochs_done']} of {config.epochs} epochs)")
    data = PreparedData(labels, ArraySplit(split.x[:0], split.y[:0]), split, None)
    result = write_trained_bundle(bundle_config, model, data, spec_for(config),
                                  stages.total_seconds if stages else 0.0,
                                  command or shlex.join(["python", "-m", "training.checkpoint_bundle", *sys.argv[1:]]),
                                  origin=origin)
    return {"bundle": str(result.bundle), "checkpoint": checkpoint, "val_top1": result.val_top1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.checkpoint_bundle", description=__doc__.split("\n")[0])
    parser.add_argument("--run", required=True, help="the run folder (runs/.NAME.run); only read")
    parser.add_argument("--out", required=True, help="the bundle folder to write")
    parser.add_argument("--val", required=True, help="an NPZ of model inputs to measure the bundle on")
    parser.add_argument("--every", type=int, default=1, help="use every N-th sample of --val")
    args = parser.parse_args(argv)
    if args.every < 1:
        parser.error(f"--every must be at least 1. Received: {args.every}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        done = checkpoint_bundle(Path(args.run), Path(args.out), Path(args.val), args.every)
    except MojiyomiError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(done, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
