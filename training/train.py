"""A training run: data, model, fit, export, evaluation, and an atomically written bundle."""

from __future__ import annotations

import json
import platform
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.bundle import KERAS_FILE, TFLITE_FILE, bundle_writer, load_bundle
from core.errors import DatasetError
from core.preprocess import Preprocessing
from training.config import TrainConfig
from training.data import PreparedData, prepare_data

#: A progress event: a dict with at least ``"event"`` (see ``ProgressCallback``).
Reporter = Callable[[dict[str, Any]], None]


class Cancelled(Exception):
    """The run was cancelled by its owner; nothing was written."""


@dataclass(frozen=True)
class TrainResult:
    """What a finished run produced."""

    bundle: Path | None
    val_top1: float
    test_top1: float | None
    seconds: float
    metrics: dict[str, Any]


def spec_for(config: TrainConfig) -> Preprocessing:
    """The preprocessing a config trains with."""
    return Preprocessing(size=config.input_size, box=config.box, stroke_ratio=config.stroke_ratio)


def make_progress_callback(report: Reporter, should_stop: Callable[[], bool], stage: int = 0) -> Any:
    """A Keras callback reporting batches and epochs, and stopping when asked."""
    import keras

    class ProgressCallback(keras.callbacks.Callback):
        """Reports ``batch`` and ``epoch`` events; sets ``stop_training`` on cancel."""

        def on_train_begin(self, logs: dict | None = None) -> None:
            report({"event": "start", "epochs": self.params.get("epochs"), "steps": self.params.get("steps"),
                    "stage": stage})

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            if should_stop():
                self.model.stop_training = True
            report({"event": "batch", "batch": batch + 1, "steps": self.params.get("steps"),
                    "logs": _floats(logs)})

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            report({"event": "epoch", "epoch": epoch + 1, "epochs": self.params.get("epochs"),
                    "logs": _floats(logs), "stage": stage})

    return ProgressCallback()


def _floats(logs: dict | None) -> dict[str, float]:
    return {k: float(v) for k, v in (logs or {}).items() if np.isscalar(v) or np.ndim(v) == 0}


def _optimizer(config: TrainConfig, steps: int, learning_rate: float | None = None) -> Any:
    import keras

    peak = config.learning_rate if learning_rate is None else learning_rate
    schedule = keras.optimizers.schedules.CosineDecay(peak, max(1, steps), alpha=0.01)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True)
    if config.optimizer == "adamax":
        return keras.optimizers.Adamax(schedule)
    return keras.optimizers.Adam(schedule)


def build_for(config: TrainConfig, classes: int) -> Any:
    """A fresh model for the config, or the ``init_from`` bundle's model to fine-tune."""
    import keras

    from training.backbones import build_model, is_transfer

    if config.init_from:
        from training.adapt import grow_classifier

        bundle = load_bundle(config.init_from)
        model = keras.saving.load_model(bundle.keras_path, compile=False)
        if classes != len(bundle.labels) and not isinstance(model.layers[-1], keras.layers.Dense):
            raise DatasetError(f"The dataset has {classes - len(bundle.labels)} labels the model "
                               f"{bundle.name} does not know, and its head cannot grow.")
        return grow_classifier(model, len(bundle.labels), classes)
    shape = (config.input_size, config.input_size, 1)
    if is_transfer(config.backbone):
        return build_model(config.backbone, shape, classes, weights=config.weights, adapter=config.adapter,
                           head=config.head, head_dropout=config.dropout, head_batchnorm=config.head_batchnorm)
    return build_model(config.backbone, shape, classes, dropout=config.dropout)


