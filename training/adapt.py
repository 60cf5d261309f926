"""Adapting a model to its user's handwriting without forgetting everything else.

The recipe: keep the early layers frozen and batch-norm statistics fixed; train the top
block and the classifier at a low learning rate on the user's samples (augmented) mixed
1:1 with *replay* samples of the original training data stored in the bundle (learned
towards half their label, half the base model's own probabilities); then average the
fine-tuned weights with the base model's; measure before and after on held-out user
samples and on the bundle's base validation samples. Labels the model does not know grow
the classifier: old classes keep their weights.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.bundle import ModelBundle
from core.errors import DatasetError
from core.ink import Ink
from core.inputs import to_model_input

#: Bundle file holding replay samples: x (N, s, s, 1) uint8, y (N,) int, and a val mask.
REPLAY_FILE = "replay.npz"
#: Fewest user samples a fine-tune accepts.
MIN_SAMPLES = 10


@dataclass(frozen=True)
class AdaptConfig:
    """Settings of a personal fine-tune.

    Attributes:
        epochs: Passes over the user's samples.
        learning_rate: Adam learning rate (low, to stay near the base model).
        trainable_layers: How many of the last weighted layers train (the rest stay frozen).
        augment_copies: Augmented copies of each user sample per epoch.
        replay_ratio: Replay samples per user sample in each batch.
        batch_size: Samples per step.
        seed: Seed for augmentation and sampling.
        max_base_drop: Largest fall of base accuracy (points) that still recommends switching.
        blend: Share of the fine-tuned weights in the final model; the rest is the base
            model's (weight-space ensembling, "WiSE-FT"); new classes keep their fine-tuned
            weights whole. Digits model, 200 samples (bench/bench_finetune.py, runs vary):
            unblended the base fell 0.4-0.5 points (tilted writer: error x0.30-0.43); at
            0.8, 0.0-0.2 (x0.41-0.46); at 0.6 the writer's gain halved (pen that skips:
            error x0.25 unblended, x0.29 at 0.8, x0.48 at 0.6).
        large_head_classes: Models with more classes than this adapt with the three
            ``large_head_`` settings below instead of ``epochs``, ``learning_rate`` and
            ``blend``: with thousands of classes, features tuned to one writer's few
            characters cost the others far more (Japanese model, 50 characters x 4 samples:
            base -4.9 points at 5e-4 x 12 epochs, -0.66 at 1e-4 x 8 epochs).
        large_head_epochs: Epochs for such models.
        large_head_learning_rate: Learning rate for such models.
        large_head_blend: ``blend`` for such models. Averaging keeps most of the writer's
            gain and undoes most of what drifted elsewhere (Japanese, narrow writer, 1e-4 x 8
            epochs, model 1.0.0: base -0.66 points and error x0.25 unblended; -0.13 to -0.33
            and x0.25 to x0.29 at 0.6; model 1.1.0: -0.53 and x0.11 unblended, -0.13 and
            +0.07 and x0.22 and x0.24 at 0.6; bench/bench_finetune_kanji.py).
    """

    epochs: int = 12
    learning_rate: float = 5e-4
    trainable_layers: int = 8
    augment_copies: int = 4
    replay_ratio: float = 1.0
    batch_size: int = 64
    seed: int = 1
    max_base_drop: float = 0.5
    large_head_classes: int = 100
    large_head_epochs: int = 8
    large_head_learning_rate: float = 1e-4
    blend: float = 0.8
    large_head_blend: float = 0.6

    def schedule(self, classes: int) -> tuple[int, float, float]:
        """(epochs, learning rate, blend) for a model with ``classes`` outputs."""
        if classes > self.large_head_classes:
            return self.large_head_epochs, self.large_head_learning_rate, self.large_head_blend
        return self.epochs, self.learning_rate, self.blend

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.augment_copies < 1 or self.trainable_layers < 1:
            raise ValueError(f"epochs, batch_size, augment_copies and trainable_layers must be >= 1. Received: {self}")
        if not 0 < self.learning_rate < 1 or self.replay_ratio < 0 or not 0 < min(self.blend, self.large_head_blend) \
                or max(self.blend, self.large_head_blend) > 1:
            raise ValueError(f"Need 0 < learning_rate < 1, replay_ratio >= 0 and blends in (0, 1]. Received: {self}")


@dataclass(frozen=True)
class AdaptResult:
    """Before/after accuracies of a fine-tune, and whether switching is recommended."""

    user_top1_before: float
    user_top1_after: float
    base_top1_before: float
    base_top1_after: float
    seconds: float
    new_labels: tuple[str, ...]
    recommended: bool
    reason: str

    def to_json(self) -> dict[str, Any]:
        """Plain dict for reports and the CLI."""
        return asdict(self)


def inks_to_arrays(inks: Sequence[Ink], labels: Sequence[str], spec: Any) -> tuple[np.ndarray, np.ndarray]:
    """Model inputs and label indices for labelled inks (every label must be in ``labels``)."""
    index = {label: i for i, label in enumerate(labels)}
    x = np.stack([np.clip(np.round(to_model_input(ink, spec)), 0, 255).astype(np.uint8) for ink in inks])
    y = np.array([index[ink.label] for ink in inks], dtype=np.int64)
    return x, y


def load_replay(bundle: ModelBundle) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bundle's replay samples as (x, y, is_validation).

    Raises:
        DatasetError: if the bundle carries no replay samples.
    """
    path = bundle.path / REPLAY_FILE
    if not path.is_file():
        raise DatasetError(f"The model {bundle.name} ({bundle.path}) carries no {REPLAY_FILE} with samples of its "
                           f"original data, so a fine-tune could not check what it forgets.")
    with np.load(path) as data:
        return data["x"], data["y"].astype(np.int64), data["val"].astype(bool)


