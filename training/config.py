"""One run, one config: the dataclass that describes a training run so it can be repeated."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from core.atomic import atomic_write_text
from training.augment import AugmentConfig

OPTIMIZERS = ("adam", "adamax", "sgd")


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

    def __post_init__(self) -> None:
        problems = []
        if self.epochs < 1:
            problems.append(f"epochs={self.epochs} (need >= 1)")
        if self.batch_size < 1:
            problems.append(f"batch_size={self.batch_size} (need >= 1)")
        if not 0 < self.learning_rate < 1:
            problems.append(f"learning_rate={self.learning_rate} (need 0 < lr < 1)")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer={self.optimizer!r} (need one of {OPTIMIZERS})")
        if self.limit is not None and self.limit < 2:
            problems.append(f"limit={self.limit} (need >= 2)")
        if self.validation_size < 0:
            problems.append(f"validation_size={self.validation_size} (need >= 0)")
        if not 8 <= self.input_size <= 512 or not 0 < self.box <= self.input_size:
            problems.append(f"input_size={self.input_size}, box={self.box} (need 8 <= input_size <= 512, "
                            f"0 < box <= input_size)")
        if not 0 <= self.dropout < 1:
            problems.append(f"dropout={self.dropout} (need 0 <= dropout < 1)")
        if not 4 <= self.width <= 512:
            problems.append(f"width={self.width} (need 4 <= width <= 512)")
        if not 0 < self.stroke_ratio < 0.5:
            problems.append(f"stroke_ratio={self.stroke_ratio} (need 0 < stroke_ratio < 0.5)")
        from training.datasets.readers import FORMATS

        if self.data_format is not None and self.data_format not in FORMATS:
            problems.append(f"data_format={self.data_format!r} (need one of {FORMATS})")
        if self.strategy not in ("default", "mirrored", "multiworker"):
            problems.append(f"strategy={self.strategy!r} (need default, mirrored or multiworker)")
        problems += self._transfer_problems()
        if problems:
            raise ValueError("Impossible training config. Received: " + "; ".join(problems))

    def _transfer_problems(self) -> list[str]:
        from training.backbones import BACKBONES

        problems = []
        if self.backbone not in BACKBONES:
            problems.append(f"backbone={self.backbone!r} (need one of {sorted(BACKBONES)})")
        if self.adapter not in ("repeat", "conv1x1"):
            problems.append(f"adapter={self.adapter!r} (need repeat or conv1x1)")
        if self.head not in ("gap", "flatten"):
            problems.append(f"head={self.head!r} (need gap or flatten)")
        if self.stage2_epochs < 0 or self.unfreeze_layers < -1:
            problems.append(f"stage2_epochs={self.stage2_epochs}, unfreeze_layers={self.unfreeze_layers} "
                            f"(need >= 0 and >= -1)")
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
        return problems

    @property
    def bundle_name(self) -> str:
        """The bundle's name: ``name`` or the out folder's name."""
        return self.name or Path(self.out).name

    def to_json(self) -> dict[str, Any]:
        """Plain dict form, saved with the bundle."""
        return asdict(self)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> TrainConfig:
        """Reads the dict form; unknown keys are an error naming them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(obj) - known)
        if unknown:
            raise ValueError(f"Unknown training config keys. Received: {unknown}")
        obj = dict(obj)
        if isinstance(obj.get("augment"), dict):
            obj["augment"] = AugmentConfig(**obj["augment"])
        return cls(**obj)

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some fields changed (and checked again)."""
        return replace(self, **changes)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes the config as JSON, atomically."""
        atomic_write_text(Path(path), json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TrainConfig:
        """Reads a config JSON file."""
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