def fit(config: TrainConfig, data: PreparedData, report: Reporter,
        should_stop: Callable[[], bool], run_dir: Path) -> Any:
    """Trains the model on prepared data; returns the inference model (no augmentation).

    The simple CNN trains in one stage. An ImageNet backbone trains in two: stage 1 the
    head with the backbone frozen (on cached backbone features with ``bottleneck``), stage
    2 (``stage2_epochs``) with the top ``unfreeze_layers`` of the backbone unfrozen at
    ``stage2_learning_rate``. ``run_dir`` holds a checkpoint of every epoch of each stage
    (so an interrupted run resumes where it stopped) and the best weights on validation.
    """
    import keras

    from training.distribute import strategy_scope
    from training.transfer import set_base_trainable, split_model

    keras.utils.set_random_seed(config.seed)
    with strategy_scope(config.strategy):
        model = build_for(config, len(data.labels))
    parts = split_model(model)
    if parts is None:
        _fit_stage(config, model, data, report, should_stop, run_dir, 0, config.epochs, config.learning_rate)
    else:
        set_base_trainable(model, 0)
        stage1 = run_dir / "stage1-done.weights.h5"
        if stage1.exists():  # a resumed run that had finished stage 1
            model.load_weights(str(stage1))
        else:
            report({"event": "stage", "text": "Stage 1: training the new head, the backbone frozen", "stage": 1})
            if config.bottleneck:
                _fit_head_on_bottleneck(config, parts, data, report, should_stop, run_dir)
            else:
                _fit_stage(config, model, data, report, should_stop, run_dir, 1, config.epochs, config.learning_rate)
            if not should_stop():
                model.save_weights(str(stage1))
        if config.stage2_epochs:
            layers = set_base_trainable(model, config.unfreeze_layers)
            report({"event": "stage", "stage": 2,
                    "text": f"Stage 2: fine-tuning the top {layers} backbone layers at a lower learning rate"})
            _fit_stage(config, model, data, report, should_stop, run_dir, 2, config.stage2_epochs,
                       config.stage2_learning_rate)
    if should_stop():
        raise Cancelled("Training was cancelled by the user; no model was written or replaced.")
    return model


