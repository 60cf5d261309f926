"""New classes in a fine-tune: grown into the classifier without taking from the old ones.

A label the model does not know becomes a class only with ``MIN_NEW_CLASS_SAMPLES``
samples. Its classifier row starts from its samples' features (``init_new_classes``), and
after training its bias is capped so that it takes no replay sample of the original data
from the old classes (``quiet_new_classes``, a prior correction).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np

#: Fewest samples of a label the model does not know for it to become a new class: with one
#: sample (the issue's "ab" and 鷗) the new class read 日 as "ab" and Tomoe fell from 96% to 2%.
MIN_NEW_CLASS_SAMPLES = 5
#: A new class's initial bias keeps it this many logits below the top class on all but
#: ``NEW_CLASS_QUIET`` of the replay samples (the original data it must not take from).
NEW_CLASS_MARGIN = 2.0
NEW_CLASS_QUIET = 0.0


def grow_classifier(model: Any, old: int, new: int) -> Any:
    """A copy of ``model`` whose last Dense layer has ``new`` outputs; the first ``old`` keep their weights.

    The new rows start at zero with a bias far below the old ones', so until they are set
    (``init_new_classes``) or trained they take no probability from the old classes.
    """
    if new == old:
        return model
    kernel, bias = model.layers[-1].get_weights()
    new_kernel, new_bias = np.zeros((kernel.shape[0], new), kernel.dtype), np.zeros(new, bias.dtype)
    new_kernel[:, :old], new_bias[:old] = kernel, bias
    new_bias[old:] = bias.min() - 20.0
    return _with_classifier(model, new_kernel, new_bias, "grown")


def narrow_classifier(model: Any, keep: Sequence[int]) -> Any:
    """A copy of ``model`` whose last Dense layer has only the outputs ``keep``, in that order.

    Raises:
        ValueError: if ``keep`` is empty, repeats an output or names one the layer lacks.
    """
    kernel, bias = model.layers[-1].get_weights()
    rows = np.asarray(keep, dtype=np.int64)
    if not len(rows) or len(set(rows.tolist())) != len(rows) or rows.min() < 0 or rows.max() >= len(bias):
        raise ValueError(f"keep must name distinct outputs of the {len(bias)} the classifier has. "
                         f"Received: {len(rows)} outputs, from {rows.min() if len(rows) else None} "
                         f"to {rows.max() if len(rows) else None}")
    if len(rows) == len(bias) and np.array_equal(rows, np.arange(len(bias))):
        return model
    return _with_classifier(model, kernel[:, rows], bias[rows], "narrowed")


def _with_classifier(model: Any, kernel: np.ndarray, bias: np.ndarray, suffix: str) -> Any:
    """A copy of ``model`` whose last Dense layer is replaced by a softmax one with these weights."""
    import keras

    dense = keras.layers.Dense(len(bias), activation="softmax", name=f"{model.layers[-1].name}_{suffix}")
    result = keras.Model(model.inputs[0], dense(model.layers[-2].output), name=model.name)
    dense.set_weights([kernel, bias])
    return result


def penultimate(model: Any, x: np.ndarray) -> np.ndarray:
    """The features the classifier (the last layer) sees, in inference mode."""
    import keras

    features = keras.Model(model.inputs[0], model.layers[-2].output)
    return np.concatenate([np.asarray(features(x[i:i + 256].astype(np.float32), training=False))
                           for i in range(0, len(x), 256)]).reshape(len(x), -1)


def init_new_classes(model: Any, known: int, user: tuple[np.ndarray, np.ndarray], reference: np.ndarray) -> None:
    """Sets the classifier rows of the new classes (from ``known`` on) from their samples.

    Each new row points from the mean feature of ``reference`` (the original data) to the
    mean feature of the class's samples, with the average length of the old rows, so it
    answers to what sets the class apart and is as confident as an old class. Its bias keeps
    its logit ``NEW_CLASS_MARGIN`` below the top class on all but ``NEW_CLASS_QUIET`` of the
    reference samples: the new class starts by taking nothing from the classes the user did
    not correct, and training only has to raise it on its own samples.

    Args:
        model: The grown model.
        known: How many classes the base model had.
        user: The user's samples (model inputs, class indices in the grown space).
        reference: Samples of the original data (the replay samples).
    """
    dense = model.layers[-1]
    kernel, bias = dense.get_weights()
    ref = penultimate(model, reference)
    centre = ref.mean(axis=0)
    length = float(np.linalg.norm(kernel[:, :known], axis=0).mean())
    ref_logits = ref @ kernel[:, :known] + bias[:known]
    top = ref_logits.max(axis=1)
    features = penultimate(model, user[0])
    for c in range(known, kernel.shape[1]):
        own = features[user[1] == c]
        if not len(own):
            continue
        direction = own.mean(axis=0) - centre
        row = direction * (length / max(float(np.linalg.norm(direction)), 1e-6))
        kernel[:, c] = row
        bias[c] = float(np.quantile(top - ref @ row, NEW_CLASS_QUIET)) - NEW_CLASS_MARGIN
    dense.set_weights([kernel, bias])


def quiet_new_classes(model: Any, known: int, reference: np.ndarray) -> int:
    """Lowers the bias of any new class that would take probability from the original data.

    A prior correction after training: each new class's bias is capped so that its logit
    stays ``NEW_CLASS_MARGIN`` below the top old class on all but ``NEW_CLASS_QUIET`` of
    ``reference`` (replay samples not used to measure). Five writings of 鷗 otherwise
    teach it to answer for every bird-radical kanji (鴨, 鶴, 鵬... on Tomoe: -0.66 points).

    Args:
        model: The adapted model.
        known: How many classes the base model had.
        reference: Samples of the original data.

    Returns:
        How many new classes had their bias lowered.
    """
    dense = model.layers[-1]
    kernel, bias = dense.get_weights()
    if kernel.shape[1] <= known or not len(reference):
        return 0
    ref = penultimate(model, reference)
    logits = ref @ kernel + bias
    top = logits[:, :known].max(axis=1)
    lowered = 0
    for c in range(known, kernel.shape[1]):
        cap = float(np.quantile(top - ref @ kernel[:, c], NEW_CLASS_QUIET)) - NEW_CLASS_MARGIN
        if bias[c] > cap:
            bias[c], lowered = cap, lowered + 1
    dense.set_weights([kernel, bias])
    return lowered


def new_classes(labels: Sequence[str], known: Collection[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(accepted, refused) labels not in ``known``: accepted ones have ``MIN_NEW_CLASS_SAMPLES`` samples.

    Args:
        labels: The label of every sample.
        known: The labels the model already has.
    """
    counts = Counter(label for label in labels if label not in known)
    accepted = tuple(sorted(label for label, n in counts.items() if n >= MIN_NEW_CLASS_SAMPLES))
    refused = tuple(sorted(label for label, n in counts.items() if n < MIN_NEW_CLASS_SAMPLES))
    return accepted, refused
