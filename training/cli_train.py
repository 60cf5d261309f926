"""``mojiyomi train``: builds a config from flags and runs it with a terminal progress bar."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from typing import Any

from core.bundle import load_bundle
from training.config import ConfigError, TrainConfig, augment_from_json, config_fields, read_config_file
from training.data import check_data
from training.evaluate import bundle_verdict
from training.events import BatchEvent, EpochEvent, Event, StageEvent, StartEvent, fraction_done, seconds_left
from training.spec_check import SPEC_FIELDS, adopt_spec
from training.train import run_dir_for, spec_for, train

_FLAG_FIELDS = ("data", "backbone", "out", "epochs", "limit", "batch_size", "learning_rate", "seed", "name",
                "title", "init_from", "strategy", "optimizer", "input_size", "weights", "adapter", "head",
                "stage2_epochs", "unfreeze_layers", "stage2_learning_rate", "early_stopping", "dropout",
                "validation_size", "box", "stroke_ratio", "width", "data_format")
_SWITCHES = ("bottleneck", "head_batchnorm", "split_by_writer", "only_data_classes")


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The run config: ``--config`` file if given, then each flag that was set.

    Preprocessing left out (``--input-size``, ``--box``, ``--stroke-ratio``) is taken from
    the ``--init-from`` model or the data's manifest, and a line on stderr says so; given
    values that differ from theirs are an error.

    Raises:
        ConfigError: if the config file or the flags do not make a valid config.
        DatasetError: if the given preprocessing differs from the data's.
    """
    base: dict[str, Any] = read_config_file(args.config) if args.config else {}
    for key in _FLAG_FIELDS:
        value = getattr(args, key, None)
        if value is not None:
            base[key] = value
    stage1 = getattr(args, "stage1_epochs", None)
    if stage1 is not None:
        if getattr(args, "epochs", None) not in (None, stage1):
            raise ConfigError(f"--stage1-epochs is another name for --epochs; give one of them. "
                              f"Received: --epochs {args.epochs} --stage1-epochs {stage1}")
        base["epochs"] = stage1
    for key in _SWITCHES:
        if getattr(args, key, False):
            base[key] = True
    augment = getattr(args, "augment", None)
    if augment is not None:
        base["augment"] = parse_augment(augment)
    for required in ("data", "out"):
        if not base.get(required):
            raise ConfigError(f"mojiyomi train needs --{required} (or {required!r} in --config).")
    base = config_fields(base)
    base, adopted = adopt_spec(base, set(base) & set(SPEC_FIELDS))
    if adopted:
        print(f"mojiyomi: {adopted}", file=sys.stderr)
    if isinstance(base.get("input_size"), int) and "box" not in base:
        base["box"] = max(8, round(base["input_size"] * 20 / 28))  # MNIST's 20-in-28 framing at any size
    return TrainConfig.from_json(base)


AUGMENT_PRESETS = {"none": {"rotation_deg": 0.0, "zoom": 0.0, "translation": 0.0, "shear": 0.0},
                   "light": {"rotation_deg": 3.0, "zoom": 0.0, "translation": 0.0, "shear": 0.0}}


def parse_augment(text: str) -> dict[str, float]:
    """``--augment``: ``default``, ``light``, ``none`` or ``rotation_deg=5,zoom=0.05,...``."""
    from dataclasses import fields

    from training.augment import AugmentConfig

    if text == "default":
        return AugmentConfig().to_json()
    if text in AUGMENT_PRESETS:
        return dict(AUGMENT_PRESETS[text])
    known = {f.name for f in fields(AugmentConfig)}
    values = AugmentConfig().to_json()
    for part in filter(None, text.split(",")):
        key, _, value = part.partition("=")
        try:
            if key.strip() not in known:
                raise ValueError
            values[key.strip()] = float(value)
        except ValueError:
            raise ConfigError(f"--augment takes default, light, none or KEY=VALUE pairs with keys {sorted(known)}. "
                              f"Received: {text!r}") from None
    augment_from_json(values)  # checks the strengths
    return values


