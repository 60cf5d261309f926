"""Errors of the training commands are the only line on stderr: none after a progress line or TensorFlow's start-up."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mojiyomi.cli import main

REPO = Path(__file__).resolve().parent.parent
from training.cli_train import TerminalProgress
from training.events import EpochEvent, StageEvent, StartEvent


def _damaged_npz(path: Path) -> Path:
    """An NPZ whose labels read fine (the check before a run passes) and whose pictures fail their CRC."""
    rng = np.random.default_rng(0)
    np.savez(path, x=(rng.random((60, 28, 28)) * 255).astype(np.uint8), y=np.arange(60) % 10)
    data = bytearray(path.read_bytes())
    data[2000] ^= 0xFF  # inside x.npy, stored first
    path.write_bytes(bytes(data))
    return path


def test_an_error_found_while_reading_data_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _damaged_npz(tmp_path / "set.npz")
    rc = main(["train", "--data", str(data), "--out", str(tmp_path / "out"), "--epochs", "1", "--limit", "48",
               "--validation-size", "8", "--batch-size", "16"])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert rc == 1
    assert len(lines) == 1 and lines[0].startswith("mojiyomi: error:") and "damaged" in lines[0], lines
    assert not (tmp_path / "out").exists()


def test_a_stage_line_is_shown_when_the_next_event_comes_or_the_stage_is_slow() -> None:
    stream = io.StringIO()
    progress = TerminalProgress(stream, patience=0.1)
    progress(StageEvent("Reading data"))
    assert stream.getvalue() == ""  # held back: an error now would be the only line
    progress(StageEvent("Training on 48 samples, 10 classes"))
    assert stream.getvalue() == "\nReading data\n"
    time.sleep(0.5)  # a slow stage is announced while it runs
    assert stream.getvalue().endswith("\nTraining on 48 samples, 10 classes\n")
    progress(StartEvent(1, 3))
    progress(EpochEvent(1, 1, {"loss": 0.5}))
    progress(StageEvent("Exporting and evaluating"))
    progress.finish(True)
    assert stream.getvalue().endswith("\nExporting and evaluating\n")


def test_a_failed_run_drops_its_held_back_stage_line() -> None:
    stream = io.StringIO()
    progress = TerminalProgress(stream, patience=0.1)
    progress(StageEvent("Reading data"))
    progress.finish(False)
    time.sleep(0.3)  # the timer was cancelled: nothing comes later either
    assert stream.getvalue() == ""


def test_export_refuses_a_bad_data_file_before_loading_tensorflow(tmp_path: Path) -> None:
    """``export --data`` named a FIFO: TensorFlow's six start-up lines came before the message."""
    os.mkfifo(tmp_path / "set.npz")
    script = ("import sys\nfrom mojiyomi.cli import main\n"
              "rc = main(['export', '--model', 'digits', '--format', 'tflite-float16', '--out', 'out.tflite',\n"
              "           '--data', 'set.npz'])\n"
              "print(rc, 'tensorflow' in sys.modules)\n")
    env = {**os.environ, "PYTHONPATH": str(REPO), "MOJIYOMI_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split() == ["1", "False"], done.stderr
    assert done.stderr.strip() == "mojiyomi: error: The NPZ dataset set.npz is not a regular file (it is a FIFO)."
    assert not (tmp_path / "out.tflite").exists()
