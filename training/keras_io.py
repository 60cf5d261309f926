"""Loading a bundle's Keras model: every way a damaged file fails becomes one ``BundleError``."""

from __future__ import annotations

import zipfile
from typing import Any

from core.bundle import ModelBundle
from core.errors import BundleError


def load_keras_model(bundle: ModelBundle) -> Any:
    """The bundle's ``model.keras``, loaded without compiling (Keras' safe mode stays on).

    Raises:
        BundleError: if the file is damaged (a failed CRC, a bad header, a missing member),
            of another Keras version, or not a model; the message names the file.
    """
    import keras  # heavy: only the training side loads Keras

    try:
        return keras.saving.load_model(bundle.keras_path, compile=False)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError, ValueError, TypeError,
            AttributeError, RuntimeError, NotImplementedError) as exc:
        raise BundleError(f"The Keras model {bundle.keras_path} cannot be loaded (damaged or of another "
                          f"kind): {type(exc).__name__}: {str(exc)[:200]}") from exc
