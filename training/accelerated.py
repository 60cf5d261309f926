"""Training a bundle's network on any Keras backend, then bundling it under TensorFlow.

``mojiyomi train`` is TensorFlow's path from the data to the bundle (the TFLite export
needs TensorFlow). A GPU machine may have PyTorch and no TensorFlow (the H200 lent to some
sessions here): there ``fit`` trains the same network (``training.backbones``) with the
same recipe (Adam, cosine-decayed rate, the augmentation layers in front, batch-norm
recalibrated before every validation and at the end) under ``KERAS_BACKEND=torch``, from
the generator's shards, and writes the inference model's weights, the labels, the
validation split and the history. Back on a machine with TensorFlow, ``bundle`` builds the
same network, loads the weights and writes the bundle with ``training.train``'s own
writer (Keras and TFLite files, validation and test metrics measured on the TFLite file,
reports, replay samples, metadata recording both commands and the GPU's time)::

    KERAS_BACKEND=torch python -m training.accelerated fit --shards data/coverage40/shards \\
        --out runs/coverage-gpu --width 48 --input-size 40 --box 32 --stroke-ratio 0.07 \\
        --dropout 0.3 --augment light --batch-size 512 --learning-rate 4e-3 --epochs 40 --budget 300
    python -m training.accelerated bundle --run runs/coverage-gpu --test data/coverage40-test/synth.npz \\
        --out runs/coverage --name japanese-coverage --title "..."

Only ``keras`` and NumPy are used by ``fit`` (no TensorFlow import), so it runs on any
backend Keras has.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import DatasetError, MojiyomiError

#: Files ``fit`` writes in its output folder and ``bundle`` reads.
WEIGHTS = "trained.weights.h5"
VAL = "val.npz"
RUN = "run.json"
LABELS = "labels.txt"
#: Augmentation presets, as ``mojiyomi train --augment`` names them.
AUGMENTS = {"light": {"rotation_deg": 3.0, "zoom": 0.0, "translation": 0.0, "shear": 0.0},
            "none": {"rotation_deg": 0.0, "zoom": 0.0, "translation": 0.0, "shear": 0.0}}


def load_shards(folders: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """Every ``part-*.npz`` of the generator's shard folders: x (N, s, s, 1) uint8, y label strings."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for folder in folders:
        parts = sorted(folder.glob("part-*.npz"))
        if not parts:
            raise DatasetError(f"No part-*.npz shards in {folder}.")
        for part in parts:
            with np.load(part, allow_pickle=False) as arrays:
                xs.append(arrays["x"])
                ys.append(arrays["y"])
    return np.concatenate(xs), np.concatenate(ys)