class TerminalProgress:
    """Draws a one-line progress bar on stderr from training events.

    A stage's line ("Reading data") is held back until the next event or ``patience``
    seconds, and dropped when the run fails before either (``finish(False)``): an error
    found at once while reading stays the only line on stderr, and a slow stage is still
    announced while it runs.
    """

    def __init__(self, stream: Any = None, patience: float = 2.0) -> None:
        self.stream = stream or sys.stderr
        self.start = time.time()
        self.epoch = 0
        self.first = 0
        self.first_batch = 0
        self.fit_start = self.start
        self.epochs = 1
        self.patience = patience
        self._pending: str | None = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._show_pending()
            if isinstance(event, StageEvent):
                self._pending = f"\n{event.text}\n"
                self._timer = threading.Timer(self.patience, self._timeout, args=(self._pending,))
                self._timer.daemon = True
                self._timer.start()
            else:
                self._draw(event)

    def finish(self, succeeded: bool) -> None:
        """Shows a held-back stage line if the run succeeded; drops it if it failed."""
        with self._lock:
            if succeeded:
                self._show_pending()
            self._pending = None
            self._stop_timer()

    def _timeout(self, line: str) -> None:
        with self._lock:
            if self._pending is line:  # not a later stage's line, which has its own timer
                self._show_pending()

    def _show_pending(self) -> None:
        self._stop_timer()
        if self._pending is not None:
            self.stream.write(self._pending)
            self.stream.flush()
            self._pending = None

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _draw(self, event: Event) -> None:
        if isinstance(event, StartEvent):
            self.epochs = event.epochs or 1
            self.epoch = self.first = event.first_epoch
            self.first_batch = event.first_batch
            self.fit_start = time.time()
        elif isinstance(event, BatchEvent):
            done = fraction_done(self.epoch, event.batch, event.steps, self.epochs)
            bar = "#" * int(30 * done)
            # from this fit's pace (a resumed run's epochs and batches before it excluded)
            began = fraction_done(self.first, self.first_batch, event.steps, self.epochs)
            eta = seconds_left(time.time() - self.fit_start, done, began) or 0.0
            logs = event.logs
            self.stream.write(f"\r{_stage(event)}epoch {self.epoch + 1}/{self.epochs} [{bar:<30}] {done:6.1%} "
                              f"loss {logs.get('loss', 0):.4f} acc {logs.get('accuracy', 0):.4f} "
                              f"ETA {eta:5.0f}s ")
        elif isinstance(event, EpochEvent):
            self.epoch = event.epoch
            logs = event.logs
            self.stream.write(f"\r{_stage(event)}epoch {self.epoch}/{self.epochs} loss {logs.get('loss', 0):.4f} "
                              f"acc {logs.get('accuracy', 0):.4f} val_loss {logs.get('val_loss', 0):.4f} "
                              f"val_acc {logs.get('val_accuracy', 0):.4f} ({time.time() - self.start:.0f}s)"
                              + " " * 20 + "\n")
        self.stream.flush()


def _stage(event: BatchEvent | EpochEvent) -> str:
    """``stage 2 `` before the epoch counter of a second stage (epochs count again from 1)."""
    return f"stage {event.stage} " if (event.stage or 1) > 1 else ""


def run_train_command(args: argparse.Namespace, command: str | None) -> int:
    """Runs ``mojiyomi train``; prints a JSON summary last with ``--json``."""
    if getattr(args, "resume", False):
        if not args.out:
            raise ConfigError("mojiyomi train --resume needs --out (the bundle folder of the interrupted run).")
        saved = run_dir_for(args.out) / "config.json"
        if not saved.is_file():
            raise ValueError(f"There is no interrupted run to resume for {args.out} (no {saved}).")
        config = TrainConfig.load(saved)
    else:
        config = config_from_args(args)
        # A bad dataset is one line, before the run prints its first stage or imports TensorFlow;
        # it is read with the preprocessing the run will use (training.train imports no TensorFlow).
        check_data(config.data, spec_for(config), config.limit, config.data_format)
    progress = TerminalProgress()
    try:
        result = train(config, progress, command=command, resume=getattr(args, "resume", False))
    except BaseException:
        progress.finish(False)
        raise
    progress.finish(True)
    if result.bundle is None:
        print(f"worker finished its part in {result.seconds:.0f}s (the chief writes the bundle)")
        return 0
    verdict = bundle_verdict(load_bundle(result.bundle))
    print(f"wrote {result.bundle}: val top-1 {result.val_top1:.4%}"
          + (f", test top-1 {result.test_top1:.4%}" if result.test_top1 is not None else "")
          + f" in {result.seconds:.0f}s")
    if verdict.near_chance:
        print(f"WARNING: {verdict.reason}")
    if args.json:
        print(json.dumps({"bundle": str(result.bundle), "val_top1": result.val_top1,
                          "test_top1": result.test_top1, "seconds": round(result.seconds, 1),
                          "verdict": verdict.to_json()}))
    return 0
