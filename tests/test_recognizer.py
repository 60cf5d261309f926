"""Recognizers: TFLite and Keras agree; candidates are ranked and filtered."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.bundle import load_bundle
from core.errors import InputError
from core.ink import Ink, make_stroke
from core.recognizer import TFLiteRecognizer, open_recognizer
from training.keras_io import KerasRecognizer
from tests.tinymodel import random_batch


def _mnist_inputs(mnist_dir: Path, n: int) -> tuple[np.ndarray, np.ndarray]:
    from core.preprocess import Preprocessing
    from training.data import normalize_all
    from training.datasets.idx import load_mnist

    x, y = load_mnist(mnist_dir, "test")
    return normalize_all(x[:n], Preprocessing()).astype(np.float32), y[:n]


def test_tflite_and_keras_give_the_same_probabilities(tiny_bundle: Path) -> None:
    bundle = load_bundle(tiny_bundle)
    batch = random_batch(16)
    np.testing.assert_allclose(TFLiteRecognizer(bundle).predict(batch), KerasRecognizer(bundle).predict(batch),
                               atol=1e-5)


def test_tflite_and_keras_give_the_same_top5_on_real_digits(digits_bundle: Path, mnist_dir: Path) -> None:
    bundle = load_bundle(digits_bundle)
    x, _ = _mnist_inputs(mnist_dir, 300)
    lite, keras_ = TFLiteRecognizer(bundle), KerasRecognizer(bundle)
    for a, b in zip(lite.predict_many(x, 64), keras_.predict_many(x, 64)):
        assert [c.label for c in lite.rank(a, 5)] == [c.label for c in keras_.rank(b, 5)]


def test_candidates_are_ranked_and_can_be_filtered(tiny_bundle: Path) -> None:
    recognizer = open_recognizer(load_bundle(tiny_bundle))
    ink = Ink((make_stroke([(0, 0), (10, 40), (20, 0)]),), 100, 100)
    candidates = recognizer.recognize(ink, top_k=10)
    scores = [c.score for c in candidates]
    assert len(candidates) == 10 and scores == sorted(scores, reverse=True)
    assert abs(sum(scores) - 1.0) < 1e-4
    odd = recognizer.recognize(ink, top_k=10, allowed=lambda label: int(label) % 2 == 1)
    assert [c.label for c in odd] == [c.label for c in candidates if int(c.label) % 2 == 1]


def test_batches_of_any_size_are_accepted(tiny_bundle: Path) -> None:
    recognizer = TFLiteRecognizer(load_bundle(tiny_bundle))
    for n in (1, 7, 1, 300):
        assert recognizer.predict_many(random_batch(n), 128).shape == (n, 10)


def test_nothing_to_recognize_is_an_input_error(tiny_bundle: Path) -> None:
    recognizer = open_recognizer(load_bundle(tiny_bundle))
    with pytest.raises(InputError):
        recognizer.recognize(Ink((), 10, 10))
    with pytest.raises(InputError):
        recognizer.recognize(np.zeros((28, 28), np.uint8))


def test_digits_model_reads_real_mnist_digits(digits_bundle: Path, mnist_dir: Path) -> None:
    recognizer = open_recognizer(load_bundle(digits_bundle))
    x, y = _mnist_inputs(mnist_dir, 500)
    accuracy = float(np.mean(np.argmax(recognizer.predict_many(x), axis=1) == y))
    assert accuracy >= 0.99