def split(y: np.ndarray, validation: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded train and validation indices."""
    order = np.random.default_rng(seed).permutation(len(y))
    return np.sort(order[validation:]), np.sort(order[:validation])


def _epoch_plan(trainer: Any, x: np.ndarray, y: np.ndarray, batch: int, budget: float, max_epochs: int,
                steps_per_epoch: int) -> tuple[int, float]:
    """Epochs that fit ``budget`` seconds, timed on a throw-away copy of the trainer."""
    picks = np.random.default_rng(0).choice(len(x), batch * 8, replace=False)
    xb, yb = x[np.sort(picks)], y[np.sort(picks)]
    for i in range(5):  # warm-up: kernels chosen, memory allocated
        trainer.train_on_batch(xb[i % 8 * batch:(i % 8 + 1) * batch], yb[i % 8 * batch:(i % 8 + 1) * batch])
    start = time.perf_counter()
    timed = 40
    for i in range(timed):
        trainer.train_on_batch(xb[i % 8 * batch:(i % 8 + 1) * batch], yb[i % 8 * batch:(i % 8 + 1) * batch])
    _ = float(np.asarray(trainer.get_weights()[0]).ravel()[0])  # wait for the device
    per_step = (time.perf_counter() - start) / timed
    epoch_seconds = per_step * steps_per_epoch * 1.08  # validation and recalibration each epoch
    return max(1, min(max_epochs, int(budget // epoch_seconds))), per_step


def fit(args: argparse.Namespace) -> int:
    """Trains and writes the weights, labels, validation split and run record in ``args.out``."""
    import keras

    from training.augment import AugmentConfig, build_augmenter
    from training.backbones import build_model
    from training.recipe import make_recalibration_callback, recalibrate_batchnorm

    started = time.time()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    x, y_text = load_shards([Path(p) for p in args.shards.split(",")])
    labels = tuple(sorted(set(y_text.tolist())))
    y = np.searchsorted(np.asarray(labels), y_text).astype(np.int64)
    train_idx, val_idx = split(y, args.validation_size, args.seed)
    x_train, y_train = x[train_idx], y[train_idx]
    x_val, y_val = x[val_idx], y[val_idx]
    del x
    loaded = time.time() - started
    print(json.dumps({"event": "data", "train": len(y_train), "val": len(y_val), "classes": len(labels),
                      "seconds": round(loaded, 1)}), flush=True)
    (out / LABELS).write_text("\n".join(labels) + "\n", encoding="utf-8")
    np.savez_compressed(out / VAL, x=x_val, y=np.asarray([labels[i] for i in y_val]))

    shape = (args.input_size, args.input_size, 1)
    augment = AugmentConfig(**AUGMENTS[args.augment])
    steps_per_epoch = -(-len(y_train) // args.batch_size)

    def trainer_for(model: Any, steps: int) -> Any:
        stack = [keras.Input(shape)]
        if augment.enabled:
            stack.append(build_augmenter(augment, args.seed))
        trainer = keras.Sequential([*stack, model], name="trainer")
        schedule = keras.optimizers.schedules.CosineDecay(args.learning_rate, max(1, steps), alpha=0.01)
        trainer.compile(keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy",
                        metrics=["accuracy"])
        return trainer

    epochs, per_step = args.epochs, None
    if args.budget:
        probe = build_model("simple-cnn", shape, len(labels), dropout=args.dropout, width=args.width)
        epochs, per_step = _epoch_plan(trainer_for(probe, 1000), x_train, y_train, args.batch_size,
                                       args.budget, args.epochs, steps_per_epoch)
        del probe
    print(json.dumps({"event": "plan", "epochs": epochs, "steps_per_epoch": steps_per_epoch,
                      "seconds_per_step": per_step}), flush=True)

    keras.utils.set_random_seed(args.seed)
    model = build_model("simple-cnn", shape, len(labels), dropout=args.dropout, width=args.width)
    trainer = trainer_for(model, steps_per_epoch * epochs)
    history: list[dict[str, float]] = []
    best = {"val_accuracy": -1.0}
    deadline = args.deadline or 0.0

    class Progress(keras.callbacks.Callback):
        """Prints each epoch, keeps the best inference weights, stops at the deadline."""

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.began = time.time()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            row = {k: float(v) for k, v in (logs or {}).items()}
            row.update(epoch=epoch + 1, seconds=round(time.time() - self.began, 1))
            history.append(row)
            print(json.dumps({"event": "epoch", **row}), flush=True)
            if row.get("val_accuracy", 0.0) > best["val_accuracy"]:
                best.update(row)
                model.save_weights(str(out / f"partial-{WEIGHTS}"))
                os.replace(out / f"partial-{WEIGHTS}", out / WEIGHTS)
            if deadline and time.time() + row["seconds"] * 1.1 > deadline:
                print(json.dumps({"event": "stopped", "reason": "deadline", "epoch": epoch + 1}), flush=True)
                self.model.stop_training = True

    fit_started = time.time()
    trainer.fit(x_train, y_train, batch_size=args.batch_size, epochs=epochs, shuffle=True, verbose=0,
                validation_data=(x_val, y_val), validation_batch_size=1024,
                callbacks=[make_recalibration_callback(model, x_train, args.batch_size, args.seed), Progress()])
    fit_seconds = time.time() - fit_started
    model.load_weights(str(out / WEIGHTS))
    recalibrate_batchnorm(model, x_train, args.batch_size, seed=args.seed)
    probs = np.asarray(model.predict(x_val, batch_size=1024, verbose=0))
    top5 = np.argsort(-probs, axis=1)[:, :5]
    val = {"top1": float(np.mean(top5[:, 0] == y_val)), "top5": float(np.mean((top5 == y_val[:, None]).any(1)))}
    model.save_weights(str(out / f"partial-{WEIGHTS}"))
    os.replace(out / f"partial-{WEIGHTS}", out / WEIGHTS)
    record = {"command": shlex.join([sys.executable.rsplit("/", 1)[-1], "-m", "training.accelerated", *sys.argv[1:]]),
              "backend": keras.backend.backend(), "keras": keras.__version__, "hardware": _hardware(),
              "args": vars(args), "labels": len(labels), "train_samples": len(y_train), "val_samples": len(y_val),
              "epochs_planned": epochs, "epochs_run": len(history), "best_epoch": best.get("epoch"),
              "seconds": round(time.time() - started, 1), "fit_seconds": round(fit_seconds, 1),
              "val": val, "history": history}
    (out / RUN).write_text(json.dumps(record, indent=1), encoding="utf-8")
    print(json.dumps({"event": "done", "val": val, "seconds": record["seconds"]}), flush=True)
    return 0


def _hardware() -> str:
    try:
        import torch

        if torch.cuda.is_available():
            return f"{torch.cuda.get_device_name(0)} GPU, {platform.machine()} CPU x{os.cpu_count()}"
    except ImportError:
        pass
    return f"{platform.machine()} CPU x{os.cpu_count()}"


def bundle(args: argparse.Namespace) -> int:
    """Writes the bundle of a ``fit`` run (needs TensorFlow for the TFLite export)."""
    from core.preprocess import Preprocessing
    from training.augment import AugmentConfig
    from training.backbones import build_model
    from training.config import TrainConfig
    from training.data import ArraySplit, PreparedData
    from training.train import write_trained_bundle

    run_dir = Path(args.run)
    record = json.loads((run_dir / RUN).read_text(encoding="utf-8"))
    fitted = record["args"]
    labels = tuple((run_dir / LABELS).read_text(encoding="utf-8").splitlines())
    with np.load(run_dir / VAL, allow_pickle=False) as arrays:
        val = ArraySplit(arrays["x"], np.searchsorted(np.asarray(labels), arrays["y"]).astype(np.int64))
    test = None
    if args.test:
        from training.datasets.npz import load_npz

        arrays = load_npz(args.test)
        known = np.isin(arrays.y, np.asarray(labels))
        test = ArraySplit(arrays.x[known], np.searchsorted(np.asarray(labels), arrays.y[known]).astype(np.int64))
    config = TrainConfig(data=args.data, out=args.out, name=args.name, title=args.title, version=args.version,
                         epochs=int(record["epochs_run"]), batch_size=int(fitted["batch_size"]),
                         learning_rate=float(fitted["learning_rate"]), validation_size=len(val.y),
                         seed=int(fitted["seed"]), input_size=int(fitted["input_size"]), box=int(fitted["box"]),
                         stroke_ratio=float(fitted["stroke_ratio"]),
                         augment=AugmentConfig(**AUGMENTS[fitted["augment"]]), dropout=float(fitted["dropout"]),
                         width=int(fitted["width"]))
    spec = Preprocessing(size=config.input_size, box=config.box, stroke_ratio=config.stroke_ratio)
    model = build_model("simple-cnn", (config.input_size, config.input_size, 1), len(labels),
                        dropout=config.dropout, width=config.width)
    model.load_weights(str(run_dir / WEIGHTS))
    data = PreparedData(labels, ArraySplit(val.x[:0], val.y[:0]), val, test)
    origin = {"hardware": f"{record['hardware']} (KERAS_BACKEND={record['backend']}, keras {record['keras']})",
              "train_samples": int(record["train_samples"]), "accelerated": {
                  "fit_command": record["command"], "epochs_planned": record["epochs_planned"],
                  "best_epoch": record["best_epoch"], "fit_seconds": record["fit_seconds"],
                  "val_on_device": record["val"], "history": record["history"]}}
    command = f"{record['command']}  &&  {shlex.join(['python', '-m', 'training.accelerated', *sys.argv[1:]])}"
    result = write_trained_bundle(config, model, data, spec, float(record["seconds"]), command, origin=origin)
    print(json.dumps({"bundle": str(result.bundle), "metrics": result.metrics}, default=str))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.accelerated", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    f = commands.add_parser("fit", help="train on any Keras backend from the generator's shards")
    f.add_argument("--shards", required=True, help="comma-separated shard folders (training.synth.generate)")
    f.add_argument("--out", required=True, help="folder for the weights, labels, validation split, run.json")
    f.add_argument("--width", type=int, default=48, help="simple-cnn width")
    f.add_argument("--input-size", type=int, default=40, help="side of the model input")
    f.add_argument("--box", type=int, default=32, help="the ink box the data was made with (recorded)")
    f.add_argument("--stroke-ratio", type=float, default=0.07, help="the data's pen width ratio (recorded)")
    f.add_argument("--dropout", type=float, default=0.3)
    f.add_argument("--augment", choices=sorted(AUGMENTS), default="light")
    f.add_argument("--batch-size", type=int, default=512)
    f.add_argument("--learning-rate", type=float, default=4e-3, help="peak of the cosine-decayed rate")
    f.add_argument("--epochs", type=int, default=10, help="most epochs (fewer if --budget says so)")
    f.add_argument("--budget", type=float, default=0.0, help="seconds of training to plan the epochs for")
    f.add_argument("--deadline", type=float, default=0.0, help="Unix time after which no epoch starts")
    f.add_argument("--validation-size", type=int, default=20000)
    f.add_argument("--seed", type=int, default=1)
    b = commands.add_parser("bundle", help="write the bundle of a fit run (TensorFlow)")
    b.add_argument("--run", required=True, help="the folder fit wrote")
    b.add_argument("--out", required=True, help="the bundle folder to write")
    b.add_argument("--data", required=True, help="the training data's command or folder, recorded as the data")
    b.add_argument("--test", help="an NPZ test set (e.g. the held-out-font synthetic set)")
    b.add_argument("--name", default="japanese-coverage")
    b.add_argument("--title", default="")
    b.add_argument("--version", default="1.0.0")
    args = parser.parse_args(argv)
    try:
        return fit(args) if args.command == "fit" else bundle(args)
    except MojiyomiError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
