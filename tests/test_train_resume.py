"""A run resumed inside an epoch trains only that epoch's remaining batches, in the epoch's order
(training.resume): the resume point of a backup (Keras' own, of runs started before, and ours),
the batches fed, the backups' metadata, the progress line, and whole stages killed and resumed."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import training.recipe as recipe
from tests.datagen import drawn_digits
from training.cli_train import TerminalProgress
from training.config import TrainConfig
from training.data import ArraySplit, PreparedData
from training.events import BatchEvent, EpochEvent, Event, StartEvent
from training.resume import (ORDER_KERAS, ORDER_SEEDED, ResumePoint, backup_callback, best_checkpoint,
                             epoch_batches, keras_array_order, read_resume_point, seeded_order)


def _backup(folder: Path, record: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "training_metadata.json").write_text(json.dumps(record))
    return folder


@pytest.mark.parametrize("record, batch_backups, in_memory, expected", [
    # the coverage run's backups (Keras' own, batch backups): the index of the last batch done
    ({"epoch": 0, "batch": 4499}, True, True, ResumePoint(0, 4500, ORDER_KERAS)),
    ({"epoch": 3, "batch": 0}, True, True, ResumePoint(3, 1, ORDER_KERAS)),
    ({"epoch": 0, "batch": 4499}, True, False, ResumePoint(0, 4500, ORDER_SEEDED)),  # on disk: not recomputable
    ({"epoch": 2, "batch": 0}, False, True, ResumePoint(2)),  # backed up per epoch: "batch" is always 0
    ({"epoch": 1, "batch": 7464}, True, True, ResumePoint(2)),  # its last batch was done: the next epoch
    ({"epoch": 1, "batch": 999, "batches_done": 1000, "order": ORDER_KERAS}, True, True, ResumePoint(1, 1000, ORDER_KERAS)),
    ({"epoch": 4, "batch": 0, "batches_done": 0, "order": ORDER_SEEDED}, True, True, ResumePoint(4)),
    ({"epoch": 1, "batch": 5, "batches_done": 6, "order": "other"}, True, True, ResumePoint(1)),
    ({"epoch": "1", "batch": 5}, True, True, ResumePoint()),
])
def test_a_backup_says_where_its_epoch_stood(tmp_path: Path, record: dict[str, Any], batch_backups: bool,
                                             in_memory: bool, expected: ResumePoint) -> None:
    folder = _backup(tmp_path / "backup", record)
    assert read_resume_point(folder, 7465, batch_backups, in_memory) == expected
    assert read_resume_point(tmp_path / "none", 7465, batch_backups, in_memory) == ResumePoint()


def _fed(x: np.ndarray, y: np.ndarray, batch: int, seed: int, epochs: range, start: int = 0,
         order: str = ORDER_SEEDED) -> list[np.ndarray]:
    return [np.asarray(by) for _, by in epoch_batches(x, y, batch, seed, epochs, start, order)]


def test_the_batches_left_are_the_epochs_own_and_the_next_epochs_follow() -> None:
    x = np.repeat(np.arange(50, dtype=np.uint8), 4).reshape(50, 2, 2, 1)
    y = np.arange(50)
    whole = _fed(x, y, 8, 5, range(2, 3))
    assert sorted(np.concatenate(whole)) == list(range(50))  # one pass over the samples
    assert [b.tolist() for b in whole] == [sorted(seeded_order(50, 5, 2)[i:i + 8]) for i in range(0, 50, 8)]
    fed = _fed(x, y, 8, 5, range(2, 4), start=4)
    assert [b.tolist() for b in fed[:3]] == [b.tolist() for b in whole[4:]]  # only the batches left, same order
    assert sorted(np.concatenate(fed[3:])) == list(range(50)) and len(fed[3:]) == 7
    assert [b.tolist() for b in fed[3:]] == [b.tolist() for b in _fed(x, y, 8, 5, range(3, 4))]
    assert not np.array_equal(seeded_order(50, 5, 2), seeded_order(50, 5, 3))  # each epoch its own order
    legacy = _fed(x, y, 8, 5, range(2, 3), start=5, order=ORDER_KERAS)
    assert [b.tolist() for b in legacy] == [sorted(keras_array_order(50, 8, 5)[i:i + 8]) for i in (40, 48)]
    assert next(iter(epoch_batches(x, y, 8, 5, range(1))))[0].dtype.name == "float32"


def test_keras_array_order_is_the_order_fit_fed_arrays_in_every_epoch() -> None:
    """What a run started before training.resume trained on (Keras 3.15, TensorFlow), so it can finish its epoch."""
    import keras

    keras.utils.set_random_seed(7)
    seen: list[list[int]] = []

    class Recording(keras.Model):
        def train_step(self, data: Any) -> dict[str, Any]:
            seen.append([int(v) for v in data[1].numpy()])
            return {"n": 0.0}

    inputs = keras.Input((1,))
    model = Recording(inputs, keras.layers.Dropout(0.5)(keras.layers.Dense(3)(inputs)))  # random state used first
    model.compile("sgd", "mse", run_eagerly=True)
    model.fit(np.zeros((45, 1), "float32"), np.arange(45), batch_size=8, epochs=2, verbose=0)
    order = keras_array_order(45, 8, 7)
    assert sum(seen[:6], []) == order.tolist() == sum(seen[6:], [])  # Keras repeats one permutation each epoch


def test_backups_count_the_batches_of_the_whole_epoch(tmp_path: Path) -> None:
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    folder = tmp_path / "backup"
    x, y = np.zeros((40, 2), "float32"), np.zeros(40, "float32")
    tail = backup_callback(str(folder), 2, first_batch=6, order=ORDER_KERAS, keep=True, start=3)
    model.fit(x[:32], y[:32], batch_size=8, epochs=4, initial_epoch=3, callbacks=[tail], verbose=0, shuffle=False)
    # the epoch's end was backed up and kept: epoch 4 starts, in the seeded order
    assert json.loads((folder / "training_metadata.json").read_text()) == {
        "epoch": 4, "batch": 0, "batches_done": 0, "order": ORDER_SEEDED}
    assert int(model.optimizer.iterations.numpy()) == 4

    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if batch == 2:
                raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, batch_size=8, epochs=6, callbacks=[backup_callback(str(folder), 2, 6, ORDER_KERAS, start=4),
                                                           Stop()], verbose=0, shuffle=False)
    # the second batch of this fit is batch 7 (index) of its epoch: Keras' own wrote {"epoch": 0, "batch": 1}
    assert json.loads((folder / "training_metadata.json").read_text()) == {
        "epoch": 4, "batch": 7, "batches_done": 8, "order": ORDER_KERAS}


def test_a_resumed_stage_keeps_the_best_weights_of_the_epochs_before_it(tmp_path: Path) -> None:
    import keras

    def model(value: float) -> Any:
        bias = keras.initializers.Constant(value)
        return keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, bias_initializer=bias)])

    best = tmp_path / "best.weights.h5"
    first = best_checkpoint(best)
    first.set_model(model(1.0))
    first.on_epoch_end(0, {"val_accuracy": 0.8})
    first.on_epoch_end(1, {"val_accuracy": 0.6})
    resumed = best_checkpoint(best)  # a new process: Keras' own started with no best and kept epoch 3's 0.7
    resumed.set_model(model(2.0))
    resumed.on_epoch_end(2, {"val_accuracy": 0.7})
    check = model(0.0)
    check.load_weights(str(best))
    assert float(check.layers[-1].bias.numpy()[0]) == 1.0
    resumed.on_epoch_end(3, {"val_accuracy": 0.9})
    check.load_weights(str(best))
    assert float(check.layers[-1].bias.numpy()[0]) == 2.0
    assert json.loads((tmp_path / "best.json").read_text()) == {"monitor": "val_accuracy", "best": 0.9, "epoch": 4}


def test_the_progress_line_of_a_run_resumed_inside_an_epoch_counts_only_the_batches_it_trains(
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 0.0, 10.0])
    monkeypatch.setattr("training.cli_train.time.time", lambda: next(clock))
    stream = io.StringIO()
    progress = TerminalProgress(stream)
    progress(StartEvent(3, 10, 1, first_epoch=1, first_batch=5))
    progress(BatchEvent(6, 10, {"loss": 1.0}, 1))  # one batch in 10 s, 14 left: 140 s
    assert "epoch 2/3" in stream.getvalue() and "ETA   140s" in stream.getvalue()
    assert StartEvent.from_json(StartEvent(3, 10, first_epoch=1, first_batch=5).to_json()).first_batch == 5


# Whole stages (the recipe's fit, no export): killed inside an epoch, resumed.

def _data(seed: int = 3) -> PreparedData:
    x, y = drawn_digits(340, seed=seed, size=16)
    x = x[..., None].astype(np.uint8)
    return PreparedData(tuple("0123456789"), ArraySplit(x[:300], y[:300]), ArraySplit(x[300:], y[300:]), None)


def _config(tmp_path: Path) -> TrainConfig:
    return TrainConfig(data="unused.npz", out=str(tmp_path / "out"), epochs=3, batch_size=32, learning_rate=3e-3,
                       input_size=16, box=12, width=4, seed=1)


def _stage(config: TrainConfig, data: PreparedData, run_dir: Path,
           report: Callable[[Event], None]) -> tuple[list[int], list[tuple[int, list[int]]]]:
    """Runs the stage's fit; returns the optimizer steps after each ``fit`` and the rows fed to each."""
    import keras

    from training.backbones import build_model

    steps: list[int] = []
    fed: list[tuple[int, list[int]]] = []
    build, feed = recipe.build_trainer, recipe.epoch_batches

    def spying_build(*args: Any, **kwargs: Any) -> Any:
        trainer = build(*args, **kwargs)
        fit = trainer.fit

        def counted_fit(*a: Any, **k: Any) -> Any:
            try:
                return fit(*a, **k)
            finally:
                steps.append(int(trainer.optimizer.iterations.numpy()))

        trainer.fit = counted_fit
        return trainer

    class Rows:
        def __init__(self, x: np.ndarray, rows: list[int]) -> None:
            self.x, self.rows, self.shape = x, rows, x.shape

        def __getitem__(self, rows: np.ndarray) -> np.ndarray:
            self.rows.extend(int(r) for r in rows)
            return self.x[rows]

    def spying_feed(x: np.ndarray, *args: Any) -> Any:
        fed.append((args[3].start, []))
        return feed(Rows(x, fed[-1][1]), *args)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as spies:
        spies.setattr(recipe, "build_trainer", spying_build)
        spies.setattr(recipe, "epoch_batches", spying_feed)
        keras.utils.set_random_seed(config.seed)
        model = build_model("simple-cnn", (16, 16, 1), 10, width=4, dropout=0.0)
        recipe.fit_stage(config, model, data, report, lambda: False, run_dir, 1, config.epochs, config.learning_rate, "")
    return steps, fed


