"""Export of Keras models to TFLite, ONNX and TensorFlow.js (needs TensorFlow; runs on the CPU)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from training.keras_io import load_keras_model

#: TFLite export formats by name.
FORMATS = ("tflite-float32", "tflite-float16", "tflite-dynamic", "tflite-int8")
#: Every export format: TFLite, ONNX (checked with onnxruntime) and TensorFlow.js (an outside converter).
ALL_FORMATS = (*FORMATS, "onnx", "tfjs")
#: Largest difference of any class probability an ONNX export may show against Keras.
ONNX_MAX_PROB_DIFF = 1e-4
#: The format of a bundle's own ``model.tflite``, the file the app recognizes with, when a model
#: is trained or fine-tuned: weights stored as int8, activations quantized on the fly
#: (LiteRT's XNNPACK runs convolutions in int8). For the Japanese model (2026-12-03) it reads a
#: batch of 86 characters in 27.9 ms instead of 108.8 (a picture's line is such a batch), one
#: character of canvas ink in 1.08 ms instead of 2.24 (p50, preprocessing included), in a file a
#: quarter the size, and as well: Tomoe top-1 98.69 vs 98.72% (one character of 3,044), top-1
#: agreement with Keras 99.18% on its replay samples, accuracy there unchanged (README, "The
#: TFLite file in int8"). Full int8 (``tflite-int8``) was a little faster still (50 ms against
#: 60, one core) but agreed with Keras on 96.7% of the replay samples only.
BUNDLE_FORMAT = "tflite-dynamic"


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
    max_prob_diff: float | None = None

    @property
    def drop_points(self) -> float:
        """Points of top-1 accuracy the export lost against Keras (negative: gained)."""
        return 100.0 * (self.keras_top1 - self.tflite_top1)

    @property
    def within_budget(self) -> bool:
        """False when an int8 export lost more than ``INT8_MAX_DROP`` points of top-1, or an ONNX
        export's top-1 or probabilities differ from Keras' (beyond ``ONNX_MAX_PROB_DIFF``)."""
        if self.fmt == "onnx":
            return self.agreement == 1.0 and self.max_prob_diff is not None and \
                self.max_prob_diff <= ONNX_MAX_PROB_DIFF
        return self.fmt != "tflite-int8" or self.drop_points <= INT8_MAX_DROP

    def summary(self) -> str:
        """One line for people (and a WARNING line when int8 lost too much)."""
        line = (f"{self.fmt}: {self.bytes / 1e6:.2f} MB; on {self.n} labelled samples top-1 agreement with Keras "
                f"{self.agreement:.2%}, accuracy Keras {self.keras_top1:.2%} vs exported {self.tflite_top1:.2%} "
                f"({-self.drop_points:+.2f} points)")
        if self.max_prob_diff is not None:
            line += f"; largest probability difference {self.max_prob_diff:.2e}"
        if self.fmt == "onnx" and not self.within_budget:
            line += (f"\nWARNING: the ONNX export does not answer as Keras does (top-1 must agree on every sample "
                     f"and probabilities within {ONNX_MAX_PROB_DIFF:g}).")
        elif not self.within_budget:
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


def weights_from_tflite(model: Any, content: bytes) -> None:
    """Gives ``model``'s Conv2D and Dense layers, in order, the weights of a float32 TFLite file of
    the same network (its CONV_2D and FULLY_CONNECTED ops, in order), so that a network whose
    Keras file was not kept can be exported again in another format. Exact for networks whose
    export folds nothing into the weights: no batch normalization, no scaling layer before a
    convolution (the run check network).

    Raises:
        ValueError: if the file's ops and the model's layers differ in number or shape.
    """
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=content)
    ops = [op for op in interpreter._get_ops_details() if op["op_name"] in ("CONV_2D", "FULLY_CONNECTED")]
    layers = [layer for layer in model.layers if type(layer).__name__ in ("Conv2D", "Dense")]
    if len(ops) != len(layers):
        raise ValueError(f"The TFLite file has {len(ops)} convolutions and dense layers, the model {len(layers)}.")
    for layer, op in zip(layers, ops):
        shapes = [tuple(w.shape) for w in layer.weights]
        kernel = interpreter.get_tensor(int(op["inputs"][1]))
        # A bias of zeros is left out of the file (index -1).
        has_bias = len(op["inputs"]) > 2 and op["inputs"][2] >= 0
        bias = interpreter.get_tensor(int(op["inputs"][2])) if has_bias else np.zeros(shapes[-1], np.float32)
        # TFLite keeps a convolution's kernel as (out, h, w, in) and a dense one as (out, in).
        kernel = kernel.transpose(1, 2, 3, 0) if op["op_name"] == "CONV_2D" else kernel.T
        if kernel.dtype != np.float32 or [kernel.shape, bias.shape] != shapes:
            raise ValueError(f"The TFLite file's {op['op_name']} {kernel.shape} ({kernel.dtype}) does not fit "
                             f"{layer.name} {shapes}.")
        layer.set_weights([kernel, bias])


def check_export(model: Any, content: bytes, fmt: str, x: np.ndarray, y: np.ndarray) -> ExportCheck:
    """Compares an exported model with the Keras model on labelled model inputs.

    Args:
        model: The Keras model that was exported.
        content: The TFLite or ONNX file's bytes (ONNX runs in onnxruntime).
        fmt: Its format (one of ``FORMATS`` or ``"onnx"``).
        x: Model inputs (N, s, s, 1), raw 0..255 pixels.
        y: True class indices (N,).

    Returns:
        Top-1 agreement of the two models and the accuracy of each.
    """
    xf = x.astype(np.float32)
    keras_probs = np.concatenate([np.asarray(model(xf[i:i + 256], training=False)) for i in range(0, len(xf), 256)])
    if fmt == "onnx":
        from training.export_onnx import run_onnx

        lite_probs = run_onnx(content, xf)
    else:
        lite_probs = run_tflite(content, xf)
    k, t = keras_probs.argmax(1), lite_probs.argmax(1)
    diff = float(np.abs(keras_probs - lite_probs).max()) if len(xf) else 0.0
    return ExportCheck(fmt, len(y), float(np.mean(k == t)), float(np.mean(k == y)), float(np.mean(t == y)),
                       len(content), diff if fmt == "onnx" else None)


def export_bundle(bundle: Any, fmt: str, out: Path | None = None, data: str | None = None,
                  limit: int | None = None) -> tuple[Path, ExportCheck | None]:
    """Exports a bundle's Keras model, checks it against Keras, and writes the file atomically.

    The check runs the Keras model and the export on the same labelled samples: the
    bundle's validation replay samples, or with ``data`` that dataset's test split (IDX)
    or all of it. An ONNX export also gets a JSON file beside it (``<file>.json``: labels,
    input and preprocessing, also stored in the model's metadata). A ``tfjs`` export is a
    folder written by the outside converter (see ``training.export_onnx``) and is not checked
    here (no check: None). int8 calibration uses training samples: with ``data``, up to 500 of its
    training split (IDX) or a seeded 500 taken out of the check samples; without, the
    bundle's replay samples that are not used for the check.

    Args:
        bundle: A ``core.bundle.ModelBundle``.
        fmt: One of ``ALL_FORMATS``.
        out: File to write (default: see ``export_target``).
        data: A dataset to check (and calibrate) on instead of the bundle's replay samples.
        limit: Read at most this many samples of ``data``.

    Returns:
        The file written and the check (an int8 export that lost more than
        ``INT8_MAX_DROP`` points is still written; ``check.within_budget`` is False).

    Raises:
        DatasetError: if there are no samples to check on (no replay file, or no sample of
            ``data`` with a label the model knows).
        ExportToolError: if the format's converter is not installed (says how to get it).
        BundleError: if ``out`` is a folder or lies in the bundled models (see ``export_target``).
    """
    from core.atomic import atomic_write_bytes

    if fmt not in ALL_FORMATS:
        raise ValueError(f"Unknown export format. Received: {fmt!r}, expected one of {ALL_FORMATS}")
    if fmt == "tfjs":
        return _export_tfjs(bundle, out), None
    if fmt == "onnx":
        from training.export_onnx import require_onnx

        require_onnx()  # before minutes of loading
    target = export_target(bundle, fmt, out)
    x, y, calibrate = _check_samples(bundle, data, limit)
    model = load_keras_model(bundle)
    if fmt == "onnx":
        return _export_onnx(bundle, model, out, x, y)

    def representative() -> Iterable[list[np.ndarray]]:
        for i in range(0, min(len(calibrate), 500), 10):
            yield [calibrate[i:i + 10].astype(np.float32)]

    content = to_tflite(model, fmt, representative)
    check = check_export(model, content, fmt, x, y)
    atomic_write_bytes(export_target(bundle, fmt, out), content)  # checked again: minutes have passed
    return target, check


def _export_onnx(bundle: Any, model: Any, out: Path | None, x: np.ndarray, y: np.ndarray) -> tuple[Path, ExportCheck]:
    """Writes the ONNX model and its description (``<file>.json``), checked with onnxruntime."""
    import json

    from core.atomic import atomic_write_bytes, atomic_write_text
    from training.export_onnx import describe, to_onnx

    description = describe(bundle)
    content = to_onnx(model, description)
    check = check_export(model, content, "onnx", x, y)
    target = export_target(bundle, "onnx", out)  # checked again: minutes have passed
    atomic_write_bytes(target, content)
    atomic_write_text(target.with_name(target.name + ".json"), json.dumps(description, ensure_ascii=False, indent=1))
    return target, check


def _export_tfjs(bundle: Any, out: Path | None) -> Path:
    """Runs the outside TensorFlow.js converter into a folder; a folder that is not an earlier export is refused."""
    import json

    from core.atomic import atomic_write_text
    from core.errors import BundleError
    from training.export_onnx import describe, tfjs_converter, to_tfjs

    converter = tfjs_converter()  # says how to get it before anything is loaded
    target = export_target(bundle, "tfjs", out)
    if target.exists() and not (target / "model.json").is_file():
        raise BundleError(f"The export's --out {target} exists and is not an earlier TensorFlow.js export; give a new "
                          f"folder. Nothing was written.")
    model = load_keras_model(bundle)
    to_tfjs(model, converter, target)
    atomic_write_text(target / "mojiyomi.json", json.dumps(describe(bundle), ensure_ascii=False, indent=1))
    return target


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

    name = {"onnx": "model.onnx", "tfjs": "model.tfjs"}.get(fmt, f"model.{fmt.removeprefix('tflite-')}.tflite")
    if out is None:
        if _inside(bundle.path, bundled_models_dir()):
            return user_data_dir() / "exports" / safe_name(bundle.path.name) / name
        return bundle.path / name
    out = Path(out)
    if out.is_dir() and fmt != "tfjs":  # a tfjs export is a folder (checked by _export_tfjs)
        raise BundleError(f"The export's --out {out} is a folder; give a file name (e.g. {out / name}). "
                          f"Nothing was written.")
    if _inside(out.parent, bundled_models_dir()):
        raise BundleError(f"The export's --out {out} lies among the models that ship with mojiyomi, which are "
                          f"never modified. Give a file elsewhere. Nothing was written.")
    if fmt != "tfjs" and (out.exists() or out.is_symlink()) and not out.resolve().is_file():
        raise BundleError(f"The export's --out {out} is a device, FIFO or socket, not a file; it is never "
                          f"replaced. Nothing was written.")
    if out.parent.exists() and not out.parent.is_dir():
        raise BundleError(f"The export's --out {out} lies under {out.parent}, which is a file, not a folder. "
                          f"Nothing was written.")
    return out


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return False


def _check_samples(bundle: Any, data: str | None, limit: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y) to check an export on and x to calibrate int8 with."""
    from core.errors import DatasetError

    if data is None:
        from training.adapt import load_replay

        x, y, is_val = load_replay(bundle)
        if not len(x):
            raise DatasetError(f"The replay samples of the model {bundle.name} are empty: pass --data to check "
                               f"the export on a dataset.")
        # Every replay sample was held out of training; with one per class (a checkpoint's bundle of a
        # run with thousands of classes) none is marked for validation: check on them all.
        check = is_val if is_val.any() else np.ones_like(is_val)
        return x[check], y[check], x[~is_val] if (~is_val).any() else x
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
