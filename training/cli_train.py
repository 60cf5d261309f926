"""``mojiyomi train``: builds a config from flags and runs it with a terminal progress bar."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from training.config import TrainConfig

_FLAG_FIELDS = ("data", "backbone", "out", "epochs", "limit", "batch_size", "learning_rate", "seed", "name",
                "title", "init_from", "strategy", "optimizer", "input_size", "weights", "adapter", "head",
                "stage2_epochs", "unfreeze_layers", "stage2_learning_rate", "early_stopping", "dropout",
                "validation_size")
_SWITCHES = ("bottleneck", "head_batchnorm", "split_by_writer")


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The run config: ``--config`` file if given, then each flag that was set."""
    base: dict[str, Any] = TrainConfig.load(args.config).to_json() if args.config else {}
    for key in _FLAG_FIELDS:
        value = getattr(args, key, None)
        if value is not None:
            base[key] = value
    for key in _SWITCHES:
        if getattr(args, key, False):
            base[key] = True
    if getattr(args, "input_size", None) and "box" not in base:
        base["box"] = max(8, round(args.input_size * 20 / 28))  # MNIST's 20-in-28 framing at any size
    for required in ("data", "out"):
        if not base.get(required):
            raise ValueError(f"mojiyomi train needs --{required}.")
    return TrainConfig.from_json(base)


class TerminalProgress:
    """Draws a one-line progress bar on stderr from training events."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.start = time.time()
        self.epoch = 0
        self.epochs = 1

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "stage":
            self.stream.write(f"\n{event['text']}\n")
        elif kind == "start":
            self.epochs = event.get("epochs") or 1
            self.epoch = 0
        elif kind == "batch":
            steps = event.get("steps") or 1
            done = (self.epoch + event["batch"] / steps) / self.epochs
            bar = "#" * int(30 * done)
            elapsed = time.time() - self.start
            eta = elapsed / done - elapsed if done > 0 else 0
            logs = event.get("logs", {})
            self.stream.write(f"\repoch {self.epoch + 1}/{self.epochs} [{bar:<30}] {done:6.1%} "
                              f"loss {logs.get('loss', 0):.4f} acc {logs.get('accuracy', 0):.4f} "
                              f"ETA {eta:5.0f}s ")
        elif kind == "epoch":
            self.epoch = event["epoch"]
            logs = event.get("logs", {})
            self.stream.write(f"\repoch {self.epoch}/{self.epochs} loss {logs.get('loss', 0):.4f} "
                              f"acc {logs.get('accuracy', 0):.4f} val_loss {logs.get('val_loss', 0):.4f} "
                              f"val_acc {logs.get('val_accuracy', 0):.4f} ({time.time() - self.start:.0f}s)"
                              + " " * 20 + "\n")
        self.stream.flush()


def run_train_command(args: argparse.Namespace, command: str | None) -> int:
    """Runs ``mojiyomi train``; prints a JSON summary last with ``--json``."""
    from training.train import run_dir_for, train

    if getattr(args, "resume", False):
        if not args.out:
            raise ValueError("mojiyomi train --resume needs --out (the bundle folder of the interrupted run).")
        saved = run_dir_for(args.out) / "config.json"
        if not saved.is_file():
            raise ValueError(f"There is no interrupted run to resume for {args.out} (no {saved}).")
        config = TrainConfig.load(saved)
    else:
        config = config_from_args(args)
    result = train(config, TerminalProgress(), command=command, resume=getattr(args, "resume", False))
    if result.bundle is None:
        print(f"worker finished its part in {result.seconds:.0f}s (the chief writes the bundle)")
        return 0
    print(f"wrote {result.bundle}: val top-1 {result.val_top1:.4%}"
          + (f", test top-1 {result.test_top1:.4%}" if result.test_top1 is not None else "")
          + f" in {result.seconds:.0f}s")
    if args.json:
        print(json.dumps({"bundle": str(result.bundle), "val_top1": result.val_top1,
                          "test_top1": result.test_top1, "seconds": round(result.seconds, 1)}))
    return 0
