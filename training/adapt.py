"""Adapting a model to its user's handwriting without forgetting everything else.

The recipe: keep the early layers frozen and batch-norm statistics fixed; train the top
block and the classifier at a low learning rate on the user's samples (augmented) mixed
1:1 with *replay* samples of the original training data stored in the bundle (learned
towards half their label, half the base model's own probabilities); then average the
fine-tuned weights with the base model's; measure before and after on held-out user
samples and on the bundle's base validation samples. Labels the model does not know grow
the classifier (old classes keep their weights) when they have ``MIN_NEW_CLASS_SAMPLES``
samples: a new row starts from its samples' features, the replay samples learn that they
are none of the new classes, and after training each new class's bias is capped so it
takes no replay sample from the old classes (Japanese model, 5 unknown kanji x 5 writings
plus 100 corrections: the new classes read 100% of other writings, Tomoe -0.26 points;
without the cap -0.66, 鷗 taking 鴨, 鶴, 鵬...; bench/bench_trust.py). The new-class pieces are in
``training.newclasses``.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from core.bundle import ModelBundle
from core.errors import BundleError, DatasetError
from core.ink import Ink
from core.inputs import to_model_input
from core.safeio import read_bytes, resolve_inside
from core.samples import LabelledImage, TrainingSample
from training.cancel import Cancelled
from training.events import Reporter
from training.verdict import AdaptResult
from training.newclasses import (MIN_NEW_CLASS_SAMPLES, grow_classifier, init_new_classes, new_classes,
                                 quiet_new_classes)

__all__ = ["HOLDOUT_FRACTION", "MIN_NEW_CLASS_SAMPLES", "MIN_SAMPLES", "REPLAY_FILE", "AdaptConfig", "AdaptResult",
           "accuracy", "adapt_model", "blend_weights", "check_samples", "freeze_all_but_top", "grow_classifier",
           "holdout_counts", "holdout_total", "inks_to_arrays", "judge", "load_replay", "make_replay",
           "new_classes", "personal_bundle_dir", "predict", "split_holdout"]

#: Bundle file holding replay samples: x (N, s, s, 1) uint8, y (N,) int, and a val mask.
REPLAY_FILE = "replay.npz"
#: Largest replay file read (the Japanese model's holds 5,000 samples of 40x40: 8 MB).
MAX_REPLAY_BYTES = 512 * 1024 * 1024
#: Fewest user samples a fine-tune accepts.
MIN_SAMPLES = 10
#: Share of the user's samples held out to measure the fine-tuned model.
HOLDOUT_FRACTION = 0.25


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


def inks_to_arrays(inks: Sequence[TrainingSample], labels: Sequence[str], spec: Any) -> tuple[np.ndarray, np.ndarray]:
    """Model inputs and label indices for labelled inks and picture samples (every label must be in ``labels``)."""
    index = {label: i for i, label in enumerate(labels)}
    x = np.stack([np.clip(np.round(_model_input(ink, spec)), 0, 255).astype(np.uint8) for ink in inks])
    y = np.array([index[str(ink.label)] for ink in inks], dtype=np.int64)
    return x, y


def _model_input(sample: TrainingSample, spec: Any) -> np.ndarray:
    """An ink through the preprocessing; a picture sample's model input as the recognizer saw it."""
    return sample.model_input(spec) if isinstance(sample, LabelledImage) else to_model_input(sample, spec)


