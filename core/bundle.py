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
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.atomic import atomic_write_text, clean_stale, make_staging_dir, replace_directory
from core.errors import BundleError, ModelNotFoundError
from core.paths import bundled_models_dir, user_models_dir
from core.preprocess import Preprocessing
from core.safeio import load_json, open_regular, read_text, resolve_inside

FORMAT = "mojiyomi-bundle"
FORMAT_VERSION = 1
METADATA_FILE = "metadata.json"
LABELS_FILE = "labels.txt"
KERAS_FILE = "model.keras"
TFLITE_FILE = "model.tflite"
log = logging.getLogger(__name__)
_REQUIRED = ("name", "version", "input_shape", "preprocessing", "classes")
#: Largest metadata.json read (the Japanese model's is a few kB).
MAX_METADATA_BYTES = 4 * 1024 * 1024
#: Largest labels.txt read (3,146 labels are about 10 kB).
MAX_LABELS_BYTES = 16 * 1024 * 1024
#: Most classes a bundle may declare.
MAX_CLASSES = 1_000_000


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
        """Path of the Keras model file (always inside the bundle folder)."""
        return _inside(self.path, self.metadata, "keras", KERAS_FILE)

    @property
    def tflite_path(self) -> Path:
        """Path of the TFLite model file (always inside the bundle folder)."""
        return _inside(self.path, self.metadata, "tflite", TFLITE_FILE)

    @property
    def title(self) -> str:
        """A human title: the description if any, else the name and version."""
        return str(self.metadata.get("title") or f"{self.name} {self.version}")

    @property
    def metrics(self) -> dict[str, Any]:
        """Measured metrics stored with the bundle (may be empty)."""
        metrics = self.metadata.get("metrics")
        return dict(metrics) if isinstance(metrics, dict) else {}


def load_bundle(path: str | os.PathLike[str]) -> ModelBundle:
    """Loads and checks a bundle folder.

    The metadata is read with limits (size, nesting) and every field is type-checked; the
    files it names must lie inside the folder (no ``..``, no absolute path, no symlink
    leading out) and be regular files (no FIFO, no device).

    Raises:
        BundleError: naming the problem and the path, if the folder is missing, a file is
            missing or corrupt, a field has the wrong type, or the labels disagree with the
            metadata.
    """
    path = Path(path)
    if not path.is_dir():
        raise BundleError(f"No model bundle at {path}: the folder does not exist.")
    meta_path = path / METADATA_FILE
    if not meta_path.exists() and not meta_path.is_symlink():
        raise BundleError(f"{path} is not a model bundle: {METADATA_FILE} is missing.")
    resolve_inside(path, METADATA_FILE, "metadata file of the model bundle", BundleError)
    try:
        metadata = load_json(meta_path, "model bundle metadata", BundleError, max_bytes=MAX_METADATA_BYTES,
                             allow_nan=True)
    except BundleError as exc:
        raise BundleError(f"The metadata of the model bundle {meta_path} is unreadable: {exc}") from exc
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise BundleError(f"{meta_path} is not mojiyomi bundle metadata "
                          f"(expected format={FORMAT!r}, received {_preview(_get(metadata, 'format'))}).")
    fields = _check_fields(metadata, meta_path)
    labels = _read_labels(_inside(path, metadata, "labels", LABELS_FILE))
    if len(labels) != fields["classes"]:
        raise BundleError(f"{path}: {LABELS_FILE} has {len(labels)} labels but the metadata says "
                          f"classes={fields['classes']}.")
    bundle = ModelBundle(path, fields["name"], fields["version"], labels, fields["preprocessing"],
                         fields["input_shape"], metadata)
    _check_model_file(bundle.tflite_path, b"TFL3", 4, "TFLite")
    _check_model_file(bundle.keras_path, b"PK", 0, "Keras")
    return bundle


def _check_fields(metadata: dict[str, Any], meta_path: Path) -> dict[str, Any]:
    """The typed required fields of bundle metadata.

    Raises:
        BundleError: naming the first field that is missing or of the wrong type.
    """
    version = metadata.get("format_version", 0)
    if not _is_int(version):
        raise BundleError(f"{meta_path}: format_version must be an integer. Received: {_preview(version)}")
    if version > FORMAT_VERSION:
        raise BundleError(f"The model bundle {meta_path.parent} needs a newer mojiyomi "
                          f"(format_version={version}, this one reads {FORMAT_VERSION}).")
    missing = [key for key in _REQUIRED if key not in metadata]
    if missing:
        raise BundleError(f"The metadata {meta_path} lacks {', '.join(missing)}.")
    for key in ("name", "version"):
        value = metadata[key]
        if not (isinstance(value, str) and value.strip() and len(value) <= 200) and not _is_int(value):
            raise BundleError(f"{meta_path}: {key} must be a non-empty string. Received: {_preview(value)}")
    classes = metadata["classes"]
    if not _is_int(classes) or not 1 <= classes <= MAX_CLASSES:
        raise BundleError(f"{meta_path}: classes must be an integer in [1, {MAX_CLASSES}]. "
                          f"Received: {_preview(classes)}")
    files = metadata.get("files", {})
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise BundleError(f"{meta_path}: files must map names to file names. Received: {_preview(files)}")
    try:
        spec = Preprocessing.from_json(metadata["preprocessing"])
    except (TypeError, ValueError) as exc:
        raise BundleError(f"The metadata {meta_path} has a bad preprocessing: {exc}") from exc
    shape = metadata["input_shape"]
    if not isinstance(shape, list) or len(shape) != 3 or not all(_is_int(v) for v in shape) \
            or tuple(shape[:2]) != (spec.size, spec.size) or shape[2] not in (1, 3):
        raise BundleError(f"{meta_path}: input_shape {_preview(shape)} does not match the preprocessing "
                          f"size {spec.size} (expected [{spec.size}, {spec.size}, 1]).")
    return {"name": str(metadata["name"]), "version": str(metadata["version"]), "classes": classes,
            "preprocessing": spec, "input_shape": (shape[0], shape[1], shape[2])}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _inside(folder: Path, metadata: dict[str, Any], key: str, default: str) -> Path:
    """The bundle file ``files[key]`` names, resolved inside ``folder`` only."""
    files = metadata.get("files")
    name = files.get(key, default) if isinstance(files, dict) else default
    return resolve_inside(folder, name, f"{key} file of the model bundle", BundleError)


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else type(obj).__name__


