"""training.accelerated: the GPU path's fit (any Keras backend) and bundle (TensorFlow)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from training.accelerated import main


def test_fit_without_shards_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["fit", "--shards", str(tmp_path / "empty"), "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No part-*.npz shards" in err[0]


@pytest.mark.slow
def test_fit_then_bundle_gives_a_bundle_the_app_reads(tmp_path: Path) -> None:
    from core.bundle import load_bundle
    from core.recognizer import TFLiteRecognizer
    from tests.datagen import drawn_digits

    x, y = drawn_digits(120, seed=0, size=40)
    shards = tmp_path / "shards"
    shards.mkdir()
    np.savez(shards / "part-00000.npz", x=x[..., None], y=np.asarray([str(v) for v in y]))
    run = tmp_path / "run"
    assert main(["fit", "--shards", str(shards), "--out", str(run), "--width", "8", "--batch-size", "16",
                 "--epochs", "2", "--validation-size", "20"]) == 0
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert record["epochs_run"] == 2 and record["train_samples"] == 100 and record["labels"] == len(set(y))
    assert main(["bundle", "--run", str(run), "--out", str(tmp_path / "bundle"), "--data", "tiny shards",
                 "--name", "tiny"]) == 0
    bundle = load_bundle(tmp_path / "bundle")
    assert bundle.metadata["training"]["accelerated"]["epochs_planned"] == 2
    assert bundle.metadata["training"]["train_samples"] == 100
    probs = TFLiteRecognizer(bundle).predict(x[:4, ..., None].astype(np.float32))
    assert probs.shape == (4, len(bundle.labels))
