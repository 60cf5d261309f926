"""Export of Keras models to ONNX, and the TensorFlow.js converter run as an outside tool.

ONNX goes through Keras' own ``model.export(format="onnx")`` (tf2onnx underneath, from the
optional ``export`` extra). The bundle's labels and preprocessing travel in the ONNX model's
``metadata_props`` and in a JSON file beside it (what the web page in ``web/`` reads).

The ``tensorflowjs`` package would pull another TensorFlow into the project's environment,
so it is never imported: ``tfjs`` exports run its ``tensorflowjs_converter`` from a separate
virtual environment named by ``MOJIYOMI_TFJS_CONVERTER``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import MojiyomiError

#: How to add the ONNX converter and runtime, in one line.
ONNX_MISSING = ("ONNX export needs tf2onnx and onnxruntime, which are not installed: "
                "pip install 'mojiyomi[export]' (or: pip install tf2onnx onnxruntime)")
#: Environment variable naming a ``tensorflowjs_converter`` executable in its own virtual environment.
TFJS_ENV = "MOJIYOMI_TFJS_CONVERTER"
TFJS_MISSING = (f"TensorFlow.js export runs tensorflowjs_converter from a separate environment (the tensorflowjs "
                f"package would replace this environment's TensorFlow): python -m venv ~/tfjs-venv && "
                f"~/tfjs-venv/bin/pip install tensorflowjs && ~/tfjs-venv/bin/pip install protobuf==6.31.1 && "
                f"export {TFJS_ENV}=~/tfjs-venv/bin/tensorflowjs_converter")
#: Keys of the bundle's description in the ONNX model's metadata_props.
META_KEY = "mojiyomi"


class ExportToolError(MojiyomiError):
    """An export's converter is missing or failed (says how to get it)."""


def require_onnx() -> None:
    """Raises ``ExportToolError`` with the one-line install hint when tf2onnx or onnxruntime is missing."""
    try:
        import onnxruntime  # noqa: F401
        import tf2onnx  # noqa: F401
    except ImportError as error:
        raise ExportToolError(f"{ONNX_MISSING}. Received: {error}") from None


def describe(bundle: Any) -> dict[str, Any]:
    """What a program running the export needs besides the weights: labels, input, preprocessing."""
    return {"format": "mojiyomi-export", "version": 1, "name": bundle.name, "model_version": bundle.version,
            "input_shape": list(bundle.input_shape), "input": "raw pixels 0..255, white ink on black, NHWC float32",
            "output": "class probabilities (softmax), in the order of labels",
            "preprocessing": bundle.preprocessing.to_json(), "labels": list(bundle.labels)}


def to_onnx(model: Any, description: dict[str, Any] | None = None) -> bytes:
    """Converts a Keras model to ONNX bytes with a free batch dimension.

    Args:
        model: A Keras model taking (N, H, W, C) float32 pixels.
        description: Stored as JSON under ``metadata_props["mojiyomi"]`` when given.
    """
    import onnx

    require_onnx()
    # Keras refuses to export a model that was loaded but never called.
    model(np.zeros((1, *model.input_shape[1:]), dtype=np.float32), training=False)
    with tempfile.TemporaryDirectory(prefix="mojiyomi-export-") as tmp:
        path = Path(tmp) / "model.onnx"
        model.export(str(path), format="onnx", verbose=False)
        proto = onnx.load(str(path))
    if description is not None:
        entry = proto.metadata_props.add()
        entry.key, entry.value = META_KEY, json.dumps(description, ensure_ascii=False)
    return proto.SerializeToString()


def read_description(content: bytes) -> dict[str, Any]:
    """The bundle description stored in an ONNX model by ``to_onnx`` (empty when there is none)."""
    import onnx

    props = {p.key: p.value for p in onnx.load_from_string(content).metadata_props}
    return json.loads(props[META_KEY]) if META_KEY in props else {}


def run_onnx(content: bytes, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """Probabilities of an ONNX model (bytes) on float32 inputs, with onnxruntime on the CPU."""
    import onnxruntime as ort

    require_onnx()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(content, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    parts = [session.run(None, {name: np.ascontiguousarray(x[i:i + batch], dtype=np.float32)})[0]
             for i in range(0, len(x), batch)]
    return np.concatenate(parts)


def tfjs_converter() -> Path:
    """The configured ``tensorflowjs_converter`` executable.

    Raises:
        ExportToolError: when ``MOJIYOMI_TFJS_CONVERTER`` is unset or names no executable file.
    """
    value = os.environ.get(TFJS_ENV, "")
    if not value:
        raise ExportToolError(TFJS_MISSING)
    path = Path(value).expanduser()
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise ExportToolError(f"{TFJS_ENV} names no executable file. Received: {TFJS_ENV}={value!r}. "
                              f"{TFJS_MISSING}")
    return path


def to_tfjs(model: Any, converter: Path, out_dir: Path, timeout: float = 900) -> None:
    """Writes a TensorFlow.js graph model of ``model`` into the new folder ``out_dir``.

    The model goes out as a TensorFlow SavedModel, which the outside converter reads; the
    folder is filled in a staging folder beside it and renamed, so a failed run leaves nothing.

    Raises:
        ExportToolError: if the converter fails (its last output lines are in the message).
    """
    model(np.zeros((1, *model.input_shape[1:]), dtype=np.float32), training=False)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mojiyomi-tfjs-", dir=out_dir.parent) as tmp:
        saved = Path(tmp) / "saved_model"
        model.export(str(saved), format="tf_saved_model", verbose=False)
        staging = Path(tmp) / "tfjs"
        command = [str(converter), "--input_format=tf_saved_model", "--output_format=tfjs_graph_model",
                   "--signature_name=serving_default", str(saved), str(staging)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ExportToolError(f"tensorflowjs_converter did not run. Received: {error}") from None
        if done.returncode != 0 or not (staging / "model.json").is_file():
            tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            raise ExportToolError(f"tensorflowjs_converter failed (exit {done.returncode}). Received: {tail}")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