def _preview(obj: Any) -> str:
    text = repr(obj)
    return text if len(text) < 80 else text[:77] + "..."


def _read_labels(path: Path) -> tuple[str, ...]:
    if not path.exists() and not path.is_symlink():
        raise BundleError(f"The model bundle {path.parent} has no labels file ({path.name}).")
    text = read_text(path, MAX_LABELS_BYTES, "labels file", BundleError)
    labels = tuple(line for line in text.split("\n") if line != "")
    if len(set(labels)) != len(labels):
        raise BundleError(f"The labels file {path} repeats a label.")
    return labels


def _check_model_file(path: Path, magic: bytes, offset: int, kind: str) -> None:
    if not path.exists() and not path.is_symlink():
        raise BundleError(f"The model bundle {path.parent} lacks its {kind} model ({path.name}).")
    fd = open_regular(path, f"{kind} model", BundleError)
    try:
        with os.fdopen(fd, "rb") as handle:
            head = handle.read(offset + len(magic))
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


def is_bundle_folder(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a folder whose metadata says it is a mojiyomi bundle (it may be broken)."""
    path = Path(path)
    try:
        metadata = load_json(path / METADATA_FILE, "model bundle metadata", BundleError,
                             max_bytes=MAX_METADATA_BYTES, allow_nan=True)
    except BundleError:
        return False
    return path.is_dir() and isinstance(metadata, dict) and metadata.get("format") == FORMAT


def check_output(target: str | os.PathLike[str], what: str = "output") -> Path:
    """Checks that a bundle may be written to ``target``: it is new, empty, or a bundle to replace.

    An ordinary folder (one that is not a mojiyomi bundle), a file or a symlink is never
    replaced: the user's files there would be lost.

    Raises:
        BundleError: saying what is at ``target`` and that it was left untouched.
    """
    target = Path(target)
    if target.is_symlink():
        raise BundleError(f"The {what} {target} is a symbolic link; it was left untouched. Give a new folder "
                          f"or the bundle folder itself.")
    if not target.exists():
        return target
    if not target.is_dir():
        raise BundleError(f"The {what} {target} is a file, not a model bundle folder; it was left untouched. "
                          f"Give a new folder, or an existing bundle to replace.")
    if is_bundle_folder(target):
        return target
    try:
        empty = not any(target.iterdir())
    except OSError as exc:
        raise BundleError(f"Cannot read the {what} folder {target}: {exc}") from exc
    if not empty:
        raise BundleError(f"The {what} folder {target} exists and is not a mojiyomi model bundle; it was left "
                          f"untouched. Give a new folder, or an existing bundle to replace.")
    return target


@contextmanager
def bundle_writer(target: str | os.PathLike[str], metadata: dict[str, Any],
                  labels: list[str] | tuple[str, ...]) -> Iterator[Path]:
    """Writes a bundle atomically: yields a staging folder for the model files.

    The caller saves ``model.keras`` and ``model.tflite`` into the yielded folder. On a
    clean exit the metadata and labels are added, the staging folder is checked with
    ``load_bundle`` and then moved to ``target`` (replacing an older bundle only then).
    On any error the staging folder is removed and ``target`` is untouched. What killed
    writers left beside ``target`` is cleaned first (``core.atomic.clean_stale``).

    Raises:
        BundleError: if ``target`` is a file or a folder that is not a bundle (see
            ``check_output``), or the new bundle does not load.
    """
    target = check_output(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in clean_stale(target.parent):
        log.info("removed or restored %s, left by a writer that was killed", leftover)
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
        check_output(target)  # again: something may have appeared there while the model trained
        replace_directory(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def update_metadata(bundle_path: str | os.PathLike[str], changes: dict[str, Any]) -> ModelBundle:
    """Merges ``changes`` into a bundle's metadata atomically and reloads it.

    Raises:
        BundleError: if the bundle does not load before or after the change.
    """
    bundle = load_bundle(bundle_path)
    metadata = {**bundle.metadata, **changes}
    atomic_write_text(bundle.path / METADATA_FILE, json.dumps(metadata, ensure_ascii=False, indent=2) + "\n")
    return load_bundle(bundle.path)


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
            except BundleError as exc:
                log.warning("The model bundle %s is left out of the list: %s", child, exc)
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