def _kill_at(epoch: int, batch: int) -> Callable[[Event], None]:
    """A report that kills the run after ``batch`` (from 1) of ``epoch`` (from 1)."""
    ended: list[int] = []

    def report(event: Event) -> None:
        if isinstance(event, StartEvent):
            ended.append(event.first_epoch)
        if isinstance(event, EpochEvent):
            ended.append(event.epoch)
        if isinstance(event, BatchEvent) and ended and ended[-1] == epoch - 1 and event.batch == batch:
            raise KeyboardInterrupt("killed")

    return report


@pytest.mark.slow  # trains a tiny model four times: about 30 s on 2 cores
def test_a_run_killed_twice_inside_an_epoch_takes_the_steps_of_one_that_was_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recipe, "BACKUP_STEPS", 2)  # batch backups in an epoch of 10 batches
    config, data = _config(tmp_path), _data()
    straight, _ = _stage(config, data, tmp_path / "straight", lambda e: None)
    assert straight[-1] == 30  # 3 epochs of 10 batches

    run_dir = tmp_path / "killed"
    with pytest.raises(KeyboardInterrupt):
        _stage(config, data, run_dir, _kill_at(2, 7))  # backed up after batch 6 of epoch 2
    events: list[Event] = []

    def record_then_kill(event: Event) -> None:
        events.append(event)
        kill(event)

    kill = _kill_at(2, 9)  # killed again in that epoch, its batch 8 backed up
    with pytest.raises(KeyboardInterrupt):
        _stage(config, data, run_dir, record_then_kill)
    assert [(e.first_epoch, e.first_batch, e.epochs, e.steps) for e in events if isinstance(e, StartEvent)] == [
        (1, 6, 3, 10)]
    assert [e.batch for e in events if isinstance(e, BatchEvent)] == [7, 8, 9]
    steps, fed = _stage(config, data, run_dir, lambda e: None)
    assert steps == [20, 30]  # the code before trained epoch 2 whole again after each kill: 44 steps
    assert [start for start, _ in fed] == [1, 2]
    order = seeded_order(300, 1, 1)
    assert fed[0][1] == sorted(order[256:288]) + sorted(order[288:])  # batches 9 and 10 of epoch 2, in its order
    assert sorted(fed[1][1]) == list(range(300))
    assert not (run_dir / "backup").exists()  # the stage ended: its backup is gone, as Keras does


