"""TensorFlow is an optional extra: without it, training commands say how to add it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from mojiyomi import cli


@pytest.mark.parametrize("argv", [
    ["train", "--data", "DATA", "--backbone", "simple-cnn", "--out", "OUT"],
    ["finetune", "--model", "digits", "--samples", "DATA"],
    ["export", "--model", "digits", "--format", "tflite-float32"],
])
def test_training_commands_without_tensorflow_say_how_to_install_it(
        argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("keras", "tensorflow") else real(name, *a))
    argv = [str(tmp_path / a) if a in ("DATA", "OUT") else a for a in argv]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'mojiyomi[train]'" in err[0]
    assert not (tmp_path / "OUT").exists()


def test_recognizing_never_needs_tensorflow(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; from mojiyomi.cli import main; "
            "rc = main(['recognize', '--model', 'digits', sys.argv[1]]); "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TF was imported'; "
            "sys.exit(rc)")
    ink = tmp_path / "one.json"
    ink.write_text('{"width": 100, "height": 100, "strokes": [[[50, 10], [50, 90]]]}')
    done = subprocess.run([sys.executable, "-c", code, str(ink)], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr


@pytest.mark.usefixtures("settings_in_tmp")
@pytest.mark.parametrize("action", ["train_new", "finetune"])
def test_the_training_menu_without_tensorflow_says_how_to_add_it(
        action: str, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMainWindow, QMessageBox

    from desktop import finetune_dialog, train_dialogs
    from desktop.training_ui import TrainingController

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("keras", "tensorflow") else real(name, *a))
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: said.append(text))
    opened: list[str] = []
    monkeypatch.setattr(train_dialogs.TrainDialog, "exec", lambda self: opened.append("train") or 0)
    monkeypatch.setattr(finetune_dialog.FinetuneDialog, "exec", lambda self: opened.append("finetune") or 0)
    window = QMainWindow()
    qtbot.addWidget(window)
    getattr(TrainingController(window), action)()
    assert len(said) == 1 and "pip install 'mojiyomi[train]'" in said[0]
    assert opened == []
