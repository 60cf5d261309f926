"""A training run: data, model, fit, export, evaluation, and an atomically written bundle."""

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from core.atomic import process_alive
from core.bundle import KERAS_FILE, TFLITE_FILE, ModelBundle, bundle_writer, check_output, load_bundle
from core.errors import BundleError, DatasetError, MojiyomiError
from core.preprocess import Preprocessing
from training.cancel import Cancelled
from training.config import TrainConfig
from training.data import PreparedData, prepare_data
from training.events import DoneEvent, Reporter, StageEvent
from training.keras_io import load_keras_model
from training.recipe import STAGE1_DONE, make_progress_callback, run_stages
from training.spec_check import check_spec, data_spec, find_manifest, read_manifest
from training.stages import StageLog, begin_stage, hardware, stage_reporter

__all__ = ["Cancelled", "TrainResult", "abandoned_run", "align_labels", "build_for", "fit", "init_labels",
           "make_progress_callback", "open_run", "resume_problem", "run_dir_for", "spec_for", "train", "trained_model",
           "write_trained_bundle"]

#: The run folder's weights of a finished training, saved before the export.
TRAINED = "trained.weights.h5"
#: The run folder's note of the process running it.
OWNER_FILE = "owner.pid"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainResult:
    """What a finished run produced."""

    bundle: Path | None
    val_top1: float
    test_top1: float | None
    seconds: float
    metrics: dict[str, Any]


def spec_for(config: TrainConfig) -> Preprocessing:
    """The preprocessing a config trains with, and its bundle records.

    A run from an ``init_from`` bundle keeps that bundle's whole preprocessing (its render size
    and picture pen too). Otherwise it is the config's size, box and pen (which a dataset's
    manifest may have set: ``training.spec_check.adopt_spec``) with the rest of what the
    manifest records (its render size and picture pen), so that the bundle draws ink and
    evens pictures as its training samples were made. Reads no samples and imports no
    TensorFlow: ``mojiyomi train`` checks its data with it before a run starts.

    Raises:
        DatasetError: if the data's manifest is unreadable or its preprocessing is not valid.
    """
    if config.init_from:
        return load_bundle(config.init_from).preprocessing
    spec = Preprocessing(size=config.input_size, box=config.box, stroke_ratio=config.stroke_ratio)
    made = data_spec(config.data)
    return spec if made is None else replace(made.spec, size=spec.size, box=spec.box, stroke_ratio=spec.stroke_ratio)


def build_for(config: TrainConfig, labels: Sequence[str]) -> Any:
    """A fresh model for the config, or the ``init_from`` bundle's model to fine-tune.

    Args:
        config: The run's config.
        labels: The run's output labels in order (``align_labels``: the init_from model's first).
    """
    import keras

    from training.backbones import build_model, is_transfer

    classes = len(labels)
    if config.init_from:
        from training.newclasses import grow_classifier, narrow_classifier

        bundle = load_bundle(config.init_from)
        model = load_keras_model(bundle)
        known = init_labels(bundle.labels, labels, config.only_data_classes)
        if classes != len(bundle.labels) and not isinstance(model.layers[-1], keras.layers.Dense):
            raise DatasetError(f"The run needs {classes} outputs ({classes - len(known)} of them new) and the model "
                               f"{bundle.name} has {len(bundle.labels)}, but its head cannot change.")
        if len(known) != len(bundle.labels):
            index = {label: i for i, label in enumerate(bundle.labels)}
            model = narrow_classifier(model, [index[label] for label in known])
        return grow_classifier(model, len(known), classes)
    shape = (config.input_size, config.input_size, 1)
    if is_transfer(config.backbone):
        return build_model(config.backbone, shape, classes, weights=config.weights, adapter=config.adapter,
                           head=config.head, head_dropout=config.dropout, head_batchnorm=config.head_batchnorm)
    return build_model(config.backbone, shape, classes, dropout=config.dropout, width=config.width)


