"""Model bundles: loading checks, atomic writes, discovery by name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.bundle import bundle_writer, list_bundles, load_bundle, resolve_model
from core.errors import BundleError, ModelNotFoundError
from core.paths import user_models_dir


def _copy(bundle: Path, tmp_path: Path, name: str = "copy") -> Path:
    target = tmp_path / name
    shutil.copytree(bundle, target)
    return target


def test_tiny_bundle_loads_with_its_metadata(tiny_bundle: Path) -> None:
    bundle = load_bundle(tiny_bundle)
    assert bundle.labels == tuple("0123456789")
    assert bundle.input_shape == (28, 28, 1) and bundle.preprocessing.size == 28
    assert bundle.metadata["created"] and bundle.metadata["training"]["command"]


@pytest.mark.parametrize("damage, message", [
    (lambda p: shutil.rmtree(p), "does not exist"),
    (lambda p: (p / "metadata.json").unlink(), "metadata.json is missing"),
    (lambda p: (p / "metadata.json").write_text("{", "utf-8"), "unreadable"),
    (lambda p: (p / "labels.txt").write_text("a\nb\n", "utf-8"), "2 labels"),
    (lambda p: (p / "model.tflite").write_bytes(b"garbage garbage"), "not a TFLite model"),
    (lambda p: (p / "model.tflite").unlink(), "lacks its TFLite model"),
    (lambda p: (p / "model.keras").write_bytes(b"xx"), "not a Keras model"),
])
def test_damaged_bundles_fail_naming_the_problem_and_path(tiny_bundle: Path, tmp_path: Path,
                                                          damage: object, message: str) -> None:
    path = _copy(tiny_bundle, tmp_path)
    damage(path)  # type: ignore[operator]
    with pytest.raises(BundleError, match=message) as info:
        load_bundle(path)
    assert str(tmp_path) in str(info.value)


def test_failed_write_leaves_the_old_bundle_untouched(tiny_bundle: Path, tmp_path: Path) -> None:
    target = _copy(tiny_bundle, tmp_path, "digits")
    before = (target / "model.tflite").read_bytes()
    meta = json.loads((target / "metadata.json").read_text("utf-8"))
    with pytest.raises(RuntimeError):
        with bundle_writer(target, meta, list("0123456789")) as staging:
            (staging / "model.tflite").write_bytes(b"half")
            raise RuntimeError("disk full")
    assert (target / "model.tflite").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["digits"]


def test_invalid_new_bundle_is_not_installed(tiny_bundle: Path, tmp_path: Path) -> None:
    meta = json.loads((tiny_bundle / "metadata.json").read_text("utf-8"))
    with pytest.raises(BundleError):
        with bundle_writer(tmp_path / "new", meta, list("0123456789")) as staging:
            (staging / "model.tflite").write_bytes(b"not a model")
    assert not (tmp_path / "new").exists()


def test_models_are_found_by_name_and_unknown_names_list_the_installed(tiny_bundle: Path) -> None:
    _copy(tiny_bundle, user_models_dir().parent, "models/mine")
    assert resolve_model("mine").path.name == "mine"
    assert "mine" in [b.path.name for b in list_bundles()]
    with pytest.raises(ModelNotFoundError, match="Installed models: .*mine"):
        resolve_model("no-such-model")
