"""ONNX exports checked against Keras with onnxruntime; the TensorFlow.js converter run as an outside tool."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.bundle import load_bundle, resolve_model
from core.errors import BundleError
from core.paths import bundled_models_dir
from tests.tinymodel import make_tiny_bundle, random_batch
from training.export import ExportCheck, check_export, export_bundle, export_target

pytest.importorskip("onnxruntime")
pytest.importorskip("tf2onnx")

from training.export_onnx import (  # noqa: E402
    TFJS_ENV,
    ExportToolError,
    describe,
    read_description,
    run_onnx,
    to_onnx,
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, object]:
    import keras

    bundle = load_bundle(make_tiny_bundle(tmp_path_factory.mktemp("tiny") / "tiny", labels=tuple("abcdefghij")))
    return bundle, keras.saving.load_model(bundle.keras_path, compile=False)


def test_onnx_answers_as_keras_and_carries_the_bundle(tiny: tuple) -> None:
    bundle, model = tiny
    content = to_onnx(model, describe(bundle))
    x = random_batch(64, seed=3)
    keras_probs = np.asarray(model(x))
    onnx_probs = run_onnx(content, x, batch=20)  # batches of another size than the export saw
    assert onnx_probs.shape == keras_probs.shape
    assert np.abs(onnx_probs - keras_probs).max() <= 1e-4
    assert (onnx_probs.argmax(1) == keras_probs.argmax(1)).all()
    meta = read_description(content)
    assert meta["labels"] == list("abcdefghij")
    assert meta["preprocessing"] == bundle.preprocessing.to_json() and meta["input_shape"] == [28, 28, 1]
    check = check_export(model, content, "onnx", x, keras_probs.argmax(1))
    assert check.agreement == 1.0 and check.within_budget and check.max_prob_diff is not None


def test_onnx_check_that_differs_warns() -> None:
    assert not ExportCheck("onnx", 100, 1.0, 0.9, 0.9, 10, 2e-4).within_budget
    assert "WARNING" in ExportCheck("onnx", 100, 0.99, 0.9, 0.9, 10, 1e-6).summary()
    assert ExportCheck("onnx", 100, 1.0, 0.9, 0.9, 10, 1e-5).within_budget


def test_digits_export_written_beside_with_its_description(tmp_path: Path) -> None:
    bundle = resolve_model("digits")
    path, check = export_bundle(bundle, "onnx", tmp_path / "out" / "digits.onnx")
    assert check is not None and check.within_budget, check.summary()
    assert check.n >= 100 and check.agreement == 1.0
    assert path.stat().st_size == check.bytes
    side = json.loads((tmp_path / "out" / "digits.onnx.json").read_text(encoding="utf-8"))
    assert side == read_description(path.read_bytes())
    assert side["labels"] == list(bundle.labels)


def test_bundled_models_are_never_written(tmp_path: Path) -> None:
    bundle = resolve_model("digits")
    target = export_target(bundle, "onnx")
    assert target.name == "model.onnx" and not target.resolve().is_relative_to(bundled_models_dir().resolve())
    with pytest.raises(BundleError, match="never modified"):
        export_target(bundle, "onnx", bundled_models_dir() / "digits" / "model.onnx")
    with pytest.raises(BundleError, match="folder"):
        export_target(bundle, "onnx", tmp_path)


def test_missing_converter_says_how_to_install(tiny: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tf2onnx", None)
    with pytest.raises(ExportToolError, match=r"pip install 'mojiyomi\[export\]'"):
        export_bundle(tiny[0], "onnx")


def test_tfjs_without_converter_says_how_to_get_it(tiny: tuple, monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    monkeypatch.delenv(TFJS_ENV, raising=False)
    with pytest.raises(ExportToolError, match="separate environment"):
        export_bundle(tiny[0], "tfjs", tmp_path / "js")
    monkeypatch.setenv(TFJS_ENV, str(tmp_path / "nothing"))
    with pytest.raises(ExportToolError, match="no executable"):
        export_bundle(tiny[0], "tfjs", tmp_path / "js")
    assert not (tmp_path / "js").exists()


def _fake_converter(folder: Path, body: str) -> Path:
    """An executable standing in for tensorflowjs_converter (the real one lives in another venv)."""
    script = folder / "tensorflowjs_converter"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_tfjs_runs_the_outside_converter_on_a_saved_model(tiny: tuple, monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    # Records its arguments and checks it was handed a SavedModel, as the real converter expects.
    log = tmp_path / "args.txt"
    body = (f'echo "$@" > {log}; for last; do :; done; src=""; for a; do case "$a" in --*) ;; *) '
            f'[ -z "$src" ] && src="$a";; esac; done; test -f "$src/saved_model.pb" || exit 3; '
            f'mkdir -p "$last" && echo "{{}}" > "$last/model.json"')
    monkeypatch.setenv(TFJS_ENV, str(_fake_converter(tmp_path, body)))
    path, check = export_bundle(tiny[0], "tfjs", tmp_path / "js")
    assert check is None and path == tmp_path / "js"
    assert (path / "model.json").is_file()
    assert json.loads((path / "mojiyomi.json").read_text(encoding="utf-8"))["labels"] == list("abcdefghij")
    assert "--input_format=tf_saved_model" in log.read_text()
    assert not [name for name in os.listdir(tmp_path) if name.startswith("mojiyomi-tfjs-")]  # staging removed


def test_tfjs_converter_failure_leaves_nothing(tiny: tuple, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(TFJS_ENV, str(_fake_converter(tmp_path, "echo 'no op Foo' >&2; exit 2")))
    with pytest.raises(ExportToolError, match="no op Foo"):
        export_bundle(tiny[0], "tfjs", tmp_path / "js")
    assert not (tmp_path / "js").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("mojiyomi-tfjs-")]


def test_tfjs_never_replaces_a_folder_of_the_user(tiny: tuple, monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    monkeypatch.setenv(TFJS_ENV, str(_fake_converter(tmp_path, "exit 0")))
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(BundleError, match="not an earlier"):
        export_bundle(tiny[0], "tfjs", tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


TOMOE = Path(__file__).resolve().parents[2] / "shared" / "data" / "tomoe" / "all.tdic"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["onnx", "tflite-float32"])
def test_japanese_exports_agree_with_keras_on_1000_tomoe_samples(fmt: str, tmp_path: Path) -> None:
    if not TOMOE.is_file():
        pytest.skip(f"Tomoe is not at {TOMOE}")
    # A fifth of what is read calibrates (int8 only) and stays out of the check: 1,260 read, over 1,000 checked.
    _, check = export_bundle(resolve_model("japanese"), fmt, tmp_path / f"ja.{fmt}", str(TOMOE), limit=1260)
    assert check is not None and check.n >= 1000
    assert check.agreement == 1.0, check.summary()
    assert fmt != "onnx" or (check.max_prob_diff is not None and check.max_prob_diff <= 1e-4), check.summary()


def test_cli_writes_onnx_and_reports_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mojiyomi.cli import main

    assert main(["export", "--model", "digits", "--format", "onnx", "--out", str(tmp_path / "d.onnx"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["format"] == "onnx" and report["agreement"] == 1.0 and report["within_budget"]
    assert report["max_prob_diff"] <= 1e-4 and (tmp_path / "d.onnx.json").is_file()


def test_cli_without_converter_says_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from mojiyomi.cli import main

    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    assert main(["export", "--model", "digits", "--format", "onnx", "--out", str(tmp_path / "d.onnx")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install 'mojiyomi[export]'" in err
    assert not (tmp_path / "d.onnx").exists()


_TFJS_RUNNER = """
const fs = require("fs"), path = require("path");
const [modules, folder] = process.argv.slice(1);
const tf = require(path.join(modules, "@tensorflow/tfjs-core"));
require(path.join(modules, "@tensorflow/tfjs-backend-cpu"));
const converter = require(path.join(modules, "@tensorflow/tfjs-converter"));
(async () => {
  await tf.setBackend("cpu");
  const json = JSON.parse(fs.readFileSync(path.join(folder, "model.json"), "utf8"));
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(folder, p))));
  const data = Buffer.concat(buffers);
  const model = await converter.loadGraphModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.length) }));
  const job = JSON.parse(fs.readFileSync(0, "utf8"));
  const out = model.predict(tf.tensor(job.x, job.shape, "float32"));
  process.stdout.write(JSON.stringify(Array.from(await out.data())));
})().catch((e) => { console.error(e); process.exit(1); });
"""


@pytest.mark.slow
def test_tfjs_export_answers_as_keras_in_node(tmp_path: Path) -> None:
    # Needs the converter's own venv and a folder of node_modules holding @tensorflow/tfjs-core,
    # -backend-cpu and -converter (npm install them anywhere): neither belongs in this environment.
    modules = os.environ.get("MOJIYOMI_TFJS_NODE_MODULES")
    if not (os.environ.get(TFJS_ENV) and modules and shutil.which("node")):
        pytest.skip(f"set {TFJS_ENV} and MOJIYOMI_TFJS_NODE_MODULES (and install node) to run")
    import keras

    bundle = resolve_model("digits")
    path, _ = export_bundle(bundle, "tfjs", tmp_path / "digits.tfjs")
    model = keras.saving.load_model(bundle.keras_path, compile=False)
    x = random_batch(32, seed=5)
    job = json.dumps({"x": x.ravel().tolist(), "shape": list(x.shape)})
    done = subprocess.run([str(shutil.which("node")), "-e", _TFJS_RUNNER, modules, str(path)], input=job,
                          capture_output=True, text=True, timeout=300, check=True)
    js = np.asarray(json.loads(done.stdout), dtype=np.float32).reshape(len(x), -1)
    keras_probs = np.asarray(model(x))
    assert (js.argmax(1) == keras_probs.argmax(1)).all()
    assert np.abs(js - keras_probs).max() <= 1e-4
