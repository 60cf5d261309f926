"""bench/coverage_confusions.py: twin and other misreadings per group, where MNIST's misread digits go."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np

from core.bundle import ModelBundle
from core.preprocess import Preprocessing
from core.recognizer import Recognizer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import coverage_confusions  # noqa: E402

LABELS = ("0", "1", "l", "O", "o", "A", "a", "、", ",", "亜")


class AnswerInPixel(Recognizer):
    """Answers, for each input, the class whose index is written in its first pixel."""

    def predict(self, batch: np.ndarray) -> np.ndarray:
        out = np.full((len(batch), len(self.bundle.labels)), 0.01, np.float32)
        out[np.arange(len(batch)), batch[:, 0, 0, 0].astype(int)] = 0.9
        return out


def test_twins_are_told_from_other_misreadings() -> None:
    twins, others = coverage_confusions.confusions(["O", "O", "l", "a", "a", "1"], ["0", "o", "1", "a", "q", "7"])
    assert twins == Counter({("O", "0"): 1, ("O", "o"): 1, ("l", "1"): 1})
    assert others == Counter({("a", "q"): 1, ("1", "7"): 1})
    assert coverage_confusions.listed(Counter({("a", "q"): 3, ("1", "7"): 1, ("b", "6"): 1}), 1) == "a->q:3 (+2 more)"


def test_synthetic_report_counts_per_group(tmp_path: Path) -> None:
    bundle = ModelBundle(tmp_path, "fake", "0", LABELS, Preprocessing(size=8, box=6), (8, 8, 1), {})
    truth_read = [("A", "A"), ("a", "A"), ("a", "亜"), ("o", "0"), ("、", ","), ("0", "0"), ("亜", "A")]
    x = np.zeros((len(truth_read), 8, 8, 1), np.uint8)
    x[:, 0, 0, 0] = [LABELS.index(read) for _, read in truth_read]
    np.savez(tmp_path / "synth.npz", x=x, y=np.asarray([truth for truth, _ in truth_read]))
    lines = coverage_confusions.synth_report(AnswerInPixel(bundle), tmp_path / "synth.npz", ["latin", "marks"], 1, 5)
    # Latin: A right, o read as its twin 0 (right counting twins), a as A (not a twin: other shapes) and as 亜;
    # the kanji is left out.
    assert lines[0] == "latin: 4 samples, top-1 25.00%, counting twins 50.00%"
    assert lines[1].endswith("o->0:1") and lines[2].endswith("a->A:1 a->亜:1")
    assert lines[3] == "marks: 1 samples, top-1 0.00%, counting twins 0.00%" and lines[5].endswith("、->,:1")
