"""One run, one config: the dataclass that describes a training run so it can be repeated."""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from core.atomic import atomic_write_text
from core.errors import MojiyomiError
from core.safeio import MAX_NAME_CHARS, finite_number, load_json, safe_name
from training.augment import AugmentConfig

OPTIMIZERS = ("adam", "adamax", "sgd")
#: Each field's JSON type; ``?`` allows null.
_TYPES = {"data": "str", "out": "str", "data_format": "str?", "backbone": "str", "name": "str", "version": "str",
          "title": "str", "epochs": "int", "batch_size": "int", "learning_rate": "float", "optimizer": "str",
          "limit": "int?", "validation_size": "float", "seed": "int", "input_size": "int", "box": "int",
          "stroke_ratio": "float", "augment": "augment", "early_stopping": "int", "init_from": "str?",
          "dropout": "float", "width": "int", "strategy": "str", "split_by_writer": "bool", "weights": "str",
          "adapter": "str", "head": "str", "head_batchnorm": "bool", "bottleneck": "bool", "stage2_epochs": "int",
          "unfreeze_layers": "int", "stage2_learning_rate": "float", "only_data_classes": "bool"}


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides the outcome of a training run.

    Attributes:
        data: Dataset path (IDX folder, image folder, NPZ, ink JSONL, ETL file...).
        out: Folder the finished bundle is written to.
        data_format: The dataset's format when its name does not tell (``idx``, ``folder``,
            ``npz``, ``ink``, ``tdic``, ``etl8b``...); None detects it.
        backbone: Model builder name (see ``training.backbones``).
        name: Bundle name (defaults to the out folder's name).
        version: Bundle version string.
        title: Human title shown in the Model menu.
        epochs: Epochs of the only stage (simple CNN) or of stage 1, the head on the frozen
            backbone (ImageNet backbones; ``--stage1-epochs`` on the command line).
        batch_size: Samples per step.
        learning_rate: Peak learning rate (cosine-decayed to 1% over the run).
        optimizer: ``adam``, ``adamax`` or ``sgd``.
        limit: Read at most this many samples (quick runs); None for all.
        validation_size: Samples (or fraction if < 1) held out for validation.
        seed: Seed for splits, weights and augmentation.
        input_size: Side of the model input.
        box: Side of the box the character is fitted into.
        stroke_ratio: Pen width relative to the character, for drawn ink.
        augment: Augmentation strengths.
        early_stopping: Patience in epochs on validation accuracy (0 turns it off).
        init_from: A bundle to start from (fine-tuning) instead of fresh weights.
        dropout: Dropout rate of the model head (``head_dropout`` of ImageNet backbones).
        width: Simple CNN only: filters of its first block (the others are 2x and 4x).
        strategy: ``default``, ``mirrored`` (all GPUs here) or ``multiworker`` (TF_CONFIG).
        split_by_writer: Keep each writer's samples in one split (datasets with writer ids).
        weights: ImageNet backbones only: ``none``, ``imagenet`` (Keras' cache) or a file.
        adapter: How grey reaches a 3-channel backbone: ``repeat`` or ``conv1x1`` (learned).
        head: ``gap`` (global average pooling) or ``flatten``.
        head_batchnorm: Batch-normalize the pooled features in the head.
        bottleneck: Stage 1 trains the head on features computed once (no augmentation).
        stage2_epochs: Epochs of fine-tuning with the top of the backbone unfrozen (0: none).
        unfreeze_layers: Weighted backbone layers unfrozen in stage 2 (-1: all).
        stage2_learning_rate: Peak learning rate of stage 2 (lower than stage 1's).
        only_data_classes: With ``init_from``: keep only the model's outputs for the classes
            the data holds (in the model's order); its other classes are left out.
    """

    data: str
    out: str
    data_format: str | None = None
    backbone: str = "simple-cnn"
    name: str = ""
    version: str = "1.0.0"
    title: str = ""
    epochs: int = 30
    batch_size: int = 128
    learning_rate: float = 2e-3
    optimizer: str = "adam"
    limit: int | None = None
    validation_size: float = 5000
    seed: int = 1
    input_size: int = 28
    box: int = 20
    stroke_ratio: float = 0.1
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    early_stopping: int = 0
    init_from: str | None = None
    dropout: float = 0.4
    width: int = 32
    strategy: str = "default"
    split_by_writer: bool = False
    weights: str = "none"
    adapter: str = "repeat"
    head: str = "gap"
    head_batchnorm: bool = False
    bottleneck: bool = False
    stage2_epochs: int = 0
    unfreeze_layers: int = -1
    stage2_learning_rate: float = 1e-4
    only_data_classes: bool = False

    def __post_init__(self) -> None:
        _check_types(self)
        problems = self._range_problems() + self._transfer_problems()
        if problems:
            raise ConfigError("Impossible training config. Received: " + "; ".join(problems))

    def _range_problems(self) -> list[str]:
        from training.datasets.readers import FORMATS

        problems = [f"{key}={getattr(self, key)!r} (need {low:g} <= {key} <= {high:g})"
                    for key, (low, high) in _RANGES.items()
                    if getattr(self, key) is not None and not low <= getattr(self, key) <= high]
        if not 0 < self.learning_rate < 1:
            problems.append(f"learning_rate={self.learning_rate} (need 0 < lr < 1)")
        if self.name and (len(self.name) > MAX_NAME_CHARS or safe_name(self.name, "") != self.name.strip()):
            problems.append(f"name={self.name[:40]!r}{'...' if len(self.name) > 40 else ''} (need at most "
                            f"{MAX_NAME_CHARS} characters, without / \\ : * ? \" < > | or control characters)")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer={self.optimizer!r} (need one of {OPTIMIZERS})")
        if not 0 < self.box <= self.input_size:
            problems.append(f"input_size={self.input_size}, box={self.box} (need 0 < box <= input_size)")
        if not 0 <= self.dropout < 1:
            problems.append(f"dropout={self.dropout} (need 0 <= dropout < 1)")
        if not 0 < self.stroke_ratio < 0.5:
            problems.append(f"stroke_ratio={self.stroke_ratio} (need 0 < stroke_ratio < 0.5)")
        if self.data_format is not None and self.data_format not in FORMATS:
            problems.append(f"data_format={self.data_format!r} (need one of {FORMATS})")
        if self.strategy not in ("default", "mirrored", "multiworker"):
            problems.append(f"strategy={self.strategy!r} (need default, mirrored or multiworker)")
        return problems

    def _transfer_problems(self) -> list[str]:
        from training.backbones import BACKBONES

        problems = []
        if self.backbone not in BACKBONES:
            problems.append(f"backbone={self.backbone!r} (need one of {sorted(BACKBONES)})")
        if self.adapter not in ("repeat", "conv1x1"):
            problems.append(f"adapter={self.adapter!r} (need repeat or conv1x1)")
        if self.head not in ("gap", "flatten"):
            problems.append(f"head={self.head!r} (need gap or flatten)")
        if not 0 < self.stage2_learning_rate < 1:
            problems.append(f"stage2_learning_rate={self.stage2_learning_rate} (need 0 < lr < 1)")
        if self.weights not in ("none", "imagenet") and not self.weights.endswith((".h5", ".keras")):
            problems.append(f"weights={self.weights!r} (need none, imagenet or a .h5 weights file)")
        if (self.backbone != "simple-cnn" and self.weights == "none" and not self.init_from
                and (self.bottleneck or self.stage2_epochs)):
            problems.append("bottleneck and stage2_epochs need pretrained weights (weights=imagenet or a file); "
                            "with weights=none the whole network trains from scratch in one stage")
        if self.backbone == "simple-cnn" and (self.bottleneck or self.stage2_epochs or self.weights != "none"):
            problems.append("bottleneck, stage2_epochs and weights apply to ImageNet backbones, not simple-cnn")
        if self.only_data_classes and not self.init_from:
            problems.append("only_data_classes keeps some of an init_from model's classes: it needs init_from")
        return problems

    @property
    def bundle_name(self) -> str:
        """The bundle's name: ``name`` or the out folder's name."""
        return self.name or Path(self.out).name

    def to_json(self) -> dict[str, Any]:
        """Plain dict form, saved with the bundle."""
        return asdict(self)

    @classmethod
    def from_json(cls, obj: Any) -> TrainConfig:
        """Reads the dict form: an object of known keys, values of the right types and ranges.

        Raises:
            ConfigError: naming what was wrong, if ``obj`` is not a valid training config.
        """
        values = config_fields(obj)
        missing = [key for key in ("data", "out") if key not in values]
        if missing:
            raise ConfigError(f"A training config needs {' and '.join(missing)}. Received keys {sorted(values)}")
        return cls(**values)

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some fields changed (and checked again)."""
        return replace(self, **changes)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes the config as JSON, atomically."""
        atomic_write_text(Path(path), json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TrainConfig:
        """Reads a config JSON file (bounded and parsed with limits, see ``core.safeio``).

        Raises:
            ConfigError: if the file cannot be read or is not a valid training config.
        """
        return cls.from_json(read_config_file(path))


class ConfigError(MojiyomiError, ValueError):
    """A training config (file, flags or dialog) that cannot describe a run."""


#: Ranges of the numeric fields (both ends included); the others are checked one by one.
_RANGES: dict[str, tuple[float, float]] = {
    "epochs": (1, 10_000), "batch_size": (1, 65_536), "limit": (2, 10 ** 10), "validation_size": (0, 10 ** 9),
    "seed": (0, 2 ** 32 - 1), "input_size": (8, 512), "early_stopping": (0, 10_000), "width": (4, 512),
    "stage2_epochs": (0, 10_000), "unfreeze_layers": (-1, 100_000)}
#: Longest text field (names, titles, paths), in characters.
_MAX_TEXT = 4096


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The fields of a training config file, checked for known keys and types (not completeness).

    Raises:
        ConfigError: if the file cannot be read, is not a JSON object, or holds unknown keys
            or values of the wrong type.
    """
    return config_fields(load_json(path, "training config", ConfigError, max_bytes=1024 * 1024))


def config_fields(obj: Any) -> dict[str, Any]:
    """Checks the dict form of a (possibly partial) config; ``augment`` becomes an ``AugmentConfig``.

    Raises:
        ConfigError: if ``obj`` is not an object, has unknown keys or a value of the wrong type.
    """
    if not isinstance(obj, dict):
        raise ConfigError(f"A training config must be a JSON object. Received: {_preview(obj)}")
    unknown = sorted(str(key) for key in set(obj) - set(_TYPES))
    if unknown:
        raise ConfigError(f"Unknown training config keys. Received: {unknown[:10]}")
    values = dict(obj)
    if "augment" in values and not isinstance(values["augment"], AugmentConfig):
        values["augment"] = augment_from_json(values["augment"])
    for key, value in values.items():
        _check_type(key, value)
    return values


def augment_from_json(obj: Any) -> AugmentConfig:
    """The augmentation strengths of a config's ``augment`` object.

    Raises:
        ConfigError: if it is not an object of known strengths, each a number in range.
    """
    known = {f.name for f in fields(AugmentConfig)}
    if not isinstance(obj, dict) or set(obj) - known:
        raise ConfigError(f"augment must be an object with keys among {sorted(known)}. Received: {_preview(obj)}")
    values = {key: finite_number(value, f"augment.{key}", ConfigError, 0, 1e6) for key, value in obj.items()}
    try:
        return AugmentConfig(**values)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _check_types(config: TrainConfig) -> None:
    for f in fields(config):
        _check_type(f.name, getattr(config, f.name))


def _check_type(key: str, value: Any) -> None:
    kind = _TYPES[key]
    if value is None and kind.endswith("?"):
        return
    ok = {"int": lambda: isinstance(value, int) and not isinstance(value, bool),
          "float": lambda: isinstance(value, (int, float)) and not isinstance(value, bool)
          and math.isfinite(value) and abs(value) < 1e30,
          "str": lambda: isinstance(value, str) and len(value) <= _MAX_TEXT and "\x00" not in value,
          "bool": lambda: isinstance(value, bool),
          "augment": lambda: isinstance(value, AugmentConfig)}[kind.rstrip("?")]()
    if not ok:
        expected = {"int": "an integer", "float": "a finite number", "bool": "true or false",
                    "str": f"a string of at most {_MAX_TEXT} characters",
                    "augment": "an augmentation object"}[kind.rstrip("?")]
        optional = " or null" if kind.endswith("?") else ""
        raise ConfigError(f"The training config's {key} must be {expected}{optional}. "
                          f"Received: {key}={_preview(value)}")


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."
