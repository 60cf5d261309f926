"""Dense tablet ink is drawn as cheaply as sparse ink, and looks the same to the model."""

from __future__ import annotations

import numpy as np
import pytest

from core import preprocess
from core.ink import Ink, make_stroke
from core.preprocess import Preprocessing, preprocess_ink

SPEC = Preprocessing(size=40, box=32, stroke_ratio=0.07)


def _arc(points: int, pressure: bool = False) -> np.ndarray:
    t = np.linspace(0, np.pi, points)
    xy = np.column_stack([50 + 40 * np.cos(t), 50 + 40 * np.sin(t)])
    if not pressure:
        return make_stroke(xy)
    return make_stroke(np.column_stack([xy, t * 100, 0.5 + 0.2 * np.sin(t)]))


def test_a_dense_stroke_is_one_drawing_call_per_pen_width(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = preprocess.cv2.polylines
    monkeypatch.setattr(preprocess.cv2, "polylines", lambda img, pts, *a: calls.append(len(pts[0])) or real(img, pts, *a))
    preprocess_ink(Ink((_arc(5000),), 100, 100), SPEC)
    assert len(calls) == 1 and calls[0] == 5000
    calls.clear()
    preprocess_ink(Ink((_arc(5000, pressure=True),), 100, 100), SPEC)
    assert 1 <= len(calls) <= 20  # the width changes a few times along the stroke, not 5,000


def test_dense_and_sparse_ink_of_one_shape_give_the_same_model_input() -> None:
    sparse = preprocess_ink(Ink((_arc(60),), 100, 100), SPEC)
    dense = preprocess_ink(Ink((_arc(3000),), 100, 100), SPEC)
    # Anti-aliased edges of overlapping segments add up a little: the mass may grow ~10%.
    assert np.abs(sparse - dense).mean() < 3.0
    assert 0.95 < dense.sum() / sparse.sum() < 1.15


def test_a_single_point_is_a_round_dot() -> None:
    dot = preprocess_ink(Ink((make_stroke([(10.0, 10.0)]),), 100, 100), SPEC)[:, :, 0]
    ys, xs = np.nonzero(dot > 128)
    assert len(ys) > 20 and abs((ys.max() - ys.min()) - (xs.max() - xs.min())) <= 1
