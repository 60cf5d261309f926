"""The training recipe: one stage for the simple CNN, two for an ImageNet backbone.

Stage 1 trains the new head with the pretrained backbone frozen. The backbone is called
with ``training=False`` (see ``training.transfer``), so its batch-norm moving statistics
stay put even while the rest of the model trains. With ``bottleneck`` the frozen backbone runs
once over the data and the head trains on the cached features. Stage 2 unfreezes the top
``unfreeze_layers`` weighted backbone layers (or all) at ``stage2_learning_rate``. An
ImageNet architecture without pretrained weights trains whole, from scratch, in one stage.

Every stage checkpoints each epoch (``BackupAndRestore`` in the run folder, so an
interrupted run resumes where it stopped) and keeps its best weights on validation.
Progress events carry the stage: ``StageEvent(text, stage=1)`` and ``StartEvent``,
``BatchEvent`` and ``EpochEvent`` with ``stage`` 1 or 2 (the simple CNN's one stage is
stage 1).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from training.config import TrainConfig
from training.data import PreparedData
from training.events import BatchEvent, EpochEvent, Reporter, StageEvent, StartEvent
from training.recalibrate import make_recalibration_callback, recalibrate_batchnorm
from training.resume import ORDER_SEEDED, backup_callback, best_checkpoint, epoch_batches, read_resume_point

#: Steps the head runs per compiled call on cached features: a head step is so small that
#: Keras' per-step overhead would otherwise eat most of the cache's gain (batch progress
#: events then come every this many steps).
HEAD_STEPS_PER_EXECUTION = 16

#: Bottleneck caches up to this many bytes are read into memory for the head's epochs.
CACHE_IN_MEMORY = 1 << 30

#: Written when stage 1 is over, so a resumed run goes straight to stage 2.
STAGE1_DONE = "stage1-done.weights.h5"

#: Batches between backups of an epoch longer than twice this (see ``_callbacks``).
BACKUP_STEPS = 500
#: Fewest optimizer steps a run takes when its batch can shrink (see ``short_run_batch_size``).
MIN_RUN_STEPS = 150

#: ``short_run_batch_size`` never goes below this batch.
MIN_SHORT_RUN_BATCH = 32


def make_progress_callback(report: Reporter, should_stop: Callable[[], bool], stage: int = 1) -> Any:
    """A Keras callback reporting batches and epochs of one stage, and stopping when asked.

    Batches count within the whole epoch: a ``fit`` of an epoch's last batches (a resumed
    run, see ``training.resume``) sets ``first_batch`` to the batches done before it and
    ``epochs`` to the stage's; the callback (one for the stage's ``fit`` calls) sets
    ``first_batch`` back to 0 when that epoch ends.

    Args:
        report: Receives ``StartEvent``, ``BatchEvent`` and ``EpochEvent``.
        should_stop: Polled after every batch; True sets ``model.stop_training``.
        stage: Stage number put into every event.

    Returns:
        A ``keras.callbacks.Callback``.
    """
    import keras

    class ProgressCallback(keras.callbacks.Callback):
        """Reports ``start``, ``batch`` and ``epoch`` events; sets ``stop_training`` on cancel."""

        def __init__(self) -> None:
            super().__init__()
            self.started = False
            self.first_batch = 0
            self.epochs: int | None = None

        def steps(self) -> int | None:
            steps = _count(self.params.get("steps"))
            return None if steps is None else steps + self.first_batch

        def total(self) -> int | None:
            return self.epochs or _count(self.params.get("epochs"))

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            # Sent here, not at on_train_begin: a resumed fit's first epoch (restored by
            # BackupAndRestore) is only known now, and the progress line counts from it.
            if not self.started:
                self.started = True
                report(StartEvent(self.total(), self.steps(), stage, first_epoch=epoch,
                                  first_batch=self.first_batch))

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            if should_stop():
                self.model.stop_training = True
            report(BatchEvent(self.first_batch + batch + 1, self.steps(), _floats(logs), stage))

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self.first_batch = 0
            report(EpochEvent(epoch + 1, self.total(), _floats(logs), stage))

    return ProgressCallback()


def _count(value: Any) -> int | None:
    """Keras' ``params`` count (None when a dataset's length is unknown)."""
    return None if value is None else int(value)


def _floats(logs: dict | None) -> dict[str, float]:
    return {k: float(v) for k, v in (logs or {}).items() if np.isscalar(v) or np.ndim(v) == 0}


def make_optimizer(config: TrainConfig, steps: int, learning_rate: float | None = None) -> Any:
    """The config's optimizer with a cosine-decayed learning rate over ``steps``.

    Args:
        config: Names the optimizer (``adam``, ``adamax`` or ``sgd``) and the peak rate.
        steps: Training steps the schedule decays over (to 1% of the peak).
        learning_rate: Peak rate instead of ``config.learning_rate`` (stage 2).

    Returns:
        A ``keras.optimizers.Optimizer``.
    """
    import keras

    peak = config.learning_rate if learning_rate is None else learning_rate
    schedule = keras.optimizers.schedules.CosineDecay(peak, max(1, steps), alpha=0.01)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True)
    if config.optimizer == "adamax":
        return keras.optimizers.Adamax(schedule)
    return keras.optimizers.Adam(schedule)


def short_run_batch_size(batch_size: int, samples: int, epochs: int) -> int:
    """The batch a run of ``epochs`` over ``samples`` trains with: ``batch_size`` or, for a short run, smaller.

    A run of fewer than ``MIN_RUN_STEPS`` optimizer steps halves its batch (down to
    ``MIN_SHORT_RUN_BATCH``) until it has that many: too few steps, not the data, is what
    leaves a short run near chance. 2,400 MNIST digits, 2 epochs, simple CNN, batch-norm
    recalibrated (seeds 1, 2, 3): 90.1%, 86.7%, 85.1% at batch 128 (38 steps), 94.6%,
    94.3%, 93.4% at batch 32 (150 steps).

    Args:
        batch_size: The config's batch.
        samples: Training samples.
        epochs: Epochs of the stage.

    Returns:
        The batch to train with (never larger than ``batch_size``).
    """
    batch = batch_size
    while batch > MIN_SHORT_RUN_BATCH and -(-samples // batch) * epochs < MIN_RUN_STEPS:
        batch = max(MIN_SHORT_RUN_BATCH, batch // 2)
    return batch


def run_stages(config: TrainConfig, model: Any, data: PreparedData, report: Reporter,
               should_stop: Callable[[], bool], run_dir: Path) -> None:
    """Trains ``model`` in place: one stage, or two for a model with a frozen-able backbone.

    Args:
        config: The run (epochs of each stage, learning rates, bottleneck, unfreezing).
        model: A fresh or ``init_from`` model (``training.transfer`` models train in two stages).
        data: Train and validation model inputs.
        report: Receives progress events.
        should_stop: Polled every batch; the stage in progress stops early when it returns True.
        run_dir: Checkpoints and the bottleneck cache (a resumed run finds them here).
    """
    from dataclasses import replace

    from training.transfer import set_base_trainable, split_model, unfreeze_all

    batch = short_run_batch_size(config.batch_size, len(data.train), config.epochs)
    if batch != config.batch_size:
        report(StageEvent(f"A short run: batches of {batch} instead of {config.batch_size}, "
                          f"so that {config.epochs} epochs of {len(data.train)} samples make "
                          f"{-(-len(data.train) // batch) * config.epochs} training steps"))
        config = replace(config, batch_size=batch)
    parts = split_model(model)
    scratch = not config.init_from
    if parts is None:
        fit_stage(config, model, data, report, should_stop, run_dir, 1, config.epochs, config.learning_rate, "",
                  recalibrate=scratch)
        return
    if config.weights == "none" and scratch:
        unfreeze_all(model)
        report(StageEvent(f"Training all of {config.backbone} from scratch in one stage "
                          f"(no pretrained weights to freeze)", 1))
        fit_stage(config, model, data, report, should_stop, run_dir, 1, config.epochs, config.learning_rate,
                  recalibrate=True)
        return
    set_base_trainable(model, 0)
    done = run_dir / STAGE1_DONE
    if done.exists():
        model.load_weights(str(done))
    else:
        report(StageEvent("Stage 1: training the head (base frozen)", 1))
        if config.bottleneck:
            fit_head_on_bottleneck(config, parts, data, report, should_stop, run_dir)
        else:
            fit_stage(config, model, data, report, should_stop, run_dir, 1, config.epochs, config.learning_rate)
        if not should_stop():
            model.save_weights(str(done))
    if config.stage2_epochs and not should_stop():
        count = set_base_trainable(model, config.unfreeze_layers)
        report(StageEvent(f"Stage 2: fine-tuning the top {count} layers of the base "
                          f"at learning rate {config.stage2_learning_rate:g}", 2))
        fit_stage(config, model, data, report, should_stop, run_dir, 2, config.stage2_epochs,
                  config.stage2_learning_rate)


def _callbacks(config: TrainConfig, report: Reporter, should_stop: Callable[[], bool], run_dir: Path,
               name: str, stage: int, len_train: int = 0) -> tuple[list[Any], Path]:
    """Per-epoch backup (resume), progress, best-on-validation checkpoint, early stopping."""
    import keras

    best = run_dir / f"best{name}.weights.h5"
    callbacks = [backup_callback(str(run_dir / f"backup{name}"), _save_freq(config, len_train)),
                 make_progress_callback(report, should_stop, stage),
                 best_checkpoint(best)]
    if config.early_stopping:
        callbacks.append(keras.callbacks.EarlyStopping("val_accuracy", patience=config.early_stopping))
    return callbacks, best


def _save_freq(config: TrainConfig, len_train: int) -> str | int:
    """When a stage backs up: each epoch's end, and every ``BACKUP_STEPS`` batches of a long epoch.

    A long epoch (the coverage model's is near an hour on the CPU) backed up only at its end
    would lose up to that much to a kill; a resumed run trains only the batches its backup
    had not (``training.resume``).
    """
    steps = -(-len_train // config.batch_size) if len_train else 0
    return BACKUP_STEPS if steps > 2 * BACKUP_STEPS else "epoch"


def build_trainer(config: TrainConfig, model: Any, train_samples: int, epochs: int, learning_rate: float) -> Any:
    """The compiled throw-away trainer of one stage: the augmentation layers, then ``model``.

    Its structure is what the stage's backups (``BackupAndRestore``) hold, optimizer included,
    so ``training.checkpoint_bundle`` builds it the same way to read a running stage's backup.

    Args:
        config: Augmentation, seed, batch size, optimizer and strategy of the run.
        model: The model being trained.
        train_samples: Training samples (the learning-rate schedule decays over their steps).
        epochs: Epochs of the stage.
        learning_rate: Peak rate of the stage.

    Returns:
        A compiled ``keras.Sequential``.
    """
    import keras

    from training.augment import build_augmenter
    from training.distribute import strategy_scope

    with strategy_scope(config.strategy):
        stack = [keras.Input(model.input_shape[1:])]
        if config.augment.enabled:  # an empty Sequential cannot be called
            stack.append(build_augmenter(config.augment, config.seed))
        trainer = keras.Sequential([*stack, model], name="trainer")
        steps = -(-train_samples // config.batch_size) * epochs
        trainer.compile(make_optimizer(config, steps, learning_rate), loss="sparse_categorical_crossentropy",
                        metrics=["accuracy"])
    return trainer


def fit_stage(config: TrainConfig, model: Any, data: PreparedData, report: Reporter,
              should_stop: Callable[[], bool], run_dir: Path, stage: int, epochs: int, learning_rate: float,
              name: str | None = None, recalibrate: bool = False) -> None:
    """One stage on the pictures, augmentation on, ending with the stage's best validation weights.

    Checkpoints are ``backup<name>`` and ``best<name>.weights.h5`` in ``run_dir``
    (``name`` defaults to ``-<stage>``). With ``recalibrate`` (a model trained from
    scratch), batch-norm statistics are recalibrated before every validation and once more
    at the end (``recalibrate_batchnorm``).

    The augmentation layers sit in front of ``model`` in a throw-away trainer
    (``build_trainer``), so the model that is exported never contains them (they are
    identities at inference anyway).
    """
    if should_stop():
        return
    trainer = build_trainer(config, model, len(data.train), epochs, learning_rate)
    callbacks, best = _callbacks(config, report, should_stop, run_dir,
                                f"-{stage}" if name is None else name, stage, len(data.train))
    if recalibrate and config.strategy == "default":  # a replicated model's statistics cannot be set from here
        callbacks.insert(0, make_recalibration_callback(model, data.train.x, config.batch_size, config.seed))
    _fit(config, trainer, data, epochs, callbacks, report, should_stop, run_dir)
    if best.exists() and not should_stop():
        trainer.load_weights(str(best))
    if recalibrate and not should_stop():
        recalibrate_batchnorm(model, data.train.x, config.batch_size, seed=config.seed)


def _fit(config: TrainConfig, trainer: Any, data: PreparedData, epochs: int, callbacks: list[Any],
         report: Reporter, should_stop: Callable[[], bool], run_dir: Path) -> None:
    """``trainer.fit`` fed the way the strategy and the data's storage need."""
    if config.strategy == "multiworker":
        from training.distribute import fit_multiworker

        fit_multiworker(trainer, (data.train.x, data.train.y), (data.val.x, data.val.y), config.batch_size,
                        epochs, config.seed, report, should_stop,
                        lambda epoch, logs: trainer.save_weights(str(run_dir / "last.weights.h5")))
    elif config.strategy == "mirrored":
        from training.distribute import as_distributed_dataset

        trainer.fit(as_distributed_dataset(data.train.x, data.train.y, config.batch_size, True, config.seed),
                    epochs=epochs, callbacks=callbacks, verbose=0,
                    validation_data=as_distributed_dataset(data.val.x, data.val.y, config.batch_size, False, 0))
    else:
        _fit_remaining(config, trainer, data, epochs, callbacks)


def _fit_remaining(config: TrainConfig, trainer: Any, data: PreparedData, epochs: int, callbacks: list[Any]) -> None:
    """``trainer.fit`` over the batches the stage's backup has not trained, in the order of each epoch.

    A backup taken after ``b`` batches of epoch ``k`` first gets that epoch's other batches
    (one ``fit`` of epoch ``k`` alone, its backups and progress counting from batch ``b``),
    then the following epochs; see ``training.resume``.
    """
    import keras

    from training.datasets.stream import batches, is_on_disk

    train, batch = data.train, config.batch_size
    steps = -(-len(train) // batch)
    save_freq = _save_freq(config, len(train))
    backup = next(c for c in callbacks if isinstance(c, keras.callbacks.BackupAndRestore))
    point = read_resume_point(Path(backup.backup_dir), steps, save_freq != "epoch", not is_on_disk(train.x))
    val = batches(data.val.x, data.val.y, batch, False, 0) if is_on_disk(data.val.x) else (data.val.x, data.val.y)
    first = point.epoch
    if point.batches_done:
        progress = next(c for c in callbacks if hasattr(c, "first_batch"))
        progress.first_batch, progress.epochs = point.batches_done, epochs
        tail = backup_callback(backup.backup_dir, save_freq, point.batches_done, point.order, keep=True, start=first)
        trainer.fit(epoch_batches(train.x, train.y, batch, config.seed, range(first, first + 1), point.batches_done,
                                  point.order), steps_per_epoch=steps - point.batches_done, initial_epoch=first,
                    epochs=first + 1, validation_data=val, verbose=0, shuffle=False,
                    callbacks=[tail if c is backup else c for c in callbacks])
        if trainer.stop_training:
            return
        first += 1
    if first < epochs:
        backup.start = first
        trainer.fit(epoch_batches(train.x, train.y, batch, config.seed, range(first, epochs), 0, ORDER_SEEDED),
                    steps_per_epoch=steps, initial_epoch=first, epochs=epochs, validation_data=val,
                    callbacks=callbacks, verbose=0, shuffle=False)


def fit_head_on_bottleneck(config: TrainConfig, parts: tuple[Any, Any], data: PreparedData, report: Reporter,
                           should_stop: Callable[[], bool], run_dir: Path) -> None:
    """Stage 1 on cached features: the frozen backbone runs once over the data, then only the head trains.

    The features are computed from the pictures as they are: augmentation cannot apply to
    cached features, so this stage trains without it (stage 2 augments again). A learned
    ``conv1x1`` adapter sits before the backbone, so it keeps its initial (repeat) weights
    until stage 2. The cache is memory-mapped ``.npy`` files in ``run_dir``; the head
    object is the one inside the full model, so the full model has the trained head after.

    Args:
        config: Epochs, batch size, optimizer and learning rate of stage 1.
        parts: (features, head) of the model (``training.transfer.split_model``).
        data: Train and validation model inputs.
        report: Receives progress events.
        should_stop: Polled every batch.
        run_dir: Holds the cache and the checkpoints.
    """
    from training.bottleneck import cached_features

    features, head = parts
    report(StageEvent("Stage 1: computing backbone features once (bottleneck cache, no augmentation)", 1))
    train_f = cached_features(features, data.train.x, run_dir / "bottleneck-train.npy", config.batch_size)
    val_f = cached_features(features, data.val.x, run_dir / "bottleneck-val.npy", config.batch_size)
    if should_stop():
        return
    if train_f.nbytes + val_f.nbytes <= CACHE_IN_MEMORY:  # epochs read memory faster than a memory-map
        train_f, val_f = np.asarray(train_f), np.asarray(val_f)
    steps = -(-len(data.train) // config.batch_size) * config.epochs
    head.compile(make_optimizer(config, steps), loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                 steps_per_execution=HEAD_STEPS_PER_EXECUTION)
    callbacks, best = _callbacks(config, report, should_stop, run_dir, "-head", 1)
    head.fit(train_f, data.train.y, batch_size=config.batch_size, epochs=config.epochs, verbose=0, shuffle=True,
             validation_data=(val_f, data.val.y), callbacks=callbacks)
    if best.exists() and not should_stop():
        head.load_weights(str(best))
