"""One preprocessing per run: the data's, the parent model's and the run's must agree.

A generated dataset records the preprocessing its samples were made with in the
``manifest.json`` beside it (``training.synth.generate``), and a bundle trained on from
(``init_from``) has its own. A run that names other values is refused with what differs;
values it leaves out are taken from the data or the parent model, and it says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.bundle import load_bundle
from core.errors import DatasetError
from core.preprocess import Preprocessing
from core.safeio import load_json
from training.config import ConfigError, TrainConfig

#: The config fields that decide the preprocessing, and their names in ``Preprocessing``.
SPEC_FIELDS = {"input_size": "size", "box": "box", "stroke_ratio": "stroke_ratio"}
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class SpecSource:
    """Preprocessing a run must follow, and where it comes from.

    Attributes:
        spec: The preprocessing.
        what: ``"data"`` (a dataset's manifest) or ``"model"`` (the ``init_from`` bundle).
        where: The manifest or bundle path, for messages.
    """

    spec: Preprocessing
    what: str
    where: str


def find_manifest(data: str | Path) -> Path | None:
    """The ``manifest.json`` of a dataset: in its folder, or beside its file; None if there is none."""
    if str(data).startswith("keras:"):
        return None
    path = Path(data)
    if not path.exists():
        return None
    manifest = path / MANIFEST if path.is_dir() else path.parent / MANIFEST
    return manifest if manifest.is_file() else None


def read_manifest(data: str | Path) -> dict[str, Any] | None:
    """A dataset's manifest (bounded, parsed with limits), or None if it has none.

    Raises:
        DatasetError: if the manifest exists but is unreadable or not a JSON object.
    """
    manifest = find_manifest(data)
    if manifest is None:
        return None
    found = load_json(manifest, "dataset manifest", DatasetError, max_bytes=64 * 1024 * 1024)
    if not isinstance(found, dict):
        raise DatasetError(f"The dataset manifest {manifest} must be a JSON object. Received: {type(found).__name__}")
    return found


def data_spec(data: str | Path) -> SpecSource | None:
    """The preprocessing a dataset was made with, from its manifest; None if it does not say.

    Raises:
        DatasetError: if the manifest is unreadable or its preprocessing is not valid.
    """
    manifest = read_manifest(data)
    if manifest is None or "preprocessing" not in manifest:
        return None
    where = str(find_manifest(data))
    raw = manifest["preprocessing"]
    try:
        if not isinstance(raw, dict):
            raise TypeError(f"not an object: {raw!r}"[:100])
        spec = Preprocessing.from_json(raw)
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"The preprocessing recorded in {where} is not valid. Received: {exc}") from None
    return SpecSource(spec, "data", where)


def sources(data: str, init_from: str | None) -> list[SpecSource]:
    """The preprocessing a run on ``data`` from ``init_from`` must follow: the model's first."""
    found = [SpecSource(load_bundle(init_from).preprocessing, "model", init_from)] if init_from else []
    from_data = data_spec(data)
    return found + ([from_data] if from_data else [])


def adopt_spec(values: dict[str, Any], given: set[str]) -> tuple[dict[str, Any], str | None]:
    """Fills a config's preprocessing from its data or parent model, and checks what was given.

    Args:
        values: The config's fields (as ``TrainConfig.from_json`` takes them).
        given: The fields the user set (flags or config file); the others may be adopted.

    Returns:
        The fields with the adopted preprocessing, and a sentence saying what was adopted
        (None when nothing was).

    Raises:
        ConfigError, DatasetError: if a given value conflicts with the model's or the data's, or
            the data was drawn at another render size than the model's.
    """
    found = sources(str(values.get("data", "")), values.get("init_from"))
    if not found:
        return values, None
    _check_render(found)
    values = dict(values)
    adopted = {key: getattr(found[0].spec, name) for key, name in SPEC_FIELDS.items() if key not in given}
    values.update(adopted)
    for source in found:
        _check(_spec_of(values), source)
    if not adopted:
        return values, None
    said = ", ".join(f"{key}={value:g}" for key, value in adopted.items())
    return values, f"Using the {'model' if found[0].what == 'model' else 'data'}'s preprocessing ({found[0].where}): {said}"


def check_spec(config: TrainConfig) -> None:
    """Refuses a run whose preprocessing differs from its data's or its parent model's.

    Raises:
        ConfigError: if it differs from the ``init_from`` model's.
        DatasetError: if it differs from what the data's manifest records, or the data was
            drawn at another render size than the ``init_from`` model's.
    """
    found = sources(config.data, config.init_from)
    _check_render(found)
    for source in found:
        _check({key: getattr(config, key) for key in SPEC_FIELDS}, source)


def _spec_of(values: dict[str, Any]) -> dict[str, Any]:
    defaults = TrainConfig(data="-", out="-")
    return {key: values.get(key, getattr(defaults, key)) for key in SPEC_FIELDS}


def _check(run: dict[str, Any], source: SpecSource) -> None:
    differ = [(key, run[key], getattr(source.spec, name)) for key, name in SPEC_FIELDS.items()
              if not _same(run[key], getattr(source.spec, name))]
    if not differ:
        return
    made = "the data was made with" if source.what == "data" else "the model was trained with"
    received = "; ".join(f"{key}={value:g}, {made} {key}={theirs:g}" for key, value, theirs in differ)
    if source.what == "data":
        raise DatasetError(f"The training data was made with other preprocessing than this run's (see "
                           f"{source.where}): leave these settings out to use the data's, or make the data "
                           f"again. Received: {received}")
    raise ConfigError(f"A run from the model {source.where} (init_from) keeps that model's preprocessing: leave "
                      f"these settings out or give the model's. Received: {received}")


def _check_render(found: list[SpecSource]) -> None:
    # A run keeps its parent model's render size (no flag sets it), so data drawn at another
    # would train the model on ink drawn unlike the bundle's.
    if len(found) < 2:  # sources() lists the model first, then the data
        return
    model, data = found
    if model.spec.render_size != data.spec.render_size:
        raise DatasetError(f"The training data was drawn at another render size than the model {model.where} "
                           f"(init_from) draws ink at (see {data.where}): make the data again with the model's. "
                           f"Received: render_size={data.spec.render_size}, the model's "
                           f"render_size={model.spec.render_size}")


def _same(a: Any, b: Any) -> bool:
    return isinstance(a, (int, float)) and math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