def fit(config: TrainConfig, data: PreparedData, report: Reporter,
        should_stop: Callable[[], bool], run_dir: Path) -> Any:
    """Builds the model (seeded) and trains it with the recipe; returns the inference model.

    The simple CNN trains in one stage, an ImageNet backbone in two (see
    ``training.recipe``). ``run_dir`` holds a checkpoint of every epoch of each stage (so
    an interrupted run resumes where it stopped) and the best weights on validation.

    Raises:
        Cancelled: if ``should_stop`` returned True.
    """
    import keras

    from training.distribute import strategy_scope

    from training.backbones import upsample_note

    keras.utils.set_random_seed(config.seed)
    note = None if config.init_from else upsample_note(config.backbone, config.input_size)
    if note:
        report(StageEvent(note))
    with strategy_scope(config.strategy):
        model = build_for(config, data.labels)
    run_stages(config, model, data, report, should_stop, run_dir)
    if should_stop():
        raise Cancelled("Training was cancelled by the user; no model was written or replaced.")
    return model


def init_labels(known: Sequence[str], labels: Sequence[str], only_data_classes: bool = False) -> tuple[str, ...]:
    """The classes of a fine-tune's model that come from its ``init_from`` model, in that model's order.

    Args:
        known: The ``init_from`` model's labels.
        labels: The data's labels (or the run's, which start with the result).
        only_data_classes: Keep only those of ``known`` that ``labels`` holds.
    """
    if not only_data_classes:
        return tuple(known)
    present = set(labels)
    return tuple(label for label in known if label in present)


def align_labels(data: PreparedData, known: tuple[str, ...]) -> PreparedData:
    """Data relabelled into a model's label order; labels it does not know are appended.

    Fine-tuning a bundle (``init_from``) keeps its output order, so class 3 stays class 3;
    new labels get new outputs (the head grows, old classes keep their weights).
    """
    from training.data import ArraySplit

    labels = tuple(known) + tuple(sorted(set(data.labels) - set(known)))
    index = np.asarray([labels.index(label) for label in data.labels], dtype=np.int64)

    def remap(split: ArraySplit) -> ArraySplit:
        return ArraySplit(split.x, index[split.y])

    return PreparedData(labels, remap(data.train), remap(data.val), None if data.test is None else remap(data.test))


def run_dir_for(out: str | Path) -> Path:
    """The folder that holds a run's checkpoints, beside the bundle it will write."""
    out = Path(out)
    return out.parent / f".{out.name}.run"


def open_run(config: TrainConfig, resume: bool) -> tuple[TrainConfig, Path]:
    """Prepares the run folder: a fresh one, or the interrupted run's with its own config.

    Raises:
        ValueError: if ``resume`` is asked but there is nothing to resume, saying why.
        BundleError: if something that is not a run folder is where the run folder goes.
    """
    from training.distribute import cluster_task, is_chief

    run_dir = run_dir_for(config.out)
    if not is_chief():
        run_dir = run_dir / f"{cluster_task()[0]}-{cluster_task()[1]}"
    saved = run_dir / "config.json"
    if resume:
        problem = resume_problem(run_dir)
        if problem is not None:
            raise ValueError(f"There is no interrupted run to resume for {config.out}: {problem}. "
                             f"Start it again without --resume.")
        try:
            resumed = TrainConfig.load(saved)
            (run_dir / OWNER_FILE).write_text(str(os.getpid()), "utf-8")
            return resumed, run_dir
        except (MojiyomiError, ValueError, TypeError, KeyError, OSError) as exc:
            raise ValueError(f"Cannot resume the run for {config.out}: its config {saved} is unreadable ({exc}). "
                             f"Start it again without --resume.") from exc
    if run_dir.exists() or run_dir.is_symlink():
        if run_dir.is_symlink() or not run_dir.is_dir() or any(run_dir.iterdir()) and not saved.is_file():
            raise BundleError(f"{run_dir} is where the run keeps its checkpoints, and it is not a mojiyomi run "
                              f"folder; it was left untouched. Move it, or choose another output.")
        shutil.rmtree(run_dir)  # a run that was not resumed: its checkpoints are reused by starting over
    run_dir.mkdir(parents=True)
    config.save(saved)
    (run_dir / OWNER_FILE).write_text(str(os.getpid()), "utf-8")
    return config, run_dir