def make_replay(x: np.ndarray, y: np.ndarray, per_class: int, seed: int) -> dict[str, np.ndarray]:
    """Picks up to ``per_class`` samples of each class; half of each class is for validation."""
    rng = np.random.default_rng(seed)
    picks, val = [], []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))[:per_class]
        picks.append(idx)
        val.append(np.arange(len(idx)) % 2 == 1)
    order = np.concatenate(picks)
    return {"x": x[order], "y": y[order], "val": np.concatenate(val)}


def grow_classifier(model: Any, old: int, new: int) -> Any:
    """A copy of ``model`` whose last Dense layer has ``new`` outputs; the first ``old`` keep their weights."""
    import keras

    if new == old:
        return model
    dense = model.layers[-1]
    features = model.layers[-2].output
    grown = keras.layers.Dense(new, activation="softmax", name=f"{dense.name}_grown")
    outputs = grown(features)
    result = keras.Model(model.inputs[0], outputs, name=model.name)
    kernel, bias = dense.get_weights()
    new_kernel, new_bias = grown.get_weights()
    new_kernel[:, :old], new_bias[:old] = kernel, bias
    new_bias[old:] = bias.mean() - 1.0
    grown.set_weights([new_kernel, new_bias])
    return result


def freeze_all_but_top(model: Any, trainable_layers: int) -> None:
    """Freezes every layer except the last ``trainable_layers`` with weights; BN stays frozen."""
    import keras

    weighted = [layer for layer in model.layers if layer.weights]
    top = set(id(layer) for layer in weighted[-trainable_layers:])
    for layer in model.layers:
        layer.trainable = id(layer) in top and not isinstance(layer, keras.layers.BatchNormalization)


