"""A bundle's Keras model: loaded (every way a damaged file fails is one ``BundleError``) and run."""

from __future__ import annotations

import zipfile
from typing import Any

import numpy as np

from core.bundle import ModelBundle
from core.errors import BundleError
from core.recognizer import Recognizer


def load_keras_model(bundle: ModelBundle) -> Any:
    """The bundle's ``model.keras``, loaded without compiling (Keras' safe mode stays on).

    Raises:
        BundleError: if the file is damaged (a failed CRC, a bad header, a missing member),
            of another Keras version, or not a model; the message names the file.
    """
    _check_archive(bundle.keras_path)  # a damaged file is said before Keras (and TensorFlow) start
    import keras  # heavy: only the training side loads Keras

    try:
        return keras.saving.load_model(bundle.keras_path, compile=False)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError, ValueError, TypeError,
            AttributeError, RuntimeError, NotImplementedError) as exc:
        raise BundleError(f"The Keras model {bundle.keras_path} cannot be loaded (damaged or of another "
                          f"kind): {type(exc).__name__}: {str(exc)[:200]}") from exc


#: Members every ``.keras`` archive holds (Keras 3's format).
KERAS_MEMBERS = ("config.json", "model.weights.h5")


def _check_archive(path: Any) -> None:
    """Refuses a ``.keras`` file that is not a whole zip archive of a Keras model (every CRC read)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            missing = [m for m in KERAS_MEMBERS if m not in names]
            bad = None if missing else archive.testzip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError,
            NotImplementedError) as exc:
        raise BundleError(f"The Keras model {path} cannot be loaded (damaged or of another kind): "
                          f"{type(exc).__name__}: {str(exc)[:200]}") from exc
    if missing or bad:
        problem = f"it lacks {', '.join(missing)}" if missing else f"its member {bad} is damaged"
        raise BundleError(f"The Keras model {path} cannot be loaded (damaged or of another kind): {problem}.")


class KerasRecognizer(Recognizer):
    """Runs a bundle's ``model.keras`` (training, and checking exports against it)."""

    def __init__(self, bundle: ModelBundle) -> None:
        super().__init__(bundle)
        self._model = load_keras_model(bundle)

    @property
    def model(self) -> Any:
        """The loaded Keras model."""
        return self._model

    def predict(self, batch: np.ndarray) -> np.ndarray:
        out = self._model(np.asarray(batch, dtype=np.float32), training=False)
        return np.asarray(out, dtype=np.float32)