def abandoned_run(run_dir: Path) -> bool:
    """Whether ``run_dir`` is a killed run's folder that nobody can use: its process is gone and
    it holds nothing to resume from (a new run of that name may take it over)."""
    try:
        owner = int((run_dir / OWNER_FILE).read_text("utf-8").strip())
    except (OSError, ValueError):
        return False
    return not process_alive(owner) and resume_problem(run_dir) is not None


def resume_problem(run_dir: Path) -> str | None:
    """Why the run in ``run_dir`` cannot be resumed, or None if it can.

    A run can resume from a per-epoch backup, from a finished first stage, or from its
    finished training (``TRAINED``: it was stopped while exporting).
    """
    if not run_dir.is_dir():
        return f"there is no run folder {run_dir}"
    if not (run_dir / "config.json").is_file():
        return f"{run_dir} has no config.json (the run was stopped while it started)"
    if (run_dir / TRAINED).is_file() or (run_dir / STAGE1_DONE).is_file() or any(run_dir.glob("backup*")):
        return None
    if any(run_dir.glob("best*.weights.h5")):
        return (f"its training had ended but the run was stopped before it saved the trained weights "
                f"(no {TRAINED} in {run_dir})")
    return f"it was stopped before its first epoch ended (no checkpoint in {run_dir})"


def train(config: TrainConfig, report: Reporter | None = None,
          should_stop: Callable[[], bool] | None = None, command: str | None = None,
          resume: bool = False) -> TrainResult:
    """Runs a whole training and writes the bundle to ``config.out`` atomically.

    A failed or cancelled run leaves any bundle already at ``config.out`` untouched. With
    ``resume``, an interrupted run for the same ``out`` continues from its last epoch with
    the config it was started with.

    A run killed while exporting (its training done) resumes at the export. The run folder
    is removed when the run ends, and when it fails holding nothing to resume from; a run
    that fails with checkpoints keeps them for ``resume``.

    Raises:
        Cancelled: if ``should_stop`` returned True.
        DatasetError: if the data cannot be used.
        BundleError: if ``config.out`` is a file or a folder that is not a bundle (checked first).
        ValueError: if ``resume`` finds nothing to resume, saying why.
    """
    report = report or (lambda event: None)
    should_stop = should_stop or (lambda: False)
    check_output(config.out)  # before anything is read or trained: a user's folder is never replaced
    if not resume:
        check_spec(config)  # the data's and the parent model's preprocessing are the run's
    config, run_dir = open_run(config, resume)
    try:
        stage_log = begin_stage(run_dir, command or shlex.join(sys.argv), resume)
        return _run(config, run_dir, stage_log, report, should_stop, command, resume)
    except BaseException:
        if resume_problem(run_dir) is not None:
            shutil.rmtree(run_dir, ignore_errors=True)
        else:
            log.warning("The run's checkpoints are kept in %s: `mojiyomi train --resume --out %s` continues it.",
                        run_dir, config.out)
        raise


