"""Test set-up: Qt offscreen, user data in a temporary folder, paths to shared data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from core.ink import Ink

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Qt settings (window geometry, the model chosen last) never touch the user's own.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="mojiyomi-test-config-")

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
MNIST_DIR = SHARED_DATA / "mnist"
TOMOE_DIR = SHARED_DATA / "tomoe"
DIGITS_BUNDLE = REPO / "resources" / "models" / "digits"


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own user data folder, so nothing touches the real one."""
    data = tmp_path / "userdata"
    monkeypatch.setenv("MOJIYOMI_DATA_DIR", str(data))
    return data


@pytest.fixture
def mnist_dir() -> Path:
    """The shared MNIST folder; the test is skipped when it is absent."""
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("../shared/data/mnist is not present")
    return MNIST_DIR


@pytest.fixture
def tomoe_dir() -> Path:
    """The shared Tomoe folder; the test is skipped when it is absent."""
    if not (TOMOE_DIR / "all.tdic").exists():
        pytest.skip("../shared/data/tomoe is not present")
    return TOMOE_DIR


@pytest.fixture(scope="session")
def tomoe_inks() -> dict[str, Ink]:
    """Tomoe's first ink of every character, by label; skipped when Tomoe is absent."""
    from training.datasets.tomoe import iter_tdic

    if not (TOMOE_DIR / "all.tdic").exists():
        pytest.skip("../shared/data/tomoe is not present")
    inks: dict[str, Ink] = {}
    for ink in iter_tdic(TOMOE_DIR / "all.tdic"):
        inks.setdefault(str(ink.label), ink)
    return inks


@pytest.fixture
def digits_bundle() -> Path:
    """The bundled digits model; skipped if it has not been trained into resources yet."""
    if not (DIGITS_BUNDLE / "metadata.json").exists():
        pytest.skip("resources/models/digits is not present")
    return DIGITS_BUNDLE


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small random-weight digits bundle, built once per test session."""
    from tests.tinymodel import make_tiny_bundle

    return make_tiny_bundle(tmp_path_factory.mktemp("bundles") / "tiny")


@pytest.fixture
def settings_in_tmp(tmp_path: Path) -> None:
    """Qt settings (geometry, the model chosen last) start empty in each test."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))


@pytest.fixture
def shown_errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Errors the app shows, recorded instead of opening message boxes."""
    seen: list[str] = []
    monkeypatch.setattr("desktop.errors.show_error", lambda parent, title, error, note="": seen.append(
        f"{title}: " + "\n\n".join(str(text) for text in (error, note) if text)))
    return seen
