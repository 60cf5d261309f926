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
        """Points of top-1 accuracy the export lost against Keras (negative: gained)."""
        return 100.0 * (self.keras_top1 - self.tflite_top1)

    @property
    def within_budget(self) -> bool:
        """False when an int8 export lost more than ``INT8_MAX_DROP`` points of top-1."""
        return self.fmt != "tflite-int8" or self.drop_points <= INT8_MAX_DROP

    def summary(self) -> str:
        """One line for people (and a WARNING line when int8 lost too much)."""
        line = (f"{self.fmt}: {self.bytes / 1e6:.2f} MB; on {self.n} labelled samples top-1 agreement with Keras "
                f"{self.agreement:.2%}, accuracy Keras {self.keras_top1:.2%} vs exported {self.tflite_top1:.2%} "
                f"({-self.drop_points:+.2f} points)")
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
    """Compares an exported model with the Keras model on labelled model inputs.

    Args:
        model: The Keras model that was exported.
        content: The TFLite file's bytes.
        fmt: Its format (one of ``FORMATS``).
        x: Model inputs (N, s, s, 1), raw 0..255 pixels.
        y: True class indices (N,).

    Returns:
        Top-1 agreement of the two models and the accuracy of each.
    """
    xf = x.astype(np.float32)
    keras_probs = np.concatenate([np.asarray(model(xf[i:i + 256], training=False)) for i in range(0, len(xf), 256)])
    lite_probs = run_tflite(content, xf)
    k, t = keras_probs.argmax(1), lite_probs.argmax(1)
    return ExportCheck(fmt, len(y), float(np.mean(k == t)), float(np.mean(k == y)), float(np.mean(t == y)),
                       len(content))


def export_bundle(bundle: Any, fmt: str, out: Path | None = None, data: str | None = None,
                  limit: int | None = None) -> tuple[Path, ExportCheck]:
    """Exports a bundle's Keras model, checks it against Keras, and writes the file atomically.

    The check runs the Keras model and the export on the same labelled samples: the
    bundle's validation replay samples, or with ``data`` that dataset's test split (IDX)
    or all of it. int8 calibration uses training samples: with ``data``, up to 500 of its
    training split (IDX) or a seeded 500 taken out of the check samples; without, the
    bundle's replay samples that are not used for the check.

    Args:
        bundle: A ``core.bundle.ModelBundle``.
        fmt: One of ``FORMATS``.
        out: File to write (default: see ``export_target``).
        data: A dataset to check (and calibrate) on instead of the bundle's replay samples.
        limit: Read at most this many samples of ``data``.

    Returns:
        The file written and the check (an int8 export that lost more than
        ``INT8_MAX_DROP`` points is still written; ``check.within_budget`` is False).

    Raises:
        DatasetError: if there are no samples to check on (no replay file, or no sample of
            ``data`` with a label the model knows).
        BundleError: if ``out`` is a folder or lies in the bundled models (see ``export_target``).
    """
    import keras

    from core.atomic import atomic_write_bytes

    target = export_target(bundle, fmt, out)
    x, y, calibrate = _check_samples(bundle, data, limit)
    model = keras.saving.load_model(bundle.keras_path, compile=False)

    def representative() -> Iterable[list[np.ndarray]]:
        for i in range(0, min(len(calibrate), 500), 10):
            yield [calibrate[i:i + 10].astype(np.float32)]

    content = to_tflite(model, fmt, representative)
    check = check_export(model, content, fmt, x, y)
    atomic_write_bytes(export_target(bundle, fmt, out), content)  # checked again: minutes have passed
    return target, check


def export_target(bundle: Any, fmt: str, out: Path | None = None) -> Path:
    """Where an export is written; bundled models are never modified.

    Without ``out``: ``model.<format>.tflite`` in the bundle's folder for a user's bundle,
    and in ``<user data>/exports/<bundle folder name>/`` for a bundle that ships with
    mojiyomi. An ``out`` that is a folder or lies among the bundled models is refused.

    Raises:
        BundleError: saying what ``out`` is and that nothing was written.
    """
    from core.errors import BundleError
    from core.paths import bundled_models_dir, user_data_dir
    from core.safeio import safe_name

    name = f"model.{fmt.removeprefix('tflite-')}.tflite"
    if out is None:
        if _inside(bundle.path, bundled_models_dir()):
            return user_data_dir() / "exports" / safe_name(bundle.path.name) / name
        return bundle.path / name
    out = Path(out)
    if out.is_dir():
        raise BundleError(f"The export's --out {out} is a folder; give a file name (e.g. {out / name}). "
                          f"Nothing was written.")
    if _inside(out.parent, bundled_models_dir()):
        raise BundleError(f"The export's --out {out} lies among the models that ship with mojiyomi, which are "
                          f"never modified. Give a file elsewhere. Nothing was written.")
    return out


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return False


def _check_samples(bundle: Any, data: str | None, limit: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y) to check an export on and x to calibrate int8 with."""
    if data is None:
        from training.adapt import load_replay

        x, y, is_val = load_replay(bundle)
        return x[is_val], y[is_val], x[~is_val] if (~is_val).any() else x
    from core.errors import DatasetError
    from training.datasets import read_samples

    index = {label: i for i, label in enumerate(bundle.labels)}
    spec = bundle.preprocessing
    samples = read_samples(data, spec, split="test", limit=limit, keep=index.__contains__)
    if not len(samples):
        raise DatasetError(f"None of the samples of {data} has a label the model {bundle.name} knows "
                           f"(it knows {len(index)} labels, e.g. {', '.join(list(index)[:5])}).")
    x = np.asarray(samples.x)
    y = np.asarray([index[label] for label in samples.y.tolist()], dtype=np.int64)
    if samples.kind in ("idx", "keras"):  # MNIST has a training split of its own
        return x, y, np.asarray(read_samples(data, spec, split="train", limit=500, keep=index.__contains__).x)
    order = np.random.default_rng(0).permutation(len(y))
    held = order[:min(500, len(y) // 5)]  # calibration samples stay out of the check
    rest = np.setdiff1d(order, held)
    return x[rest], y[rest], x[held]
