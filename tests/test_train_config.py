"""Training configs are checked before a run starts: types, ranges, and one preprocessing for data, model and run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.bundle import load_bundle
from core.errors import DatasetError, MojiyomiError
from core.preprocess import Preprocessing
from tests.test_bundle_safety import fake_bundle
from training.config import ConfigError, TrainConfig
from training.train import run_dir_for, spec_for, train

ROOT = Path(__file__).resolve().parents[1]


def _parse(*flags: str) -> Any:
    from mojiyomi.cli import build_parser

    return build_parser().parse_args(["train", *flags])


def _config_from(*flags: str) -> TrainConfig:
    from training.cli_train import config_from_args

    return config_from_args(_parse(*flags))


def _generated(folder: Path, size: int = 40, box: int = 32, stroke_ratio: float = 0.07,
               render_size: int = 112, **more: float) -> Path:
    """A generator-style NPZ with its manifest recording the preprocessing it was made with."""
    folder.mkdir(parents=True, exist_ok=True)
    x = np.zeros((12, size, size, 1), np.uint8)
    x[:, 4:size - 4, size // 2] = 255
    np.savez(folder / "synth.npz", x=x, y=np.array(list("ab") * 6))
    manifest = {"per_class": 6, "preprocessing": {"id": "fit-v1", "size": size, "box": box,
                                                  "stroke_ratio": stroke_ratio, "render_size": render_size,
                                                  **more}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder / "synth.npz"


def test_a_config_file_may_leave_data_and_out_to_the_flags(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"epochs": 1, "augment": {"zoom": 0.05}}')
    config = _config_from("--config", str(path), "--data", "d", "--out", "o", "--batch-size", "16")
    assert (config.epochs, config.batch_size, config.data, config.augment.zoom) == (1, 16, "d", 0.05)
    assert config.augment.rotation_deg == 10.0  # strengths left out keep their defaults


@pytest.mark.parametrize("text, message", [
    ('{"epochs": "ten"}', "epochs must be an integer. Received: epochs='ten'"),
    ("null", "must be a JSON object. Received: None"),
    ("[1, 2]", "must be a JSON object"),
    ('{"epochs": 1, "learnin_rate": 0.1}', "Unknown training config keys. Received: \\['learnin_rate'\\]"),
    ('{"augment": "strong"}', "augment must be an object"),
    ('{"augment": {"zoom": "big"}}', "augment.zoom must be a number"),
    ('{"augment": {"rotation_deg": 400}}', "too strong"),
    ('{"epochs": 1.5}', "epochs must be an integer"),
    ('{"epochs": true}', "epochs must be an integer"),
    ('{"epochs": 0}', "epochs=0"),
    ('{"epochs": 10000000}', "epochs=10000000"),
    ('{"batch_size": -4}', "batch_size=-4"),
    ('{"learning_rate": 0}', "learning_rate=0"),
    ('{"learning_rate": 1e400}', "learning_rate must be a finite number"),
    ('{"learning_rate": NaN}', "not allowed"),
    ('{"validation_size": -1}', "validation_size=-1"),
    ('{"input_size": 100000}', "input_size=100000"),
    ('{"seed": -1}', "seed=-1"),
    ('{"limit": 1}', "limit=1"),
    ('{"dropout": 1}', "dropout=1"),
    ('{"stroke_ratio": 0}', "stroke_ratio=0"),
    ('{"unfreeze_layers": -5}', "unfreeze_layers=-5"),
    ('{"name": 7}', "name must be a string"),
    ('{"split_by_writer": "yes"}', "split_by_writer must be true or false"),
    ('{"init_from": ["a"]}', "init_from must be a string"),
    ('{"limit": 12345678901234567890123456789012345}', "not allowed"),
    ("[" * 1000 + "]" * 1000, "nested too deeply"),
    ("{", "not valid JSON"),
])
def test_bad_config_files_are_one_config_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        _config_from("--config", str(path), "--data", "d", "--out", "o")


def test_a_config_file_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a regular file"):
        _config_from("--config", "/dev/zero", "--data", "d", "--out", "o")
    with pytest.raises(ConfigError, match="does not exist"):
        _config_from("--config", str(tmp_path / "missing.json"), "--data", "d", "--out", "o")


def test_bad_flags_are_one_config_error() -> None:
    with pytest.raises(ConfigError, match="epochs=0"):
        _config_from("--data", "d", "--out", "o", "--epochs", "0")
    with pytest.raises(ConfigError, match="learning_rate must be a finite number"):
        _config_from("--data", "d", "--out", "o", "--learning-rate", "nan")
    with pytest.raises(ConfigError, match="needs --out"):
        _config_from("--data", "d")


def test_from_json_checks_what_a_job_hands_over() -> None:
    good = TrainConfig(data="d", out="o").to_json()
    assert TrainConfig.from_json(good) == TrainConfig(data="d", out="o")
    for bad in (None, [good], {**good, "epochs": "2"}, {**good, "augment": None}, {"epochs": 1}):
        with pytest.raises(ConfigError):
            TrainConfig.from_json(bad)


def test_the_command_line_refuses_bad_configs_before_importing_tensorflow(tmp_path: Path) -> None:
    # One process for every case: each must print one line, exit 1, import no TensorFlow, leave no run folder.
    cases = ['{"epochs": "ten"}', "null", "[]", '{"augment": "strong"}', '{"epochs": 1, "bogus": 2}',
             "[" * 1000 + "]" * 1000, '{"batch_size": 0}']
    for i, text in enumerate(cases):
        (tmp_path / f"c{i}.json").write_text(text)
    script = f"""