def _run(config: TrainConfig, run_dir: Path, stage_log: StageLog, report: Reporter,
         should_stop: Callable[[], bool], command: str | None, resume: bool) -> TrainResult:
    """``train`` in its opened run folder, recording this stage in ``stage_log``."""
    start = time.time()
    report = stage_reporter(stage_log, report, start)
    base = load_bundle(config.init_from) if config.init_from else None
    spec = spec_for(config)
    report(StageEvent("Reading data"))
    data = prepare_data(config.data, spec, config.validation_size, config.seed, config.limit,
                        config.split_by_writer, cache_dir=run_dir / "data", format=config.data_format)
    skipped = f" ({data.skipped} unreadable samples left out)" if data.skipped else ""
    if base is not None:
        data = align_labels(data, init_labels(base.labels, data.labels, config.only_data_classes))
    report(StageEvent(f"Training on {len(data.train)} samples, {len(data.labels)} classes{skipped}"))
    model = trained_model(config, data, report, should_stop, run_dir, resume)
    from training.distribute import is_chief

    if not is_chief():
        shutil.rmtree(run_dir, ignore_errors=True)
        report(DoneEvent(None, time.time() - start))
        return TrainResult(None, float("nan"), None, time.time() - start, {})
    report(StageEvent("Exporting and evaluating"))
    stages = stage_log.update(time.time() - start)
    origin = {"stages": stages.to_json(), "seconds": stages.total_seconds}
    result = write_trained_bundle(config, model, data, spec, time.time() - start, command, origin=origin)
    shutil.rmtree(run_dir, ignore_errors=True)
    report(DoneEvent(str(result.bundle), result.seconds, result.val_top1, result.test_top1))
    return result


def trained_model(config: TrainConfig, data: PreparedData, report: Reporter, should_stop: Callable[[], bool],
                  run_dir: Path, resume: bool) -> Any:
    """The trained model: fitted now, or the saved one of a resumed run whose training had finished.

    The trained weights are saved in ``run_dir`` (atomically) before the export, so a run
    stopped while exporting resumes at the export instead of training again.
    """
    import keras

    from training.distribute import is_chief, strategy_scope

    trained = run_dir / TRAINED
    if resume and trained.is_file():
        report(StageEvent("The training had finished: resuming at the export"))
        keras.utils.set_random_seed(config.seed)
        with strategy_scope(config.strategy):
            model = build_for(config, data.labels)
        model.load_weights(str(trained))
        return model
    model = fit(config, data, report, should_stop, run_dir)
    if is_chief():
        partial = run_dir / f"partial-{TRAINED}"
        model.save_weights(str(partial))
        os.replace(partial, trained)
    return model


def write_trained_bundle(config: TrainConfig, model: Any, data: PreparedData, spec: Preprocessing,
                         seconds: float, command: str | None,
                         origin: dict[str, Any] | None = None) -> TrainResult:
    """Exports the model, evaluates the TFLite file on validation and test, writes the bundle.

    ``origin`` overrides training facts of a model trained elsewhere (``training.accelerated``:
    its ``hardware``, ``train_samples``, and the GPU run's record under ``accelerated``).
    """
    from core.recognizer import TFLiteRecognizer
    from training.evaluate import evaluate_arrays
    from training.export import BUNDLE_FORMAT, to_tflite

    out = Path(config.out)
    metadata: dict[str, Any] = {"name": config.bundle_name, "version": config.version,
                "title": config.title or config.bundle_name, "tflite_format": BUNDLE_FORMAT,
                "input_shape": [spec.size, spec.size, 1], "preprocessing": spec.to_json(),
                "training": {"command": command or shlex.join(sys.argv), "config": config.to_json(),
                             "hardware": hardware(), "seconds": round(seconds, 1),
                             "train_samples": len(data.train), "val_samples": len(data.val)}}
    metadata["training"].update(origin or {})
    if config.init_from:
        metadata["training"]["init_from"] = lineage(load_bundle(config.init_from))
    provenance = data_provenance(config.data)
    if provenance:
        metadata["training"]["data"] = provenance
        if provenance.get("attribution"):
            metadata["attribution"] = provenance["attribution"]
    with bundle_writer(out, metadata, list(data.labels)) as staging:
        model.save(staging / KERAS_FILE)
        (staging / TFLITE_FILE).write_bytes(to_tflite(model, BUNDLE_FORMAT))
        probe = load_bundle_unchecked(staging, metadata, data.labels, spec)
        recognizer = TFLiteRecognizer(probe)
        val, probs = evaluate_arrays(recognizer, data.val.x, data.val.y)
        metrics: dict[str, Any] = {"val": val.to_json()}
        test_top1 = None
        report_on = (data.val, probs)
        if data.test is not None:
            test, test_probs = evaluate_arrays(recognizer, data.test.x, data.test.y)
            metrics["test"] = test.to_json()
            test_top1 = test.top1
            report_on = (data.test, test_probs)
        from training.reports import write_reports

        write_reports(staging / "reports", data.labels, report_on[0].y, report_on[1], report_on[0].x)
        metrics["tflite_bytes"] = (staging / TFLITE_FILE).stat().st_size
        save_replay(staging, data, config.seed)
        metadata["metrics"] = metrics
    return TrainResult(out, val.top1, test_top1, seconds, metrics)


