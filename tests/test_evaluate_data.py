"""`mojiyomi evaluate` and evaluate_dataset: scores on any dataset format, with what was left out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.bundle import load_bundle
from core.errors import DatasetError
from core.ink import write_ink_dataset
from core.recognizer import open_recognizer
from mojiyomi.cli import main
from training.datasets import read_samples
from training.evaluate_data import evaluate_dataset
from tests.datagen import write_etl, write_image_folder, write_mnist_like
from tests.strokefont import writer_samples

KEYS = {"top1", "top5", "macro_f1", "ms_per_sample", "n", "n_unknown_label", "n_unreadable"}


def last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def test_evaluate_command_on_an_idx_folder(tmp_path: Path, tiny_bundle: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    data = write_mnist_like(tmp_path / "mnist", n_train=10, n_test=50)
    assert main(["evaluate", "--model", str(tiny_bundle), "--data", str(data), "--json"]) == 0
    result = last_json(capsys.readouterr().out)
    assert KEYS <= set(result) and result["n"] == 50 and result["n_unknown_label"] == 0
    assert 0 <= result["top1"] <= result["top5"] <= 1 and result["ms_per_sample"] > 0


def test_evaluate_command_leaves_out_unknown_labels(tmp_path: Path, tiny_bundle: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    inks = writer_samples(1, seed=0, slant=0.0, squash=1.0)
    write_ink_dataset([*inks, inks[0].with_label("字"), inks[1].with_label("字")], tmp_path / "ink.jsonl")
    assert main(["evaluate", "--model", str(tiny_bundle), "--data", str(tmp_path / "ink.jsonl"), "--json"]) == 0
    out = capsys.readouterr().out
    assert "2 with labels the model does not know left out" in out
    result = last_json(out)
    assert result["n"] == 10 and result["n_unknown_label"] == 2


def test_evaluate_command_on_etl_files(tmp_path: Path, tiny_bundle: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    write_etl(tmp_path / "ETL8B2C1", "ETL8B", "0123456789あ", sheets=3)  # JIS full-width digits, and a kana
    assert main(["evaluate", "--model", str(tiny_bundle), "--data", str(tmp_path / "ETL8B2C1"), "--json"]) == 0
    result = last_json(capsys.readouterr().out)
    assert result["n"] == 30 and result["n_unknown_label"] == 3 and KEYS <= set(result)


def test_evaluate_command_on_a_missing_path(tmp_path: Path, tiny_bundle: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--model", str(tiny_bundle), "--data", str(tmp_path / "nothing")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_scores_match_the_recognizer_on_the_same_inputs(tmp_path: Path, tiny_bundle: Path) -> None:
    folder = write_image_folder(tmp_path / "pics", n=40, seed=2, corrupt=1)
    recognizer = open_recognizer(load_bundle(tiny_bundle))
    scores = evaluate_dataset(recognizer, str(folder))
    samples = read_samples(folder, recognizer.bundle.preprocessing)
    probs = recognizer.predict_many(samples.x.astype(np.float32))
    predicted = [recognizer.bundle.labels[i] for i in probs.argmax(axis=1)]
    assert scores.n == 40 and scores.unreadable == 1
    assert scores.top1 == pytest.approx(np.mean([p == t for p, t in zip(predicted, samples.y)]))


def test_one_class_can_be_evaluated_but_unknown_labels_only_cannot(tmp_path: Path, tiny_bundle: Path) -> None:
    recognizer = open_recognizer(load_bundle(tiny_bundle))
    inks = [ink for ink in writer_samples(3, seed=1, slant=0.0, squash=1.0) if ink.label == "4"]
    write_ink_dataset(inks, tmp_path / "fours.jsonl")
    assert evaluate_dataset(recognizer, str(tmp_path / "fours.jsonl")).n == 3
    write_ink_dataset([ink.with_label("亜") for ink in inks], tmp_path / "kanji.jsonl")
    with pytest.raises(DatasetError, match="None of the 3 samples.*has a label the model tiny knows"):
        evaluate_dataset(recognizer, str(tmp_path / "kanji.jsonl"))


def test_digits_model_on_written_digits(tmp_path: Path, digits_bundle: Path) -> None:
    write_ink_dataset(writer_samples(10, seed=3, slant=0.1, squash=0.9), tmp_path / "ink.jsonl")
    scores = evaluate_dataset(open_recognizer(load_bundle(digits_bundle)), str(tmp_path / "ink.jsonl"))
    assert scores.n == 100 and scores.top1 >= 0.8 and scores.top5 >= scores.top1


def test_digits_model_on_the_mnist_test_set(digits_bundle: Path, mnist_dir: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--model", str(digits_bundle), "--data", str(mnist_dir), "--json"]) == 0
    result = last_json(capsys.readouterr().out)
    assert result["n"] == 10000 and result["top1"] >= 0.995 and result["macro_f1"] >= 0.995


def test_evaluate_can_record_its_scores_in_the_bundle(tmp_path: Path, tiny_bundle: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    bundle = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, bundle)
    data = write_mnist_like(tmp_path / "mnist", n_train=10, n_test=40)
    assert main(["evaluate", "--model", str(bundle), "--data", str(data), "--record", "mnist_test",
                 "--reports", str(tmp_path / "reports"), "--json"]) == 0
    result = last_json(capsys.readouterr().out)
    recorded = load_bundle(bundle).metrics["mnist_test"]
    assert recorded["top1"] == result["top1"] and recorded["n"] == 40 and recorded["data"] == str(data)
    assert "--record mnist_test" in recorded["command"]
    assert (tmp_path / "reports" / "confusion.png").is_file() and (tmp_path / "reports" / "per_class.csv").is_file()


def test_evaluate_scores_the_app_ranking_apart_from_the_raw_model() -> None:
    from types import SimpleNamespace

    from core.recognizer import Recognizer
    from training.evaluate import score
    from training.evaluate_data import app_scores

    class Fixed(Recognizer):
        def predict(self, batch: np.ndarray) -> np.ndarray:
            raise AssertionError("scored from the probabilities already computed")

    recognizer = Fixed(SimpleNamespace(labels=("つ", "っ", "a")))
    # Small っ written small: the model cannot tell it from つ, the app's size cue can.
    probs = np.array([[0.6, 0.4, 0.0], [0.6, 0.4, 0.0], [0.1, 0.1, 0.8]], np.float32)
    y = np.array([1, 0, 2])
    app = app_scores(recognizer, probs, y, ["small", "large", None])
    assert score(probs, y).top1 == pytest.approx(2 / 3)  # the raw model misses the small っ
    assert (app.top1, app.top5, app.size_cue) == (1.0, 1.0, True)
    assert app_scores(recognizer, probs, y, None).top1 == pytest.approx(2 / 3)  # pictures: no cue


def test_evaluate_prints_the_app_figures_and_the_raw_ones(tiny_bundle: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from core.ink import write_ink_dataset
    from tests.strokefont import writer_samples

    write_ink_dataset(writer_samples(2, seed=3, slant=0.0, squash=1.0), tmp_path / "ink.jsonl")
    assert main(["evaluate", "--model", str(tiny_bundle), "--data", str(tmp_path / "ink.jsonl"), "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "as the app shows it (size cue and same-shape twins): top1=" in out[1]
    assert out[2].startswith("  raw model (probabilities as they are): top1=")
    summary = json.loads(out[-1])
    assert summary["app"]["n"] == summary["n"] == 20 and summary["app"]["size_cue"] is True
