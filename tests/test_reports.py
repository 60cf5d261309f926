"""Evaluation reports: per-class CSV, confusion picture (matrix or most-confused pairs), mistakes gallery."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

import training.reports as reports
from training.reports import most_confused, write_reports


def _predictions(classes: int, n: int, right: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    pred = np.where(rng.random(n) < right, y, (y + 1) % classes)
    probs = np.full((n, classes), 0.01)
    probs[np.arange(n), pred] = 0.9
    x = rng.integers(0, 255, (n, 28, 28, 1)).astype(np.uint8)
    return y, probs, x


def test_per_class_csv_has_one_row_per_class_with_the_right_scores(tmp_path: Path) -> None:
    y = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    pred = np.array([0, 0, 0, 1, 1, 1, 2, 0])  # class 0: recall 3/4, precision 3/4; class 1: recall 1, precision 2/3
    probs = np.eye(3)[pred]
    files = write_reports(tmp_path, ["a", "b", "c"], y, probs, np.zeros((8, 28, 28, 1), np.uint8))
    assert [f.name for f in files] == ["per_class.csv", "confusion.png", "misrecognized.png"]
    rows = list(csv.DictReader(open(files[0], encoding="utf-8")))
    assert list(rows[0]) == ["label", "support", "precision", "recall", "f1"]
    assert [(r["label"], int(r["support"])) for r in rows] == [("a", 4), ("b", 2), ("c", 2)]
    assert [float(rows[0]["precision"]), float(rows[0]["recall"]), float(rows[0]["f1"])] == [0.75, 0.75, 0.75]
    assert [float(rows[1]["precision"]), float(rows[1]["recall"])] == [0.6667, 1.0]
    assert [float(rows[2]["precision"]), float(rows[2]["recall"])] == [1.0, 0.5]


def test_small_models_get_the_whole_matrix_and_a_gallery_of_mistakes(tmp_path: Path) -> None:
    y, probs, x = _predictions(10, 300, 0.8)
    files = write_reports(tmp_path, list("0123456789"), y, probs, x)
    matrix, gallery = cv2.imread(str(files[1])), cv2.imread(str(files[2]))
    assert matrix.shape[0] == matrix.shape[1] > 10 * 28  # one cell per pair of classes
    wrong = int(np.sum(probs.argmax(1) != y))
    assert gallery.shape[:2] == (8 * (84 + 18), 8 * 84) and wrong >= 64  # 64 mistakes shown, 8 by 8


def test_thousands_of_classes_get_the_most_confused_pairs(tmp_path: Path) -> None:
    y, probs, x = _predictions(3000, 500, 0.5)
    files = write_reports(tmp_path, [chr(0x4E00 + i) for i in range(3000)], y, probs, x)
    table = cv2.imread(str(files[1]))
    assert table.shape[1] == 520 and table.shape[0] < 1000  # a table of 30 pairs, not a 3000x3000 matrix
    matrix = np.zeros((3, 3), int)
    matrix[0, 1], matrix[2, 0], matrix[1, 1] = 5, 2, 9
    assert most_confused(matrix) == [(0, 1, 5), (2, 0, 2)]


def test_no_mistakes_is_said_in_the_gallery(tmp_path: Path) -> None:
    y = np.arange(5)
    files = write_reports(tmp_path, list("abcde"), y, np.eye(5), np.zeros((5, 28, 28, 1), np.uint8))
    assert cv2.imread(str(files[2])) is not None


def _caption(label: str) -> np.ndarray:
    image = np.full((40, 200, 3), 255, np.uint8)
    reports.draw_text(image, label, (4, 30), 20, (0, 0, 0))
    return image


def test_japanese_labels_are_drawn_with_a_cjk_font_or_as_code_points(monkeypatch: pytest.MonkeyPatch) -> None:
    if reports.cjk_font_path() is None:
        pytest.skip("no CJK font on this computer")
    # Two different kanji look different when drawn with a font...
    assert np.any(_caption("\u6f22") != _caption("\u5b57"))
    assert (_caption("\u6f22") < 128).sum() > 30
    # ...and without one they are written as their code points instead of "???".
    monkeypatch.setattr(reports, "cjk_font_path", lambda: None)
    reports._pil_font.cache_clear()
    try:
        assert reports._text("\u6f22\u5b57") == "U+6F22 U+5B57"
        assert np.array_equal(_caption("\u6f22"), _caption_of_ascii("U+6F22"))
    finally:
        reports._pil_font.cache_clear()


def _caption_of_ascii(text: str) -> np.ndarray:
    return _caption(f" {text} ")