def lineage(base: ModelBundle) -> dict[str, Any]:
    """What a model trained on from ``base`` needs to say about it to be reproducible.

    The base's name and version and how it was trained, including its own ``init_from``:
    a model continued from a continued model lists the whole chain, with each base's
    stages (every start and resume: command, seconds, hardware) and, for a bundle made from
    an unfinished run's backup (``training.checkpoint_bundle``), where that run stood.
    """
    keep = ("command", "hardware", "seconds", "train_samples", "stages", "checkpoint", "accelerated", "init_from")
    made = base.metadata.get("training")
    made = made if isinstance(made, dict) else {}
    return {"name": base.name, "version": base.metadata.get("version"),
            "training": {k: made[k] for k in keep if k in made}}


def data_provenance(data: str) -> dict[str, Any]:
    """What a generated dataset's ``manifest.json`` says about its making (sources, fonts, licences).

    The manifest lies beside the data file or in the data folder (``training.synth.generate``
    writes one); other datasets have none and give an empty dict.
    """
    found = read_manifest(data)
    if found is None:
        return {}
    keep = ("samples", "per_class", "seed", "sources", "kanjivg", "fonts", "attribution", "missing")
    return {"manifest": str(find_manifest(data)), **{k: found[k] for k in keep if k in found},
            "options": found.get("options", {})}


def save_replay(folder: Path, data: PreparedData, seed: int) -> None:
    """Stores validation samples in the bundle for fine-tunes to replay and check forgetting."""
    from training.adapt import REPLAY_FILE, make_replay

    per_class = max(2, min(200, 4000 // max(1, len(data.labels))))
    arrays: dict[str, Any] = make_replay(data.val.x, data.val.y, per_class, seed)
    np.savez_compressed(folder / REPLAY_FILE, **arrays)


def add_replay(bundle_path: str | Path) -> Path:
    """Adds the replay samples to a bundle trained before bundles carried them.

    The validation split is recomputed from the bundle's own training config (it is seeded),
    so the result is the file ``train`` would have written.
    """
    from core.bundle import load_bundle

    bundle = load_bundle(bundle_path)
    config = TrainConfig.from_json(bundle.metadata["training"]["config"])
    data = prepare_data(config.data, bundle.preprocessing, config.validation_size, config.seed, config.limit,
                        config.split_by_writer, format=config.data_format)
    save_replay(bundle.path, data, config.seed)
    return bundle.path


def load_bundle_unchecked(folder: Path, metadata: dict[str, Any], labels: tuple[str, ...],
                          spec: Preprocessing) -> Any:
    """A ``ModelBundle`` view of a staging folder before its metadata is written."""
    from core.bundle import ModelBundle

    shape = (spec.size, spec.size, 1)
    return ModelBundle(folder, str(metadata["name"]), str(metadata["version"]), tuple(labels), spec, shape,
                       json.loads(json.dumps(metadata)))

