"""Model bundles: one folder with the Keras model, the TFLite model, labels and metadata.

Layout of a bundle folder::

    metadata.json   name, version, input shape, preprocessing, classes, metrics, provenance
    labels.txt      one label per line, in output order (UTF-8)
    model.keras     the Keras model (for training and fine-tuning)
    model.tflite    the same model for the TFLite interpreter (for recognizing)

Everything that loads or writes a model goes through this module.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.atomic import atomic_write_text, make_staging_dir, replace_directory
from core.errors import BundleError, ModelNotFoundError
from core.paths import bundled_models_dir, user_models_dir
from core.preprocess import Preprocessing

FORMAT = "mojiyomi-bundle"
FORMAT_VERSION = 1
METADATA_FILE = "metadata.json"
LABELS_FILE = "labels.txt"
KERAS_FILE = "model.keras"
TFLITE_FILE = "model.tflite"
_REQUIRED = ("name", "version", "input_shape", "preprocessing", "classes")


@dataclass(frozen=True)
class ModelBundle:
    """A loaded, checked model bundle (the models themselves are loaded by recognizers).

    Attributes:
        path: The bundle folder.
        name: Short name used on the command line and in the Model menu.
        version: Version string of this bundle.
        labels: Class labels in the model's output order.
        preprocessing: The preprocessing the model was trained with.
        input_shape: (height, width, channels) of one model input.
        metadata: The whole metadata dict, metrics and provenance included.
    """

    path: Path
    name: str
    version: str
    labels: tuple[str, ...]
    preprocessing: Preprocessing
    input_shape: tuple[int, int, int]
    metadata: dict[str, Any] = field(repr=False, compare=False)

    @property
    def keras_path(self) -> Path:
        """Path of the Keras model file."""
        return self.path / self.metadata.get("files", {}).get("keras", KERAS_FILE)

    @property
    def tflite_path(self) -> Path:
        """Path of the TFLite model file."""
        return self.path / self.metadata.get("files", {}).get("tflite", TFLITE_FILE)

    @property
    def title(self) -> str:
        """A human title: the description if any, else the name and version."""
        return str(self.metadata.get("title") or f"{self.name} {self.version}")

    @property
    def metrics(self) -> dict[str, Any]:
        """Measured metrics stored with the bundle (may be empty)."""
        return dict(self.metadata.get("metrics") or {})


def load_bundle(path: str | os.PathLike[str]) -> ModelBundle:
    """Loads and checks a bundle folder.

    Raises:
        BundleError: naming the problem and the path, if the folder is missing, a file is
            missing or corrupt, or the labels disagree with the metadata.
    """
    path = Path(path)
    if not path.is_dir():
        raise BundleError(f"No model bundle at {path}: the folder does not exist.")
    meta_path = path / METADATA_FILE
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BundleError(f"{path} is not a model bundle: {METADATA_FILE} is missing.") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"The metadata of the model bundle {meta_path} is unreadable: {exc}") from exc
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise BundleError(f"{meta_path} is not mojiyomi bundle metadata "
                          f"(expected format={FORMAT!r}, received {_get(metadata, 'format')!r}).")
    if int(metadata.get("format_version", 0)) > FORMAT_VERSION:
        raise BundleError(f"The model bundle {path} needs a newer mojiyomi "
                          f"(format_version={metadata.get('format_version')}, this one reads {FORMAT_VERSION}).")
    missing = [key for key in _REQUIRED if key not in metadata]
    if missing:
        raise BundleError(f"The metadata {meta_path} lacks {', '.join(missing)}.")
    try:
        spec = Preprocessing.from_json(metadata["preprocessing"])
        shape = tuple(int(v) for v in metadata["input_shape"])
    except (TypeError, ValueError) as exc:
        raise BundleError(f"The metadata {meta_path} has a bad preprocessing or input_shape: {exc}") from exc
    if len(shape) != 3 or shape[:2] != (spec.size, spec.size):
        raise BundleError(f"{meta_path}: input_shape {list(shape)} does not match the preprocessing "
                          f"size {spec.size}.")
    labels = _read_labels(path / metadata.get("files", {}).get("labels", LABELS_FILE))
    if len(labels) != int(metadata["classes"]):
        raise BundleError(f"{path}: {LABELS_FILE} has {len(labels)} labels but the metadata says "
                          f"classes={metadata['classes']}.")
    bundle = ModelBundle(path, str(metadata["name"]), str(metadata["version"]), labels, spec,
                         shape, metadata)  # type: ignore[arg-type]
    _check_model_file(bundle.tflite_path, b"TFL3", 4, "TFLite")
    _check_model_file(bundle.keras_path, b"PK", 0, "Keras")
    return bundle


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else type(obj).__name__


def _read_labels(path: Path) -> tuple[str, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise BundleError(f"The model bundle {path.parent} has no labels file ({path.name}).") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleError(f"The labels file {path} is unreadable: {exc}") from exc
    labels = tuple(line for line in text.split("\n") if line != "")
    if len(set(labels)) != len(labels):
        raise BundleError(f"The labels file {path} repeats a label.")
    return labels


def _check_model_file(path: Path, magic: bytes, offset: int, kind: str) -> None:
    try:
        with path.open("rb") as handle:
            head = handle.read(offset + len(magic))
    except FileNotFoundError as exc:
        raise BundleError(f"The model bundle {path.parent} lacks its {kind} model ({path.name}).") from exc
    except OSError as exc:
        raise BundleError(f"The {kind} model {path} is unreadable: {exc}") from exc
    if head[offset:offset + len(magic)] != magic:
        raise BundleError(f"{path} is not a {kind} model file (it is corrupt or of another kind).")


def write_labels(path: Path, labels: list[str] | tuple[str, ...]) -> None:
    """Writes labels one per line; a label may not contain a newline."""
    for label in labels:
        if not label or "\n" in label:
            raise BundleError(f"A label must be non-empty and on one line. Received: {label!r}")
    atomic_write_text(path, "\n".join(labels) + "\n")


@contextmanager
def bundle_writer(target: str | os.PathLike[str], metadata: dict[str, Any],
                  labels: list[str] | tuple[str, ...]) -> Iterator[Path]:
    """Writes a bundle atomically: yields a staging folder for the model files.

    The caller saves ``model.keras`` and ``model.tflite`` into the yielded folder. On a
    clean exit the metadata and labels are added, the staging folder is checked with
    ``load_bundle`` and then moved to ``target`` (replacing an older bundle only then).
    On any error the staging folder is removed and ``target`` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = make_staging_dir(target)
    try:
        yield staging
        full = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "files": {"keras": KERAS_FILE, "tflite": TFLITE_FILE, "labels": LABELS_FILE},
                **metadata, "classes": len(labels)}
        write_labels(staging / LABELS_FILE, labels)
        atomic_write_text(staging / METADATA_FILE, json.dumps(full, ensure_ascii=False, indent=2) + "\n")
        load_bundle(staging)
        replace_directory(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def update_metadata(bundle_path: str | os.PathLike[str], changes: dict[str, Any]) -> ModelBundle:
    """Merges ``changes`` into a bundle's metadata atomically and reloads it."""
    path = Path(bundle_path)
    meta_path = path / METADATA_FILE
    metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    metadata.update(changes)
    atomic_write_text(meta_path, json.dumps(metadata, ensure_ascii=False, indent=2) + "\n")
    return load_bundle(path)


def bundle_search_path() -> list[Path]:
    """Folders searched for installed bundles: the user's first, then the bundled ones."""
    return [user_models_dir(), bundled_models_dir()]


def list_bundles(search_path: list[Path] | None = None) -> list[ModelBundle]:
    """Every loadable bundle in the search path, user bundles first; broken ones are skipped."""
    found: list[ModelBundle] = []
    for folder in bundle_search_path() if search_path is None else search_path:
        if not folder.is_dir():
            continue
        for child in sorted(folder.iterdir()):
            if child.name.startswith(".") or not (child / METADATA_FILE).is_file():
                continue
            try:
                found.append(load_bundle(child))
            except BundleError:
                continue
    return found


def resolve_model(name_or_path: str, search_path: list[Path] | None = None) -> ModelBundle:
    """Finds a bundle by folder path, or by name among installed bundles.

    Raises:
        ModelNotFoundError: if nothing matches, listing the names that exist.
        BundleError: if the path exists but is not a valid bundle.
    """
    candidate = Path(name_or_path).expanduser()
    if candidate.is_dir() or os.sep in name_or_path or name_or_path.startswith("."):
        return load_bundle(candidate)
    bundles = list_bundles(search_path)
    for bundle in bundles:
        if name_or_path in (bundle.path.name, bundle.name):
            return bundle
    names = sorted({b.path.name for b in bundles}) or ["(none installed)"]
    raise ModelNotFoundError(f"No model named {name_or_path!r}. Installed models: {', '.join(names)}.")


#: Bundled models the app opens when the user has chosen none, best first.
DEFAULT_MODELS = ("japanese", "digits")


def default_model_name() -> str:
    """The bundle the app opens when the user has chosen none.

    The Japanese model (kana, kanji and digits) where it is installed, else the digits model.
    """
    from core.paths import bundled_models_dir

    for name in DEFAULT_MODELS:
        if (bundled_models_dir() / name / METADATA_FILE).is_file():
            return name
    return DEFAULT_MODELS[-1]
