"""Where things live: the bundled resources and the user's data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: Environment variable that overrides the user's data folder.
DATA_DIR_ENV = "MOJIYOMI_DATA_DIR"


def resources_dir() -> Path:
    """The folder of bundled resources (models, labels, icons)."""
    import resources

    return Path(resources.__file__).resolve().parent


def bundled_models_dir() -> Path:
    """The folder holding the model bundles that ship with mojiyomi (never modified)."""
    return resources_dir() / "models"


def user_data_dir() -> Path:
    """The user's mojiyomi data folder: ``$MOJIYOMI_DATA_DIR`` or the platform's usual place."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "mojiyomi"


def user_models_dir() -> Path:
    """The folder for model bundles the user trained or imported."""
    return user_data_dir() / "models"
