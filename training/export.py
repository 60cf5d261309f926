"""Export of Keras models to TFLite (needs TensorFlow; runs on the CPU)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: TFLite export formats by name.
FORMATS = ("tflite-float32", "tflite-float16", "tflite-dynamic", "tflite-int8")


def to_tflite(model: Any, fmt: str = "tflite-float32",
              representative: Callable[[], Iterable[list[np.ndarray]]] | None = None) -> bytes:
    """Converts a Keras model to TFLite bytes.

    The input keeps a free batch dimension so that evaluation can run in batches.

    Args:
        model: A Keras model taking (N, H, W, C) float32 pixels.
        fmt: One of ``FORMATS``.
        representative: For ``tflite-int8``, a generator of ``[batch]`` lists of
            training inputs used to calibrate the quantization.

    Raises:
        ValueError: for an unknown format or int8 without representative data.
    """
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format. Received: {fmt!r}, expected one of {FORMATS}")
    import tempfile

    import tensorflow as tf

    options: dict[str, Any] = {}
    if fmt != "tflite-float32":
        options["optimizations"] = [tf.lite.Optimize.DEFAULT]
    if fmt == "tflite-float16":
        options["target_spec"] = {"supported_types": [tf.float16]}
    if fmt == "tflite-int8":
        if representative is None:
            raise ValueError("tflite-int8 needs representative training data to calibrate.")
        options["representative_dataset"] = representative
    with tempfile.TemporaryDirectory(prefix="mojiyomi-export-") as tmp:
        path = Path(tmp) / "model.tflite"
        model.export(str(path), format="litert", verbose=False, **options)
        return path.read_bytes()


#: Largest fall of top-1 (in points) an int8 export may cost before the export warns.
INT8_MAX_DROP = 0.3


@dataclass(frozen=True)
class ExportCheck:
    """How an exported model compares with the Keras model on labelled samples."""

    fmt: str
    n: int
    agreement: float
    keras_top1: float
    tflite_top1: float
    bytes: int

    @property
    def drop_points(self) -> float:
        return 100.0 * (self.keras_top1 - self.tflite_top1)

    @property
    def within_budget(self) -> bool:
        """False when an int8 export lost more than ``INT8_MAX_DROP`` points of top-1."""
        return self.fmt != "tflite-int8" or self.drop_points <= INT8_MAX_DROP

    def summary(self) -> str:
        line = (f"{self.fmt}: {self.bytes / 1e6:.2f} MB; on {self.n} validation samples top-1 agreement with Keras "
                f"{self.agreement:.2%}, accuracy Keras {self.keras_top1:.2%} vs exported {self.tflite_top1:.2%} "
                f"({self.drop_points:+.2f} points lost)")
        if not self.within_budget:
            line += (f"\nWARNING: int8 quantization lost more than {INT8_MAX_DROP} points of accuracy; prefer "
                     f"tflite-float16 or tflite-dynamic for this model.")
        return line


def run_tflite(content: bytes, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """Probabilities of a TFLite model (bytes) on float32 inputs, with the LiteRT interpreter."""
    from ai_edge_litert.interpreter import Interpreter

    from core.recognizer import _dequantize, _quantize

    interpreter = Interpreter(model_content=content, num_threads=2)
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    parts = []
    for i in range(0, len(x), batch):
        chunk = np.ascontiguousarray(x[i:i + batch], dtype=np.float32)
        interpreter.resize_tensor_input(inp["index"], list(chunk.shape))
        interpreter.allocate_tensors()
        inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
        interpreter.set_tensor(inp["index"], _quantize(chunk, inp))
        interpreter.invoke()
        parts.append(_dequantize(interpreter.get_tensor(out["index"]), out))
    return np.concatenate(parts)


def check_export(model: Any, content: bytes, fmt: str, x: np.ndarray, y: np.ndarray) -> ExportCheck:
    """Compares an exported model with the Keras model on labelled model inputs."""
    xf = x.astype(np.float32)
    keras_probs = np.concatenate([np.asarray(model(xf[i:i + 256], training=False)) for i in range(0, len(xf), 256)])
    lite_probs = run_tflite(content, xf)
    k, t = keras_probs.argmax(1), lite_probs.argmax(1)
    return ExportCheck(fmt, len(y), float(np.mean(k == t)), float(np.mean(k == y)), float(np.mean(t == y)),
                       len(content))


def export_bundle(bundle: Any, fmt: str, out: Path | None = None) -> tuple[Path, ExportCheck]:
    """Exports a bundle's Keras model, checks it on the bundle's validation samples, writes it atomically.

    Representative data for int8 calibration are the bundle's replay samples that are not
    used for the check.

    Returns:
        The file written (default: ``model.<format>.tflite`` beside the bundle's files) and the check.

    Raises:
        DatasetError: if the bundle carries no samples to check the export on.
    """
    import keras

    from core.atomic import atomic_write_bytes
    from training.adapt import load_replay

    x, y, is_val = load_replay(bundle)
    model = keras.saving.load_model(bundle.keras_path, compile=False)
    calibrate = x[~is_val].astype(np.float32) if (~is_val).any() else x.astype(np.float32)

    def representative() -> Iterable[list[np.ndarray]]:
        for i in range(0, min(len(calibrate), 500), 10):
            yield [calibrate[i:i + 10]]

    content = to_tflite(model, fmt, representative)
    check = check_export(model, content, fmt, x[is_val], y[is_val])
    target = out or bundle.path / f"model.{fmt.removeprefix('tflite-')}.tflite"
    atomic_write_bytes(Path(target), content)
    return Path(target), check