def load_replay(bundle: ModelBundle) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bundle's replay samples as (x, y, is_validation).

    Raises:
        DatasetError: if the bundle carries no replay samples.
    """
    path = resolve_inside(bundle.path, REPLAY_FILE, "replay file", BundleError)
    if not path.exists():
        raise DatasetError(f"The model {bundle.name} ({bundle.path}) carries no {REPLAY_FILE} with samples of its "
                           f"original data, so a fine-tune could not check what it forgets.")
    data = read_bytes(path, MAX_REPLAY_BYTES, "replay file", BundleError)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            x, y, val = arrays["x"], arrays["y"], arrays["val"]
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise BundleError(f"The replay samples {path} are damaged: {type(exc).__name__}: {str(exc)[:200]}") from exc
    shape = tuple(bundle.input_shape)
    if x.ndim != 4 or tuple(x.shape[1:]) != shape or y.shape != (len(x),) or val.shape != (len(x),) \
            or not np.issubdtype(y.dtype, np.integer) or (len(y) and not 0 <= int(y.min()) <= int(y.max()) < len(bundle.labels)):
        raise BundleError(f"The replay samples {path} do not fit the model: x {x.shape}, y {y.shape} {y.dtype}, "
                          f"val {val.shape}, input {shape}, {len(bundle.labels)} classes.")
    return x, y.astype(np.int64), val.astype(bool)


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


def freeze_all_but_top(model: Any, trainable_layers: int) -> None:
    """Freezes every layer except the last ``trainable_layers`` with weights; BN stays frozen."""
    import keras

    weighted = [layer for layer in model.layers if layer.weights]
    top = set(id(layer) for layer in weighted[-trainable_layers:])
    for layer in model.layers:
        layer.trainable = id(layer) in top and not isinstance(layer, keras.layers.BatchNormalization)


def accuracy(model: Any, x: np.ndarray, y: np.ndarray) -> float | None:
    """Top-1 accuracy of a Keras model on model inputs (None for no samples)."""
    if not len(y):
        return None
    return float(np.mean(np.argmax(predict(model, x), axis=1) == y))


def predict(model: Any, x: np.ndarray) -> np.ndarray:
    """Probabilities of a Keras model on model inputs, in batches, inference mode."""
    if not len(x):
        return np.zeros((0, int(model.output_shape[-1])), np.float32)
    return np.concatenate([np.asarray(model(x[i:i + 256].astype(np.float32), training=False))
                           for i in range(0, len(x), 256)])


def adapt_model(model: Any, labels: tuple[str, ...], user: tuple[np.ndarray, np.ndarray],
                holdout: tuple[np.ndarray, np.ndarray], replay: tuple[np.ndarray, np.ndarray, np.ndarray],
                config: AdaptConfig, report: Reporter | None = None,
                should_stop: Callable[[], bool] | None = None) -> tuple[Any, AdaptResult]:
    """Fine-tunes the base ``model`` to ``labels`` and measures it before and after.

    Labels beyond the model's outputs are new classes: the classifier grows, their rows
    start from their samples' features (``init_new_classes``), and the replay samples
    learn that they are none of them (their teacher, the base model, gives them nothing).
    Before and after are measured in the grown label space: the base model reads the new
    classes' samples wrong, and a new class that takes a replay sample counts as an error.

    Returns:
        The adapted model and the result with before/after accuracies.
    """
    import keras

    from training.augment import AugmentConfig, build_augmenter
    from training.recipe import make_progress_callback

    report = report or (lambda event: None)
    should_stop = should_stop or (lambda: False)
    start = time.time()
    known, classes = int(model.output_shape[-1]), len(labels)
    rx, ry, rval = replay
    base_x, base_y = rx[rval], ry[rval]
    before_user, before_base = accuracy(model, *holdout), accuracy(model, base_x, base_y)
    keras.utils.set_random_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    ux = np.repeat(user[0], config.augment_copies, axis=0)
    uy = np.repeat(user[1], config.augment_copies, axis=0)
    n_replay = int(len(uy) * config.replay_ratio)
    pick = rng.choice(np.flatnonzero(~rval), size=min(n_replay, int((~rval).sum())), replace=False) \
        if n_replay and (~rval).any() else np.array([], dtype=np.int64)
    # The teacher is the base model, before the head grows: it gives new classes nothing.
    teacher = np.zeros((len(pick), classes), np.float32)
    teacher[:, :known] = predict(model, rx[pick])
    model = grow_classifier(model, known, classes)
    if classes > known:
        init_new_classes(model, known, user, rx[~rval])
    base_weights = model.get_weights()
    freeze_all_but_top(model, config.trainable_layers)
    # Replay samples are learned towards their label and what the base model says of them
    # (its whole probability vector): the user's few classes then cannot take
    # probability from the thousands of others, which a fine-tune on labels alone does
    # (3,146 classes: -4.9 base points with labels, see bench/bench_finetune_kanji.py).
    targets = [np.eye(classes, dtype=np.float32)[uy]]
    if len(pick):
        # Half the label (a firm pull from the start) and half the base model's own view (which
        # keeps the other classes' share); the teacher alone exerts no pull until the model drifts.
        targets.append(0.5 * np.eye(classes, dtype=np.float32)[ry[pick]] + 0.5 * teacher)
    x = np.concatenate([ux, rx[pick]]) if len(pick) else ux
    y = np.concatenate(targets)
    augment = AugmentConfig(rotation_deg=8, zoom=0.08, translation=0.06, shear=0.12)
    trainer = keras.Sequential([keras.Input(model.input_shape[1:]), build_augmenter(augment, config.seed), model])
    epochs, learning_rate, blend = config.schedule(classes)
    trainer.compile(keras.optimizers.Adam(learning_rate), loss="categorical_crossentropy",
                    metrics=["accuracy"])
    trainer.fit(x, y, batch_size=config.batch_size, epochs=epochs, shuffle=True, verbose=0,
                callbacks=[make_progress_callback(report, should_stop)])
    if should_stop():
        raise Cancelled("The fine-tune was cancelled by the user; no model was written.")
    if blend < 1:
        blend_weights(model, base_weights, blend, known)
    quiet_new_classes(model, known, rx[~rval])
    after_user, after_base = accuracy(model, *holdout), accuracy(model, base_x, base_y)
    is_new = holdout[1] >= known
    new_after = accuracy(model, holdout[0][is_new], holdout[1][is_new])
    measured = (before_user, after_user, before_base or 0.0, after_base or 0.0, config.max_base_drop)
    recommended, reason = judge(*measured)
    result = AdaptResult(before_user, after_user, before_base or 0.0, after_base or 0.0, time.time() - start,
                         tuple(labels[known:]), recommended, reason, trained_samples=len(user[1]),
                         held_out_samples=len(holdout[1]), new_top1_after=new_after, judgement=judgement(*measured),
                         max_drop=config.max_base_drop)
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


#: ``AdaptResult.judgement``'s kinds: switching is advised (``better``), or not because the original
#: data's accuracy fell too far (``forgets``), nothing of the user's was held out (``no_held_out``)
#: or the user's accuracy did not improve (``no_gain``). The desktop words them in its language.
JUDGEMENTS = ("better", "forgets", "no_held_out", "no_gain")


def judgement(user_before: float | None, user_after: float | None, base_before: float, base_after: float,
              max_drop: float) -> str:
    """``JUDGEMENTS``' kind for a fine-tune's before/after accuracies (see ``judge``)."""
    if 100 * (base_before - base_after) > max_drop:
        return "forgets"
    if user_before is None or user_after is None:
        return "no_held_out"
    return "no_gain" if user_after <= user_before else "better"


def judge(user_before: float | None, user_after: float | None, base_before: float, base_after: float,
          max_drop: float) -> tuple[bool, str]:
    """Whether to switch: the user's accuracy improved and base accuracy fell at most ``max_drop`` points.

    Returns:
        Whether switching is advised, and why in English words (``judgement`` gives the kind).
    """
    kind = judgement(user_before, user_after, base_before, base_after, max_drop)
    if kind == "forgets":
        return False, (f"Accuracy on the original data fell by {100 * (base_before - base_after):.2f} points "
                       f"({base_before:.2%} → {base_after:.2%}), more than {max_drop} allowed.")
    if kind == "no_held_out" or user_before is None or user_after is None:
        return False, ("No held-out samples of yours to measure the new model on: write a few more of each "
                       "character (a quarter of them is held out).")
    if kind == "no_gain":
        return False, f"Your accuracy did not improve ({user_before:.1%} → {user_after:.1%})."
    return True, (f"Your accuracy {user_before:.1%} → {user_after:.1%}; original data "
                  f"{base_before:.2%} → {base_after:.2%}.")


#: A labelled sample: an ink or a picture sample (``core.samples.TrainingSample``).
_S = TypeVar("_S", Ink, LabelledImage, TrainingSample)


def holdout_counts(counts: Sequence[int], fraction: float, seed: int) -> list[int]:
    """How many samples of each label to hold out: ``holdout_total`` in all, one training sample kept per label.

    Each label gives ``fraction`` of its samples (rounded down); the rest of the total
    comes one at a time from labels with samples to spare, in a seeded order (14 labels of
    one or two samples: 4 held out, not 0).
    """
    held = [min(c - 1, int(c * fraction)) if c > 1 else 0 for c in counts]
    spare = [i for i, c in enumerate(counts) if c - 1 > held[i]]
    order = list(np.random.default_rng(seed).permutation(len(spare)))
    missing = holdout_total(counts, fraction) - sum(held)
    while missing > 0 and order:
        for k in list(order):
            i = spare[k]
            if missing and counts[i] - 1 > held[i]:
                held[i] += 1
                missing -= 1
            if counts[i] - 1 <= held[i]:
                order.remove(k)
    return held


def holdout_total(counts: Sequence[int], fraction: float = HOLDOUT_FRACTION) -> int:
    """Samples held out of labels with ``counts`` samples: ``fraction`` of all, keeping one of each label to train."""
    return min(int(fraction * sum(counts) + 0.5), sum(max(0, c - 1) for c in counts))


def split_holdout(inks: Sequence[_S], fraction: float, seed: int) -> tuple[list[_S], list[_S]]:
    """Splits labelled samples into (train, holdout) as ``holdout_counts`` says."""
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[_S]] = {}
    for ink in inks:
        by_label.setdefault(str(ink.label), []).append(ink)
    groups = list(by_label.values())
    train, hold = [], []
    for group, k in zip(groups, holdout_counts([len(g) for g in groups], fraction, seed), strict=True):
        order = rng.permutation(len(group))
        hold += [group[i] for i in order[:k]]
        train += [group[i] for i in order[k:]]
    return train, hold


def check_samples(inks: Sequence[_S], refused: Sequence[str] = ()) -> list[_S]:
    """The labelled samples (inks, picture samples) usable for a fine-tune.

    Args:
        inks: The user's samples.
        refused: Unknown labels left out for having too few samples (named in the error).

    Raises:
        DatasetError: if fewer than ``MIN_SAMPLES`` remain, saying how many more are needed.
    """
    usable = [ink for ink in inks if ink.label and not ink.is_empty]
    if len(usable) < MIN_SAMPLES:
        left_out = (f" (the samples of {' '.join(refused[:12])} were left out: a new class needs at least "
                    f"{MIN_NEW_CLASS_SAMPLES} samples)" if refused else "")
        raise DatasetError(f"A fine-tune needs at least {MIN_SAMPLES} labelled samples; there are {len(usable)}"
                           f"{left_out}. Write {MIN_SAMPLES - len(usable)} more (Samples > Practice helps).")
    return usable


def personal_bundle_dir(base: ModelBundle, root: Path) -> Path:
    """A new versioned folder name for a personal model derived from ``base``."""
    stem = f"{base.metadata.get('base_name', base.name)}-personal"
    n = 1
    while (root / f"{stem}-{n}").exists():
        n += 1
    return root / f"{stem}-{n}"