def _fit_stage(config: TrainConfig, model: Any, data: PreparedData, report: Reporter,
               should_stop: Callable[[], bool], run_dir: Path, stage: int, epochs: int, learning_rate: float) -> None:
    """One stage of training (augmentation on), keeping the best validation weights."""
    import keras

    from training.augment import build_augmenter
    from training.datasets.stream import batches, is_on_disk
    from training.distribute import strategy_scope

    if should_stop():
        return
    suffix = f"-{stage}" if stage else ""
    with strategy_scope(config.strategy):
        trainer = keras.Sequential([keras.Input(model.input_shape[1:]),
                                    build_augmenter(config.augment, config.seed), model], name="trainer")
        steps = -(-len(data.train) // config.batch_size) * epochs
        trainer.compile(_optimizer(config, steps, learning_rate), loss="sparse_categorical_crossentropy",
                        metrics=["accuracy"])
    best = run_dir / f"best{suffix}.weights.h5"
    callbacks = [keras.callbacks.BackupAndRestore(str(run_dir / f"backup{suffix}")),
                 make_progress_callback(report, should_stop, stage),
                 keras.callbacks.ModelCheckpoint(str(best), save_weights_only=True,
                                                 monitor="val_accuracy", save_best_only=True)]
    if config.early_stopping:
        callbacks.append(keras.callbacks.EarlyStopping("val_accuracy", patience=config.early_stopping))
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
    elif is_on_disk(data.train.x):
        trainer.fit(batches(data.train.x, data.train.y, config.batch_size, True, config.seed), epochs=epochs,
                    validation_data=batches(data.val.x, data.val.y, config.batch_size, False, 0),
                    callbacks=callbacks, verbose=0)
    else:
        trainer.fit(data.train.x, data.train.y, batch_size=config.batch_size, epochs=epochs,
                    validation_data=(data.val.x, data.val.y), callbacks=callbacks, verbose=0)
    if best.exists() and not should_stop():
        trainer.load_weights(str(best))


def _fit_head_on_bottleneck(config: TrainConfig, parts: tuple[Any, Any], data: PreparedData, report: Reporter,
                            should_stop: Callable[[], bool], run_dir: Path) -> None:
    """Stage 1 on cached features: the frozen backbone runs once over the data, then only the head trains.

    Augmentation cannot apply to cached features, so this stage sees the pictures as they are.
    """
    import keras

    from training.bottleneck import cached_features

    features, head = parts
    report({"event": "stage", "stage": 1, "text": "Computing backbone features once (bottleneck cache)"})
    train_f = cached_features(features, data.train.x, run_dir / "bottleneck-train.npy", config.batch_size)
    val_f = cached_features(features, data.val.x, run_dir / "bottleneck-val.npy", config.batch_size)
    steps = -(-len(data.train) // config.batch_size) * config.epochs
    head.compile(_optimizer(config, steps, config.learning_rate), loss="sparse_categorical_crossentropy",
                 metrics=["accuracy"])
    best = run_dir / "best-head.weights.h5"
    head.fit(train_f, data.train.y, batch_size=config.batch_size, epochs=config.epochs, verbose=0,
             validation_data=(val_f, data.val.y),
             callbacks=[make_progress_callback(report, should_stop, 1),
                        keras.callbacks.ModelCheckpoint(str(best), save_weights_only=True, monitor="val_accuracy",
                                                        save_best_only=True)])
    if best.exists() and not should_stop():
        head.load_weights(str(best))


def align_labels(data: PreparedData, known: tuple[str, ...]) -> PreparedData:
    """Data relabelled into a model's label order; labels it does not know are appended.

    Fine-tuning a bundle (``init_from``) keeps its output order, so class 3 stays class 3;
    new labels get new outputs (the head grows, old classes keep their weights).
    """
    from training.data import ArraySplit

    labels = tuple(known) + tuple(sorted(set(data.labels) - set(known)))
    index = np.asarray([labels.index(label) for label in data.labels], dtype=np.int64)

    def remap(split: ArraySplit | None) -> ArraySplit | None:
        return None if split is None else ArraySplit(split.x, index[split.y])

    return PreparedData(labels, remap(data.train), remap(data.val), remap(data.test))


def run_dir_for(out: str | Path) -> Path:
    """The folder that holds a run's checkpoints, beside the bundle it will write."""
    out = Path(out)
    return out.parent / f".{out.name}.run"


def open_run(config: TrainConfig, resume: bool) -> tuple[TrainConfig, Path]:
    """Prepares the run folder: a fresh one, or the interrupted run's with its own config.

    Raises:
        ValueError: if ``resume`` is asked but there is no interrupted run to resume.
    """
    from training.distribute import cluster_task, is_chief

    run_dir = run_dir_for(config.out)
    if not is_chief():
        run_dir = run_dir / f"{cluster_task()[0]}-{cluster_task()[1]}"
    saved = run_dir / "config.json"
    if resume:
        if not saved.is_file() or not any(run_dir.glob("backup*")) and not (run_dir / "stage1-done.weights.h5").exists():
            raise ValueError(f"There is no interrupted run to resume for {config.out} "
                             f"(no checkpoint in {run_dir}).")
        return TrainConfig.load(saved), run_dir
    if run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True)
    config.save(saved)
    return config, run_dir


def train(config: TrainConfig, report: Reporter | None = None,
          should_stop: Callable[[], bool] | None = None, command: str | None = None,
          resume: bool = False) -> TrainResult:
    """Runs a whole training and writes the bundle to ``config.out`` atomically.

    A failed or cancelled run leaves any bundle already at ``config.out`` untouched. With
    ``resume``, an interrupted run for the same ``out`` continues from its last epoch with
    the config it was started with.

    Raises:
        Cancelled: if ``should_stop`` returned True.
        DatasetError: if the data cannot be used.
    """
    report = report or (lambda event: None)
    should_stop = should_stop or (lambda: False)
    start = time.time()
    config, run_dir = open_run(config, resume)
    base = load_bundle(config.init_from) if config.init_from else None
    spec = base.preprocessing if base else spec_for(config)
    report({"event": "stage", "text": "Reading data"})
    data = prepare_data(config.data, spec, config.validation_size, config.seed, config.limit,
                        config.split_by_writer, cache_dir=run_dir / "data")
    if base is not None:
        data = align_labels(data, base.labels)
    report({"event": "stage", "text": f"Training on {len(data.train)} samples, {len(data.labels)} classes"})
    model = fit(config, data, report, should_stop, run_dir)
    from training.distribute import is_chief

    if not is_chief():
        shutil.rmtree(run_dir, ignore_errors=True)
        report({"event": "done", "bundle": None, "seconds": time.time() - start})
        return TrainResult(None, float("nan"), None, time.time() - start, {})
    report({"event": "stage", "text": "Exporting and evaluating"})
    result = write_trained_bundle(config, model, data, spec, time.time() - start, command)
    shutil.rmtree(run_dir, ignore_errors=True)
    report({"event": "done", "bundle": str(result.bundle), "val_top1": result.val_top1,
            "test_top1": result.test_top1, "seconds": result.seconds})
    return result


def write_trained_bundle(config: TrainConfig, model: Any, data: PreparedData, spec: Preprocessing,
                         seconds: float, command: str | None) -> TrainResult:
    """Exports the model, evaluates the TFLite file on validation and test, writes the bundle."""
    from core.recognizer import TFLiteRecognizer
    from training.evaluate import evaluate_arrays
    from training.export import to_tflite

    out = Path(config.out)
    metadata = {"name": config.bundle_name, "version": config.version,
                "title": config.title or config.bundle_name,
                "input_shape": [spec.size, spec.size, 1], "preprocessing": spec.to_json(),
                "training": {"command": command or shlex.join(sys.argv), "config": config.to_json(),
                             "hardware": f"{platform.machine()} CPU x{_cpu_count()}", "seconds": round(seconds, 1),
                             "train_samples": len(data.train), "val_samples": len(data.val)}}
    with bundle_writer(out, metadata, list(data.labels)) as staging:
        model.save(staging / KERAS_FILE)
        (staging / TFLITE_FILE).write_bytes(to_tflite(model))
        probe = load_bundle_unchecked(staging, metadata, data.labels, spec)
        recognizer = TFLiteRecognizer(probe)
        val, probs = evaluate_arrays(recognizer, data.val.x, data.val.y)
        metrics: dict[str, Any] = {"val": val.to_json()}
        test_top1 = None
        report_on = (data.val, probs)
        if data.test is not None:
            test, test_probs = evaluate_arrays(recognizer, data.test.x, data.test.y)
            metrics["test"] = test.to_json()
            test_top1 = test.top1
            report_on = (data.test, test_probs)
        from training.reports import write_reports

        write_reports(staging / "reports", data.labels, report_on[0].y, report_on[1], report_on[0].x)
        metrics["tflite_bytes"] = (staging / TFLITE_FILE).stat().st_size
        save_replay(staging, data, config.seed)
        metadata["metrics"] = metrics
    return TrainResult(out, val.top1, test_top1, seconds, metrics)


def save_replay(folder: Path, data: PreparedData, seed: int) -> None:
    """Stores validation samples in the bundle for fine-tunes to replay and check forgetting."""
    from training.adapt import REPLAY_FILE, make_replay

    per_class = max(2, min(200, 4000 // max(1, len(data.labels))))
    np.savez_compressed(folder / REPLAY_FILE, **make_replay(data.val.x, data.val.y, per_class, seed))


def add_replay(bundle_path: str | Path) -> Path:
    """Adds the replay samples to a bundle trained before bundles carried them.

    The validation split is recomputed from the bundle's own training config (it is seeded),
    so the result is the file ``train`` would have written.
    """
    from core.bundle import load_bundle

    bundle = load_bundle(bundle_path)
    config = TrainConfig.from_json(bundle.metadata["training"]["config"])
    data = prepare_data(config.data, bundle.preprocessing, config.validation_size, config.seed, config.limit,
                        config.split_by_writer)
    save_replay(bundle.path, data, config.seed)
    return bundle.path


def load_bundle_unchecked(folder: Path, metadata: dict[str, Any], labels: tuple[str, ...],
                          spec: Preprocessing) -> Any:
    """A ``ModelBundle`` view of a staging folder before its metadata is written."""
    from core.bundle import ModelBundle

    shape = (spec.size, spec.size, 1)
    return ModelBundle(folder, str(metadata["name"]), str(metadata["version"]), tuple(labels), spec, shape,
                       json.loads(json.dumps(metadata)))


def _cpu_count() -> int:
    import os

    return os.cpu_count() or 1
