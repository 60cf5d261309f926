"""``mojiyomi finetune``: adapt a bundle to one user's samples and write a personal bundle."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from core.bundle import KERAS_FILE, TFLITE_FILE, ModelBundle, bundle_writer, check_output
from core.errors import BundleError, DatasetError
from core.ink import iter_ink_dataset
from core.paths import user_models_dir
from core.safeio import read_bytes, resolve_inside, safe_name
from core.samples import DB_SUFFIXES, TrainingSample, labelled_samples
from training.adapt import (HOLDOUT_FRACTION, MIN_NEW_CLASS_SAMPLES, REPLAY_FILE, AdaptConfig, AdaptResult,
                            adapt_model, check_samples, inks_to_arrays, load_replay, new_classes, split_holdout)
from training.bundle_names import personal_bundle_out
from training.events import Reporter
from training.keras_io import load_keras_model


#: Largest replay file copied into a personal bundle (the Japanese model's is about 10 MB).
MAX_REPLAY_BYTES = 1024 * 1024 * 1024


@dataclass(frozen=True)
class FinetuneOutcome:
    """The measured result and the new bundle (written even when not recommended)."""

    result: AdaptResult
    bundle: Path


def read_samples(source: str | Path) -> list[TrainingSample]:
    """Labelled inks from an ink dataset (JSONL), or the samples of a mojiyomi samples database
    (SQLite): inks, and picture samples as the model inputs the picture path made."""
    path = Path(source)
    if not path.exists():
        raise DatasetError(f"No samples at {path}.")
    if path.suffix.lower() in DB_SUFFIXES:
        return labelled_samples(path)
    return list(iter_ink_dataset(path))


def finetune(base: ModelBundle, samples: Sequence[TrainingSample], holdout: Sequence[TrainingSample] | None = None,
             config: AdaptConfig | None = None, out: Path | None = None,
             report: Reporter | None = None,
             should_stop: Callable[[], bool] | None = None, command: str = "") -> FinetuneOutcome:
    """Fine-tunes ``base`` on labelled samples (inks, pictures' model inputs); writes a new personal bundle atomically.

    Without ``holdout``, a quarter of the samples is held out to measure the user's accuracy
    (``training.adapt.holdout_counts``). A label the model does not know becomes a new class
    only with ``MIN_NEW_CLASS_SAMPLES`` samples; the samples of the others are not used and
    the result names them (``refused_labels``). The original bundle is never modified.
    Without ``out`` the bundle is a new ``<base>-personal-<n>`` folder in the user's models
    folder, its name made safe.

    Raises:
        DatasetError: too few samples, or a base bundle without replay samples.
        Cancelled: if ``should_stop`` returned True.
    """
    import keras

    # Checked before minutes of training: an ordinary folder or a file is never replaced.
    target = check_output(out, "output") if out else personal_bundle_out(base_name(base), user_models_dir())
    if target.resolve() == base.path.resolve():
        raise BundleError(f"A fine-tune never replaces the model it starts from. Received: out={str(out)!r}, "
                          f"the base model {base.name} ({base.path}). Give another folder.")
    config = config or AdaptConfig()
    start = time.time()
    new_labels, refused = new_classes([str(ink.label) for ink in samples if ink.label and not ink.is_empty],
                                      base.labels)
    labels = base.labels + new_labels
    kept = set(labels)
    samples = check_samples([ink for ink in samples if ink.label in kept], refused)
    if holdout is None:
        samples, holdout = split_holdout(samples, HOLDOUT_FRACTION, config.seed)
    holdout = [ink for ink in holdout if ink.label in kept and not ink.is_empty]
    spec = base.preprocessing
    user = inks_to_arrays(samples, labels, spec)
    held = inks_to_arrays(holdout, labels, spec) if holdout else (np.zeros((0, *base.input_shape), np.uint8),
                                                                   np.zeros(0, np.int64))
    replay = load_replay(base)
    model = load_keras_model(base)
    model, result = adapt_model(model, labels, user, held, replay, config, report, should_stop)
    if refused:
        result = replace(result, reason=f"{result.reason} {refused_note(refused)}")
    result = replace(result, refused_labels=refused, seconds=time.time() - start)
    write_personal_bundle(base, model, labels, target, result, config, command)
    return FinetuneOutcome(result, target)


def refused_note(refused: Sequence[str]) -> str:
    """The sentence saying which unknown labels were not added, and why."""
    shown = " ".join(refused[:12]) + (" …" if len(refused) > 12 else "")
    return (f"Not added as new classes ({len(refused)}: {shown}): a new class needs at least "
            f"{MIN_NEW_CLASS_SAMPLES} samples; their samples were not used.")


def base_name(base: ModelBundle) -> str:
    """The name personal models of ``base`` are named after, safe as one folder name.

    A bundle's metadata is not trusted: ``"base_name": "../../x"`` must not lead a
    fine-tune's output out of the models folder.
    """
    return safe_name(base.metadata.get("base_name"), fallback=safe_name(base.name))


def write_personal_bundle(base: ModelBundle, model: Any, labels: tuple[str, ...], target: Path,
                          result: AdaptResult, config: AdaptConfig, command: str) -> None:
    """Writes the adapted model as a new bundle that records its parent and measurements."""
    from training.export import BUNDLE_FORMAT, to_tflite

    meta: dict[str, Any] = {key: base.metadata[key] for key in ("input_shape", "preprocessing") if key in base.metadata}
    meta.update({"name": target.name, "version": f"{base.version}+{target.name.rsplit('-', 1)[-1]}",
                 "title": f"{base.title} — personal {target.name.rsplit('-', 1)[-1]}",
                 "base_name": base_name(base), "personal": True, "tflite_format": BUNDLE_FORMAT,
                 "parent": {"name": base.name, "version": base.version, "path": str(base.path)},
                 "metrics": {"finetune": result.to_json()},
                 "training": {"command": command, "adapt_config": json.loads(json.dumps(config.__dict__)),
                              "seconds": round(result.seconds, 1)}})
    with bundle_writer(target, meta, list(labels)) as staging:
        model.save(staging / KERAS_FILE)
        (staging / TFLITE_FILE).write_bytes(to_tflite(model, BUNDLE_FORMAT))
        # Read as a user's file: inside the base's folder, regular, bounded (never a FIFO or /dev/zero).
        replay = resolve_inside(base.path, REPLAY_FILE, "replay samples file", BundleError)
        (staging / REPLAY_FILE).write_bytes(read_bytes(replay, MAX_REPLAY_BYTES, "replay samples file", BundleError))