@pytest.mark.slow  # trains a tiny model twice: about 15 s on 2 cores
def test_a_run_folder_of_the_code_before_resumes_inside_its_epoch_in_its_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The coverage run (started before training.resume) is resumed by this code: its backups are Keras'
    own ({"epoch": 0, "batch": 4499}) and its epochs took Keras' permutation of the in-memory arrays."""
    import keras

    monkeypatch.setattr(recipe, "BACKUP_STEPS", 2)
    config, data = _config(tmp_path), _data()
    run_dir = tmp_path / "old"

    class OldBackup(keras.callbacks.BackupAndRestore):  # the code before (9910837): Keras' metadata
        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self._current_epoch = epoch

    def old_fit(config: TrainConfig, trainer: Any, data: PreparedData, epochs: int, callbacks: list[Any]) -> None:
        trainer.fit(data.train.x, data.train.y, batch_size=config.batch_size, epochs=epochs,
                    validation_data=(data.val.x, data.val.y), callbacks=callbacks, verbose=0)

    with monkeypatch.context() as old:
        old.setattr(recipe, "_fit_remaining", old_fit)
        old.setattr(recipe, "backup_callback", lambda folder, save_freq: OldBackup(folder, save_freq=save_freq))
        with pytest.raises(KeyboardInterrupt):
            _stage(config, data, run_dir, _kill_at(2, 5))
    assert json.loads((run_dir / "backup" / "training_metadata.json").read_text()) == {"epoch": 1, "batch": 3}
    steps, fed = _stage(config, data, run_dir, lambda e: None)
    assert steps == [20, 30]
    legacy = keras_array_order(300, 32, 1)
    assert fed[0][1] == [int(r) for b in range(4, 10) for r in sorted(legacy[32 * b:32 * b + 32])]