def accuracy(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    """Top-1 accuracy of a Keras model on model inputs (NaN for no samples)."""
    if not len(y):
        return float("nan")
    probs = np.concatenate([np.asarray(model(x[i:i + 256].astype(np.float32), training=False))
                            for i in range(0, len(x), 256)])
    return float(np.mean(np.argmax(probs, axis=1) == y))


def adapt_model(model: Any, labels: tuple[str, ...], user: tuple[np.ndarray, np.ndarray],
                holdout: tuple[np.ndarray, np.ndarray], replay: tuple[np.ndarray, np.ndarray, np.ndarray],
                config: AdaptConfig, report: Callable[[dict[str, Any]], None] | None = None,
                should_stop: Callable[[], bool] | None = None, known: int | None = None) -> tuple[Any, AdaptResult]:
    """Fine-tunes ``model`` (already grown to ``labels``) and measures it before and after.

    ``known`` is how many of the classes the base model had (the first ones; default all):
    the classifier's weights of the others are new and are not blended with the base's.

    Returns:
        The adapted model and the result with before/after accuracies.
    """
    import keras

    from training.augment import AugmentConfig, build_augmenter
    from training.train import Cancelled, make_progress_callback

    report = report or (lambda event: None)
    should_stop = should_stop or (lambda: False)
    start = time.time()
    rx, ry, rval = replay
    base_x, base_y = rx[rval], ry[rval]
    before_user, before_base = accuracy(model, *holdout), accuracy(model, base_x, base_y)
    keras.utils.set_random_seed(config.seed)
    base_weights = model.get_weights()
    freeze_all_but_top(model, config.trainable_layers)
    rng = np.random.default_rng(config.seed)
    ux = np.repeat(user[0], config.augment_copies, axis=0)
    uy = np.repeat(user[1], config.augment_copies, axis=0)
    n_replay = int(len(uy) * config.replay_ratio)
    pick = rng.choice(np.flatnonzero(~rval), size=min(n_replay, int((~rval).sum())), replace=False) \
        if n_replay and (~rval).any() else np.array([], dtype=np.int64)
    # Replay samples are learned towards their label and what the base model says of them
    # (its whole probability vector): the user's few classes then cannot take
    # probability from the thousands of others, which a fine-tune on labels alone does
    # (3,146 classes: -4.9 base points with labels, see bench/bench_finetune_kanji.py).
    classes = int(model.output_shape[-1])
    targets = [np.eye(classes, dtype=np.float32)[uy]]
    if len(pick):
        teacher = model.predict(rx[pick], batch_size=256, verbose=0).astype(np.float32)
        # Half the label (a firm pull from the start) and half the base model's own view (which
        # keeps the other classes' share); the teacher alone exerts no pull until the model drifts.
        targets.append(0.5 * np.eye(classes, dtype=np.float32)[ry[pick]] + 0.5 * teacher)
    x = np.concatenate([ux, rx[pick]]) if len(pick) else ux
    y = np.concatenate(targets)
    augment = AugmentConfig(rotation_deg=8, zoom=0.08, translation=0.06, shear=0.12)
    trainer = keras.Sequential([keras.Input(model.input_shape[1:]), build_augmenter(augment, config.seed), model])
    epochs, learning_rate, blend = config.schedule(classes)
    trainer.compile(keras.optimizers.Adam(learning_rate), loss="categorical_crossentropy",
                    metrics=["categorical_accuracy"])
    trainer.fit(x, y, batch_size=config.batch_size, epochs=epochs, shuffle=True, verbose=0,
                callbacks=[make_progress_callback(report, should_stop)])
    if should_stop():
        raise Cancelled("The fine-tune was cancelled by the user; no model was written.")
    if blend < 1:
        blend_weights(model, base_weights, blend, len(labels) if known is None else known)
    after_user, after_base = accuracy(model, *holdout), accuracy(model, base_x, base_y)
    recommended, reason = judge(before_user, after_user, before_base, after_base, config.max_base_drop)
    result = AdaptResult(before_user, after_user, before_base, after_base, time.time() - start, (), recommended, reason)
    return model, result


def blend_weights(model: Any, base_weights: list[np.ndarray], share: float, known: int) -> None:
    """Sets ``model``'s weights to ``share`` of its own plus the rest of ``base_weights``.

    The classifier's weights of classes from ``known`` on (new ones) stay as trained.
    """
    tuned = model.get_weights()
    mixed = [share * t + (1 - share) * b if np.issubdtype(t.dtype, np.floating) else t
             for t, b in zip(tuned, base_weights, strict=True)]
    # The classifier (the last layer: kernel, bias) is the last pair of weights.
    mixed[-2][..., known:], mixed[-1][known:] = tuned[-2][..., known:], tuned[-1][known:]
    model.set_weights(mixed)


def judge(user_before: float, user_after: float, base_before: float, base_after: float,
          max_drop: float) -> tuple[bool, str]:
    """Whether to switch: the user's accuracy improved and base accuracy fell at most ``max_drop`` points."""
    if np.isnan(user_before) or np.isnan(user_after):
        return False, "No held-out samples of yours to measure the new model on."
    if user_after <= user_before:
        return False, f"Your accuracy did not improve ({user_before:.1%} → {user_after:.1%})."
    drop = 100 * (base_before - base_after)
    if drop > max_drop:
        return False, (f"Accuracy on the original data fell by {drop:.2f} points "
                       f"({base_before:.2%} → {base_after:.2%}), more than {max_drop} allowed.")
    return True, (f"Your accuracy {user_before:.1%} → {user_after:.1%}; original data "
                  f"{base_before:.2%} → {base_after:.2%}.")


def split_holdout(inks: Sequence[Ink], fraction: float, seed: int) -> tuple[list[Ink], list[Ink]]:
    """Splits labelled inks into (train, holdout), keeping at least one training ink per label."""
    rng = np.random.default_rng(seed)
    train, hold = [], []
    by_label: dict[str, list[Ink]] = {}
    for ink in inks:
        by_label.setdefault(str(ink.label), []).append(ink)
    for group in by_label.values():
        order = rng.permutation(len(group))
        k = int(len(group) * fraction) if len(group) > 1 else 0
        hold += [group[i] for i in order[:k]]
        train += [group[i] for i in order[k:]]
    return train, hold


def check_samples(inks: Sequence[Ink]) -> list[Ink]:
    """The labelled inks usable for a fine-tune.

    Raises:
        DatasetError: if fewer than ``MIN_SAMPLES`` remain, saying how many more are needed.
    """
    usable = [ink for ink in inks if ink.label and not ink.is_empty]
    if len(usable) < MIN_SAMPLES:
        raise DatasetError(f"A fine-tune needs at least {MIN_SAMPLES} labelled samples; there are {len(usable)}. "
                           f"Write {MIN_SAMPLES - len(usable)} more (Training > Practice helps).")
    return usable


def personal_bundle_dir(base: ModelBundle, root: Path) -> Path:
    """A new versioned folder name for a personal model derived from ``base``."""
    stem = f"{base.metadata.get('base_name', base.name)}-personal"
    n = 1
    while (root / f"{stem}-{n}").exists():
        n += 1
    return root / f"{stem}-{n}"
