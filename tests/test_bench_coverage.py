"""bench/bench_coverage.py: issue 15's goals for a bundle, groups, twins, the Digits filter, "not in model"."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from core.bundle import ModelBundle
from core.charsets import EXTRA_KANJI
from core.preprocess import Preprocessing
from core.recognizer import Recognizer

# bench/ is a folder of scripts, not a package: put it on the path for these tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import bench_coverage  # noqa: E402

LABELS = ("0", "1", "l", "あ", "亜", "弌", "A")


class AnswerInPixel(Recognizer):
    """Answers, for each input, the class whose index is written in its first pixel."""

    def predict(self, batch: np.ndarray) -> np.ndarray:
        out = np.full((len(batch), len(self.bundle.labels)), 0.01, np.float32)
        out[np.arange(len(batch)), batch[:, 0, 0, 0].astype(int)] = 0.9
        return out


class AlwaysL(Recognizer):
    """Reads everything as 'l', then '1', then '0' (a model that mistakes digits for letters)."""

    def predict(self, batch: np.ndarray) -> np.ndarray:
        row = np.asarray([0.1, 0.2, 0.5, 0.05, 0.05, 0.05, 0.05], np.float32)
        return np.tile(row, (len(batch), 1))


def _bundle(tmp_path: Path) -> ModelBundle:
    return ModelBundle(tmp_path, "fake", "0", LABELS, Preprocessing(size=8, box=6), (8, 8, 1), {})


def test_groups_follow_the_coverage_class_order() -> None:
    group = bench_coverage.class_group
    assert [group(c) for c in "0あーヶ々"] == ["digits"] + ["kana"] * 4
    assert (group("亜"), group("弌"), group(EXTRA_KANJI[0][0])) == ("level1", "level2", "extra")
    # 𠮟 (outside the BMP) was counted among the marks.
    assert {group(new) for new, _ in EXTRA_KANJI} == {"extra"}
    assert [group(c) for c in "Az、〇〆("] == ["latin", "latin"] + ["marks"] * 4
    assert group("€") == "other"


def test_synthetic_groups_twins_gap_and_classes_not_in_model(tmp_path: Path) -> None:
    recognizer = AnswerInPixel(_bundle(tmp_path))
    truth_answer = [("亜", "亜"), ("亜", "亜"), ("弌", "弌"), ("弌", "亜"), ("A", "A"), ("1", "l"), ("、", "0")]
    x = np.zeros((len(truth_answer), 8, 8, 1), np.uint8)
    x[:, 0, 0, 0] = [LABELS.index(a) for _, a in truth_answer]
    synth = bench_coverage.measure_synth(recognizer, x, [t for t, _ in truth_answer])
    # "、" has no class: counted, not scored
    assert synth["marks"] == {"n": 0, "not_in_model": 1, "top1": None, "top1_twins": None}
    assert synth["level1"]["top1"] == 1.0 and synth["level2"]["top1"] == 0.5
    assert synth["digits"]["top1"] == 0.0 and synth["digits"]["top1_twins"] == 1.0  # 'l' for '1' is a twin
    verdicts = {g.name: (g.value, g.verdict) for g in bench_coverage.goals({"synth": synth})}
    assert verdicts["synthetic level2 gap to level-1 kanji"] == (50.0, "FAIL")
    assert verdicts["synthetic extra gap to level-1 kanji"] == (None, "n/a")
    assert verdicts["synthetic latin top-1 counting twins"] == (1.0, "pass")
    assert verdicts["synthetic marks top-1 counting twins"] == (None, "n/a")


def test_mnist_counts_twins_and_the_digits_filter(tmp_path: Path) -> None:
    images = np.zeros((2, 28, 28), np.uint8)
    images[:, 6:22, 12:16] = 255  # a bar: ink the app's picture path accepts
    scores = bench_coverage.measure_mnist(AlwaysL(_bundle(tmp_path)), images, np.asarray([1, 0]))
    # '1' read as 'l': wrong, a twin, and right once letters are filtered out; '0' wrong in every way
    assert scores == {"n": 2, "top1": 0.0, "top1_twins": 0.5, "top1_digits_filter": 0.5}
    goals = {g.name: g.verdict for g in bench_coverage.goals({"mnist": scores})}
    assert goals["MNIST test top-1 with the Digits filter"] == "FAIL"


def test_command_measures_a_bundle_through_recognize(digits_bundle: Path, mnist_dir: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_coverage.main(["--model", str(digits_bundle), "--mnist", str(mnist_dir), "--parts", "mnist,size",
                                "--every", "500", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results["mnist"]["n"] == 20 and results["mnist"]["top1"] >= 0.9
    goals = {g["name"]: g for g in results["goals"]}
    assert goals["TFLite file"]["verdict"] == "pass" and "tomoe" not in results
