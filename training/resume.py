"""Resuming a stage inside an epoch: which batches are left, in which order, and backups that say so.

Keras' ``BackupAndRestore`` backs a long epoch up every ``BACKUP_STEPS`` batches, but it
restores only the weights (the optimizer's included) and the epoch: the resumed epoch starts
again at its first batch (Keras 3.15), so a kill repeated on average half an epoch (the
coverage model's is 7,465 batches, near an hour on the CPU) and the run took more optimizer
steps than its learning-rate schedule planned.

So the default strategy feeds its batches itself: epoch ``e`` visits the samples in
``seeded_order(n, seed, e)``, a function of the seed and the epoch alone, and a stage
resumed after ``b`` batches of epoch ``k`` fits that epoch's remaining batches first (one
``fit`` from ``initial_epoch=k`` to ``k + 1``), then the following epochs. The backups record
the batch within the whole epoch and the order of the epoch in progress
(``training_metadata.json``: ``epoch``, ``batch`` as Keras writes them, plus ``batches_done``
and ``order``), so a second kill in that epoch resumes right too.

Runs started before this (their backups have no ``order``) gave in-memory arrays to Keras,
which under ``keras.utils.set_random_seed`` shuffles every epoch into the same permutation
(``keras_array_order``; TensorFlow backend): their epoch in progress is finished in it. The
order of an on-disk run of that code depended on Python's ``random`` state and cannot be
recomputed; its remaining batches take the seeded order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.atomic import atomic_write_text
from core.safeio import load_json

__all__ = ["BACKUP_DIRS", "ORDER_KERAS", "ORDER_SEEDED", "BackupRecord", "ResumePoint", "backup_callback",
           "best_checkpoint", "epoch_batches", "epoch_order", "keras_array_order", "read_backup", "read_resume_point",
           "seeded_order"]

#: Epoch ``e`` visits the samples in ``seeded_order(n, seed, e)``.
ORDER_SEEDED = "seeded"
#: Every epoch visits them in ``keras_array_order(n, batch_size, seed)`` (runs started before ``ORDER_SEEDED``).
ORDER_KERAS = "keras-arrays"
#: The backup's metadata file (Keras' name).
METADATA = "training_metadata.json"
#: The backup folders of a run's first stage (a simple CNN, or an ImageNet network trained from scratch).
BACKUP_DIRS = ("backup", "backup-1")


@dataclass(frozen=True)
class BackupRecord:
    """What a backup's ``training_metadata.json`` says.

    Attributes:
        epoch: Keras' epoch: the epochs finished (ours: the epoch in progress).
        batch: Index of the last batch done (Keras': counted from the ``fit``'s first batch; 0 at an epoch's end).
        batches_done: Batches of epoch ``epoch`` done (None: a Keras backup, which does not say).
        order: How epoch ``epoch`` orders its samples (None: a Keras backup).
    """

    epoch: int
    batch: int
    batches_done: int | None = None
    order: str | None = None

    def done(self, batch_backups: bool) -> int:
        """Batches of epoch ``epoch`` done.

        A Keras backup says it by ``batch``: it writes 0 at an epoch's end, and only there when it
        backs up per epoch; with batch backups it writes only the index of the last batch done.

        Args:
            batch_backups: Whether the stage backed up every few batches (else at epochs' ends).
        """
        if self.batches_done is not None:
            return self.batches_done
        return self.batch + 1 if batch_backups else 0


def read_backup(backup_dir: Path) -> BackupRecord | None:
    """The record of a backup folder: the one reader of ``training_metadata.json``.

    Returns:
        The record; None when the folder has none, or one that is unreadable or not
        ``{"epoch": int, "batch": int, ...}``. A record of ours (it has an ``order``) whose
        ``batches_done`` or ``order`` is not valid keeps only its epoch: none of its batches is done.
    """
    try:
        record = load_json(backup_dir / METADATA, what="backup metadata")
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("epoch"), int) \
            or not isinstance(record.get("batch"), int):
        return None
    epoch, batch = record["epoch"], record["batch"]
    if "order" not in record:
        return BackupRecord(epoch, batch)
    done, order = record.get("batches_done"), record["order"]
    if not isinstance(done, int) or order not in (ORDER_SEEDED, ORDER_KERAS):
        return BackupRecord(epoch, batch, 0, ORDER_SEEDED)
    return BackupRecord(epoch, batch, done, order)


@dataclass(frozen=True)
class ResumePoint:
    """Where a stage's backup left it.

    Attributes:
        epoch: Epochs finished.
        batches_done: Batches of epoch ``epoch`` already trained (0: it starts at its first batch).
        order: How epoch ``epoch`` orders its samples (``ORDER_SEEDED`` or ``ORDER_KERAS``).
    """

    epoch: int = 0
    batches_done: int = 0
    order: str = ORDER_SEEDED


def read_resume_point(backup_dir: Path, steps: int, batch_backups: bool, in_memory: bool) -> ResumePoint:
    """The resume point of a stage's backup folder (the start when it has no readable backup).

    Args:
        backup_dir: The stage's ``BackupAndRestore`` folder.
        steps: Batches of a whole epoch.
        batch_backups: Whether the stage backs up every ``BACKUP_STEPS`` batches (else at epochs' ends).
        in_memory: Whether the training arrays are in memory (not memory-mapped).

    Returns:
        The point; an epoch whose every batch is done resumes at the next epoch's start.
    """
    record = read_backup(backup_dir)
    if record is None:
        return ResumePoint()
    done = record.done(batch_backups)
    order = record.order or (ORDER_KERAS if in_memory else ORDER_SEEDED)
    if done >= steps:  # killed after its last batch, before the epoch's end was backed up
        return ResumePoint(record.epoch + 1)
    return ResumePoint(record.epoch, max(0, done), order if done > 0 else ORDER_SEEDED)


def seeded_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """The permutation of ``n`` samples epoch ``epoch`` of a run seeded ``seed`` trains in."""
    return np.random.default_rng([seed, epoch]).permutation(n)


def keras_array_order(n: int, batch_size: int, seed: int) -> np.ndarray:
    """The permutation Keras 3 (TensorFlow backend) fed ``n`` in-memory samples in, in every epoch.

    ``Model.fit`` on arrays shuffles with ``tf.random.shuffle`` inside its ``tf.data``
    pipeline; under ``keras.utils.set_random_seed(seed)`` its seeds are fixed, so each epoch
    repeats one permutation. It is computed here by the same Keras code on the indices.
    """
    import tensorflow as tf
    # Keras' own adapter, so the permutation is exactly the one fit drew (no public API gives it).
    from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

    tf.random.set_seed(seed)
    index = np.arange(n, dtype=np.int64)
    dataset = ArrayDataAdapter(index, index, batch_size=batch_size, shuffle=True).get_tf_dataset()
    return np.concatenate([np.asarray(y) for _, y in dataset])


def epoch_order(order: str, n: int, batch_size: int, seed: int, epoch: int) -> np.ndarray:
    """The permutation of epoch ``epoch`` in the given order (``ORDER_SEEDED`` or ``ORDER_KERAS``)."""
    return keras_array_order(n, batch_size, seed) if order == ORDER_KERAS else seeded_order(n, seed, epoch)


def epoch_batches(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int, epochs: range, start: int = 0,
                  order: str = ORDER_SEEDED) -> Any:
    """A ``tf.data.Dataset`` of the batches of ``epochs``, one after another, the first from batch ``start``.

    The first epoch takes ``order``, the others ``ORDER_SEEDED``. Rows are read in
    increasing order within a batch (sequential reads from a memory-map; a batch's loss and
    batch-norm statistics do not depend on the order of its samples).
    """
    import tensorflow as tf

    # The first epoch's permutation is drawn here: ORDER_KERAS runs TensorFlow, which must not
    # run inside the generator (tf.data calls it from its own thread).
    first_order = epoch_order(order, len(y), batch_size, seed, epochs.start)

    def generate() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for epoch in epochs:
            first = epoch == epochs.start
            perm = first_order if first else seeded_order(len(y), seed, epoch)
            for begin in range((start if first else 0) * batch_size, len(y), batch_size):
                rows = np.sort(perm[begin:begin + batch_size])
                yield np.asarray(x[rows], dtype=np.float32), np.asarray(y[rows])

    signature = (tf.TensorSpec((None, *x.shape[1:]), tf.float32), tf.TensorSpec((None,), tf.as_dtype(y.dtype)))
    return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(2)


def backup_callback(folder: str, save_freq: str | int, first_batch: int = 0, order: str = ORDER_SEEDED,
                    keep: bool = False, start: int | None = None) -> Any:
    """Keras' ``BackupAndRestore`` whose backups say where in the whole epoch they were taken.

    Keras counts its epoch from 0 in every process and corrects it only when an epoch ends
    (a run resumed in epoch k and killed again before it ended saved ``{"epoch": 0}``), and
    it counts batches from the ``fit``'s first: this one follows the epoch in progress, adds
    ``first_batch`` (the batches of the epoch done before this ``fit``) to the epoch's first
    batches, records ``batches_done`` and the epoch's ``order``, and also backs up at every
    epoch's end. Weights and metadata are each replaced atomically, weights first (a kill
    between them repeats batches, never skips them).

    Args:
        folder: The backup folder.
        save_freq: ``"epoch"`` or a number of batches.
        first_batch: Batches of the first epoch done before this ``fit``.
        order: Order of the first epoch (the following ones are ``ORDER_SEEDED``).
        keep: Keep the backup when the ``fit`` ends (a ``fit`` that another one continues).
        start: The epoch the ``fit`` starts at, whatever the backup's metadata says (its
            ``start`` attribute may be set later; None: Keras' restored epoch).
    """
    import keras

    class Backup(keras.callbacks.BackupAndRestore):
        """``BackupAndRestore`` recording the epoch in progress and the batch within the whole epoch."""

        def __init__(self) -> None:
            super().__init__(folder, save_freq=save_freq, delete_checkpoint=not keep)
            self.offset, self.order, self.start = first_batch, order, start

        def on_train_begin(self, logs: dict | None = None) -> None:
            super().on_train_begin(logs)
            if self.start is not None:  # fit starts at model._initial_epoch when set: the planned epoch
                self.model._initial_epoch = self.start

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self._current_epoch = epoch

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self._current_epoch, self._last_batch_seen = epoch + 1, 0
            self.offset, self.order = 0, ORDER_SEEDED
            self._write(0, 0)

        def _save_model(self) -> None:
            batch = self.offset + self._last_batch_seen
            self._write(batch, batch + 1)

        def _write(self, batch: int, done: int) -> None:
            os.makedirs(self.backup_dir, exist_ok=True)
            partial = f"{self._weights_path}.partial.weights.h5"
            self.model.save_weights(partial, overwrite=True)
            os.replace(partial, self._weights_path)
            atomic_write_text(Path(self._training_metadata_path), json.dumps(
                {"epoch": self._current_epoch, "batch": batch, "batches_done": done, "order": self.order}))

    return Backup()


def best_checkpoint(path: Path, monitor: str = "val_accuracy") -> Any:
    """Keras' ``ModelCheckpoint`` of the best weights on ``monitor`` (higher is better), across resumes.

    Keras' callback starts every process with no best value, so the first epoch a resumed run
    ended replaced the best weights even when they were better. The best value is kept beside
    the weights (``best<name>.json``) and a resumed stage starts from it.
    """
    import keras

    record = path.parent / (path.name.removesuffix(".weights.h5") + ".json")
    try:
        saved = load_json(record, what="best value") if path.is_file() else None
    except (OSError, ValueError):
        saved = None
    known = saved.get("best") if isinstance(saved, dict) and saved.get("monitor") == monitor else None

    class Best(keras.callbacks.ModelCheckpoint):
        """``ModelCheckpoint`` that writes its best value beside the weights."""

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            before = self.best
            super().on_epoch_end(epoch, logs)
            if self.best is not None and self.best != before:
                atomic_write_text(record, json.dumps({"monitor": monitor, "best": float(self.best), "epoch": epoch + 1}))

    return Best(str(path), monitor=monitor, mode="max", save_weights_only=True, save_best_only=True,
                initial_value_threshold=float(known) if isinstance(known, (int, float)) else None)