import contextlib, io, sys
from mojiyomi.cli import main
for i in range({len(cases)}):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["train", "--config", r"{tmp_path}/c%d.json" % i, "--data", r"{tmp_path}", "--out",
                     r"{tmp_path}/out"])
    print(code, len(err.getvalue().strip().splitlines()), err.getvalue().strip().replace(chr(10), "|"))
print("tensorflow" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0, done.stderr
    assert lines[-1] == "False"
    for line in lines[:-1]:
        assert line.startswith("1 1 mojiyomi: error: "), line
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".json")) == []


def test_the_data_preprocessing_is_adopted_when_not_given(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = _generated(tmp_path / "gen")
    config = _config_from("--data", str(data), "--out", str(tmp_path / "out"))
    assert (config.input_size, config.box, config.stroke_ratio) == (40, 32, 0.07)
    assert "Using the data's preprocessing" in capsys.readouterr().err
    same = _config_from("--data", str(data), "--out", "o", "--box", "32", "--input-size", "40")
    assert (same.input_size, same.box, same.stroke_ratio) == (40, 32, 0.07)


def test_conflicting_preprocessing_is_refused(tmp_path: Path) -> None:
    data = _generated(tmp_path / "gen")
    with pytest.raises(DatasetError, match="Received: box=20, the data was made with box=32"):
        _config_from("--data", str(data), "--out", "o", "--box", "20")
    with pytest.raises(DatasetError, match="input_size=28, the data was made with input_size=40"):
        _config_from("--data", str(data), "--out", "o", "--input-size", "28")
    config_file = tmp_path / "c.json"
    config_file.write_text('{"stroke_ratio": 0.1}')
    with pytest.raises(DatasetError, match="stroke_ratio=0.1, the data was made with stroke_ratio=0.07"):
        _config_from("--config", str(config_file), "--data", str(data), "--out", "o")


def test_train_refuses_a_config_that_differs_from_its_data_before_opening_a_run(tmp_path: Path) -> None:
    data = _generated(tmp_path / "gen")
    out = tmp_path / "out"
    with pytest.raises(DatasetError, match="Received: box=20, the data was made with box=32"):
        train(TrainConfig(data=str(data), out=str(out), input_size=40, box=20, stroke_ratio=0.07))
    assert not out.exists() and not run_dir_for(out).exists()


def test_a_damaged_manifest_is_refused(tmp_path: Path) -> None:
    data = _generated(tmp_path / "gen")
    for text, message in (("[" * 1000 + "]" * 1000, "nested too deeply"), ('{"preprocessing": {"box": "x"}}', "not valid"),
                          ('{"preprocessing": 3}', "not valid"), ("[]", "must be a JSON object")):
        (tmp_path / "gen" / "manifest.json").write_text(text)
        with pytest.raises(DatasetError, match=message):
            _config_from("--data", str(data), "--out", "o")


def test_init_from_uses_the_parent_preprocessing_and_refuses_another(tiny_bundle: Path, tmp_path: Path) -> None:
    parent = load_bundle(tiny_bundle).preprocessing
    config = _config_from("--data", "d", "--out", "o", "--init-from", str(tiny_bundle))
    assert (config.input_size, config.box, config.stroke_ratio) == (parent.size, parent.box, parent.stroke_ratio)
    for flag, value in (("--box", parent.box - 2), ("--stroke-ratio", 0.2), ("--input-size", parent.size + 4)):
        with pytest.raises(ConfigError, match=f"Received: {flag[2:].replace('-', '_')}=.*the model was trained with"):
            _config_from("--data", "d", "--out", "o", "--init-from", str(tiny_bundle), flag, str(value))
    out = tmp_path / "out"
    with pytest.raises(MojiyomiError, match="the model was trained with box"):
        train(TrainConfig(data="d", out=str(out), init_from=str(tiny_bundle), input_size=parent.size,
                          box=parent.box - 2, stroke_ratio=parent.stroke_ratio))
    assert not run_dir_for(out).exists()


def test_only_data_classes_flag_needs_init_from(tiny_bundle: Path) -> None:
    flags = ("--data", "d", "--out", "o", "--init-from", str(tiny_bundle))
    assert _config_from(*flags, "--only-data-classes").only_data_classes
    assert not _config_from(*flags).only_data_classes
    with pytest.raises(ConfigError, match="only_data_classes keeps some of an init_from model's classes"):
        _config_from("--data", "d", "--out", "o", "--only-data-classes")


def test_init_from_and_data_made_otherwise_is_refused(tiny_bundle: Path, tmp_path: Path) -> None:
    data = _generated(tmp_path / "gen")
    with pytest.raises(DatasetError, match="the data was made with input_size=40"):
        _config_from("--data", str(data), "--out", "o", "--init-from", str(tiny_bundle))


def test_init_from_and_data_drawn_at_another_render_size_is_refused(tmp_path: Path) -> None:
    """The run keeps the model's render size: data drawn at another would train on ink the bundle never draws."""
    spec = Preprocessing(size=40, box=32, stroke_ratio=0.07)
    parent = str(fake_bundle(tmp_path / "parent", preprocessing=spec.to_json(), input_shape=[40, 40, 1]))
    data = _generated(tmp_path / "gen", render_size=64)
    message = "Received: render_size=64, the model's render_size=112"
    with pytest.raises(DatasetError, match=message):
        _config_from("--data", str(data), "--out", "o", "--init-from", parent)
    out = tmp_path / "out"
    with pytest.raises(DatasetError, match=message):
        train(TrainConfig(data=str(data), out=str(out), init_from=parent, input_size=40, box=32, stroke_ratio=0.07))
    assert not run_dir_for(out).exists()
    _generated(tmp_path / "gen", render_size=112)
    assert _config_from("--data", str(data), "--out", "o", "--init-from", parent).box == 32


@pytest.mark.parametrize("source", ["manifest", "init_from"])
def test_the_data_check_reads_with_the_preprocessing_the_run_bundles(
        source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`mojiyomi train` checks its data before a run with the spec the run trains with and bundles, not its own."""
    import training.cli_train

    made = Preprocessing(size=40, box=32, stroke_ratio=0.07, render_size=64, picture_stroke_ratio=0.16)
    flags = ["--out", str(tmp_path / "out")]
    if source == "manifest":  # the data was made at render size 64 with a broader picture pen
        flags += ["--data", str(_generated(tmp_path / "gen", render_size=64, picture_stroke_ratio=0.16))]
    else:
        np.savez(tmp_path / "plain.npz", x=np.zeros((4, 40, 40, 1), np.uint8), y=np.array(list("abab")))
        parent = fake_bundle(tmp_path / "parent", preprocessing=made.to_json(), input_shape=[40, 40, 1])
        flags += ["--data", str(tmp_path / "plain.npz"), "--init-from", str(parent)]
    seen: list[Preprocessing] = []

    def check(path: str, spec: Preprocessing, *args: object) -> int:
        seen.append(spec)
        raise DatasetError("stop before the run")

    monkeypatch.setattr(training.cli_train, "check_data", check)
    with pytest.raises(DatasetError, match="stop before the run"):
        training.cli_train.run_train_command(_parse(*flags), None)
    assert seen == [made] == [spec_for(_config_from(*flags))]
    assert not run_dir_for(tmp_path / "out").exists()


def test_a_bad_dataset_is_one_line_before_the_run_starts(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from mojiyomi.cli import main

    (tmp_path / "notes").write_text("not a dataset")
    np.savez(tmp_path / "bad.npz", x=np.zeros((4, 28, 28), np.uint8), y=np.array([0, 1, 2, 9]),
             labels=np.array(["a", "b", "c"]))
    (tmp_path / "ink.jsonl").write_text('{"strokes": [[[0, 0], [1, 1]]], "label": "a"}\n{"strokes": 3}\n')
    for data, message in (("notes", "not a dataset"), ("bad.npz", "0 <= y < 3"), ("ink.jsonl", "line 2")):
        out = tmp_path / "out"
        assert main(["train", "--data", str(tmp_path / data), "--out", str(out), "--epochs", "1"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err and err.startswith("mojiyomi: error: "), err
        assert not out.exists() and not run_dir_for(out).exists()
