"""Recognizers: a model bundle behind one interface that returns ranked candidates.

``TFLiteRecognizer`` runs the bundle's ``.tflite`` with the LiteRT interpreter and is what
the app uses (no TensorFlow import). ``training.keras_io.KerasRecognizer`` runs the
``.keras`` model for training and to check exports.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.bundle import ModelBundle
from core.charsets import order_by_size, size_cue, with_lookalikes
from core.errors import BundleError
from core.ink import Ink
from core.inputs import RecognizerInput, to_model_input
from core.nativelog import native_stderr_to_log

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    """One ranked answer: a label and the model's probability for it."""

    label: str
    score: float


class Recognizer(ABC):
    """Turns model inputs into class probabilities, and inputs into ranked candidates."""

    def __init__(self, bundle: ModelBundle) -> None:
        self.bundle = bundle
        self._label_index = {label: i for i, label in enumerate(bundle.labels)}

    @property
    def label_index(self) -> dict[str, int]:
        """Each label's position in the model's output."""
        return self._label_index

    @abstractmethod
    def predict(self, batch: np.ndarray) -> np.ndarray:
        """Probabilities (N, classes) for a float32 batch shaped (N, *input_shape)."""

    def recognize(self, item: RecognizerInput, top_k: int = 10,
                  allowed: Callable[[str], bool] | None = None) -> list[Candidate]:
        """Ranked candidates for one ink or grey picture.

        Args:
            item: An ``Ink`` or a grey uint8 picture (photo, scan, or white-on-black).
            top_k: How many candidates to return at most.
            allowed: Optional filter on labels (e.g. kana only); others are dropped.

        Raises:
            InputError: if the item holds nothing to recognize.
        """
        x = to_model_input(item, self.bundle.preprocessing)
        probs = order_by_size(self.predict(x[None])[0], self.bundle.labels, size_cue(ink_extent(item)),
                              self._label_index)
        return self.rank(probs, top_k, allowed)

    def rank(self, probs: np.ndarray, top_k: int = 10,
             allowed: Callable[[str], bool] | None = None) -> list[Candidate]:
        """The ``top_k`` labels of one probability vector, best first.

        Classes written the same way (``core.charsets.LOOKALIKES``: つ/っ, ロ/口, 一/ー...)
        come together: a lookalike of one of the first three candidates is placed right
        after it, whatever its probability, since the ink alone cannot tell them apart.
        """
        labels = self.bundle.labels
        if allowed is None and 0 < top_k < len(probs) // 4:
            # Only the best few are needed: partition first, then sort those (3,146 classes: 10x faster).
            best = np.argpartition(-probs, top_k)[:top_k + 1]
            order = best[np.argsort(-probs[best], kind="stable")]
        else:
            order = np.argsort(-probs, kind="stable")
        ranked: list[int] = []
        for index in order:
            if allowed is None or allowed(labels[int(index)]):
                ranked.append(int(index))
                if len(ranked) >= top_k:
                    break
        index = self._label_index
        shown = with_lookalikes([labels[i] for i in ranked], lambda c: c in index and (allowed is None or allowed(c)))
        return [Candidate(label, float(probs[index[label]])) for label in shown[:top_k]]

    def predict_many(self, batch: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """``predict`` over a large array in chunks."""
        parts = [self.predict(batch[i:i + batch_size]) for i in range(0, len(batch), batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0, len(self.bundle.labels)), np.float32)


class TFLiteRecognizer(Recognizer):
    """Runs ``model.tflite`` with the LiteRT interpreter (``ai-edge-litert``)."""

    def __init__(self, bundle: ModelBundle, num_threads: int = 2) -> None:
        super().__init__(bundle)
        from ai_edge_litert.interpreter import Interpreter

        try:
            # LiteRT prints "Created TensorFlow Lite XNNPACK delegate" to stderr; no setting stops it
            # (TF_CPP_MIN_LOG_LEVEL does not reach it) and without that delegate it runs 5x slower.
            with native_stderr_to_log(log, "LiteRT"):
                self._interpreter = Interpreter(model_path=str(bundle.tflite_path), num_threads=num_threads)
                self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise BundleError(f"The TFLite model {bundle.tflite_path} cannot be loaded: {exc}") from exc
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        self._batch = int(self._input["shape"][0])
        self._lock = threading.Lock()
        outputs = int(self._output["shape"][-1])
        if outputs != len(bundle.labels):
            raise BundleError(f"The TFLite model {bundle.tflite_path} has {outputs} outputs but the "
                              f"bundle has {len(bundle.labels)} labels.")

    def predict(self, batch: np.ndarray) -> np.ndarray:
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        with self._lock:
            if len(batch) != self._batch:
                self._interpreter.resize_tensor_input(self._input["index"], [len(batch), *batch.shape[1:]])
                self._interpreter.allocate_tensors()
                self._input = self._interpreter.get_input_details()[0]
                self._output = self._interpreter.get_output_details()[0]
                self._batch = len(batch)
            self._interpreter.set_tensor(self._input["index"], _quantize(batch, self._input))
            self._interpreter.invoke()
            return _dequantize(self._interpreter.get_tensor(self._output["index"]), self._output)


def ink_extent(item: RecognizerInput) -> float | None:
    """The ink's larger side as a share of its canvas's shorter side (None for pictures)."""
    if not isinstance(item, Ink) or item.width <= 0 or item.height <= 0 or item.is_empty:
        return None
    left, top, right, bottom = item.bounds()
    return max(right - left, bottom - top) / min(item.width, item.height)


def _quantize(batch: np.ndarray, detail: dict) -> np.ndarray:
    scale, zero = detail.get("quantization", (0.0, 0))
    dtype = detail["dtype"]
    if dtype == np.float32 or not scale:
        return batch.astype(dtype)
    info = np.iinfo(dtype)
    return np.clip(np.round(batch / scale + zero), info.min, info.max).astype(dtype)


def _dequantize(out: np.ndarray, detail: dict) -> np.ndarray:
    scale, zero = detail.get("quantization", (0.0, 0))
    if out.dtype == np.float32 or not scale:
        return out.astype(np.float32)
    return ((out.astype(np.float32) - zero) * scale).astype(np.float32)


#: Backends by name; ``keras`` is ``training.keras_io.KerasRecognizer`` (it needs Keras, so
#: core leaves it to the callers that train: ``mojiyomi evaluate --backend keras``).
BACKENDS = ("tflite", "keras")


def open_recognizer(bundle: ModelBundle, backend: str = "tflite") -> Recognizer:
    """Creates the recognizer the app uses (``tflite``) for a bundle.

    Raises:
        ValueError: for any other backend (``keras`` is ``training.keras_io.KerasRecognizer``).
    """
    if backend == "tflite":
        return TFLiteRecognizer(bundle)
    raise ValueError(f"core opens only the tflite backend. Received: {backend!r}; the keras backend is "
                     f"training.keras_io.KerasRecognizer")


def top_k_labels(candidates: Sequence[Candidate]) -> list[str]:
    """Just the labels of candidates, in order."""
    return [c.label for c in candidates]
