"""Training on several GPUs or machines with ``tf.distribute`` (TensorFlow backend only).

``mirrored`` copies the model to every GPU of this machine; ``multiworker`` trains across
machines described by the ``TF_CONFIG`` environment variable (the same command runs on
each; worker 0, or the ``chief`` task, writes the bundle).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections.abc import Iterator
from typing import Any

from training.events import BatchEvent, EpochEvent, StartEvent

STRATEGIES = ("default", "mirrored", "multiworker")


def cluster_task() -> tuple[str, int, dict[str, Any]]:
    """(task type, index, cluster) from ``TF_CONFIG``; a single worker when it is unset.

    Raises:
        ValueError: if ``TF_CONFIG`` is not valid JSON with a cluster and a task.
    """
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        return "worker", 0, {}
    try:
        conf = json.loads(raw)
        return str(conf["task"]["type"]), int(conf["task"]["index"]), dict(conf["cluster"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"TF_CONFIG must be JSON with 'cluster' and 'task' (type, index). Received: {raw!r}") from exc


def is_chief() -> bool:
    """True on the task that writes checkpoints and the bundle."""
    kind, index, cluster = cluster_task()
    if "chief" in cluster:
        return kind == "chief"
    return kind == "worker" and index == 0


@contextlib.contextmanager
def strategy_scope(name: str) -> Iterator[Any]:
    """A context in which models built and compiled use the named strategy.

    Raises:
        ValueError: for an unknown name, or a strategy on a backend other than TensorFlow.
    """
    if name not in STRATEGIES:
        raise ValueError(f"Unknown strategy. Received: {name!r}, expected one of {STRATEGIES}")
    if name == "default":
        yield None
        return
    import keras

    if keras.backend.backend() != "tensorflow":
        raise ValueError(f"--strategy {name} needs the TensorFlow backend. Received: KERAS_BACKEND="
                         f"{keras.backend.backend()!r}")
    with _strategy(name).scope() as strategy:
        yield strategy


@functools.lru_cache(maxsize=None)
def _strategy(name: str) -> Any:
    """One strategy object per process: a model and its trainer must share it (and a
    MultiWorkerMirroredStrategy can only be set up once per process)."""
    import tensorflow as tf

    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    cluster_task()  # fail early on a malformed TF_CONFIG
    return tf.distribute.MultiWorkerMirroredStrategy()


def as_distributed_dataset(x: Any, y: Any, batch_size: int, shuffle: bool, seed: int) -> Any:
    """A ``tf.data`` pipeline for arrays, sharded by data across workers.

    Keras hands plain NumPy arrays to a strategy as per-replica values that multi-worker
    training cannot convert, so distributed runs feed a dataset instead.
    """
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        data = data.shuffle(min(len(y), 65536), seed=seed, reshuffle_each_iteration=True)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return data.batch(batch_size).prefetch(2).with_options(options)


def fit_multiworker(trainer: Any, train: tuple[Any, Any], val: tuple[Any, Any], batch_size: int,
                    epochs: int, seed: int, report: Any, should_stop: Any, on_epoch_end: Any) -> None:
    """A training loop for ``MultiWorkerMirroredStrategy``, which Keras 3's ``fit`` cannot run.

    ``fit`` averages a first batch across workers and reduces per-replica logs along an
    axis, both of which raise under multi-worker collectives (keras-team/keras#20585).
    This loop runs the model's own ``train_step``/``test_step`` in ``strategy.run`` and
    reduces the logs itself. Every worker runs the same number of steps (the data repeats),
    as collective ops require.
    """
    import tensorflow as tf

    strategy = trainer.distribute_strategy
    with strategy.scope():
        sample = (tf.convert_to_tensor(train[0][:batch_size]), tf.convert_to_tensor(train[1][:batch_size]))
        trainer._symbolic_build(data_batch=sample)

    def reduce(logs: dict[str, Any]) -> dict[str, Any]:
        return {k: strategy.reduce("MEAN", v, axis=None) for k, v in logs.items()}

    @tf.function
    def train_step(batch: Any) -> Any:
        return reduce(strategy.run(trainer.train_step, args=(batch,)))

    @tf.function
    def test_step(batch: Any) -> Any:
        return reduce(strategy.run(trainer.test_step, args=(batch,)))

    steps = max(1, len(train[1]) // batch_size)
    val_steps = max(1, len(val[1]) // batch_size)
    train_it = iter(strategy.experimental_distribute_dataset(
        as_distributed_dataset(*train, batch_size, True, seed).repeat()))
    val_data = strategy.experimental_distribute_dataset(as_distributed_dataset(*val, batch_size, False, 0).repeat())
    report(StartEvent(epochs, steps))
    for epoch in range(epochs):
        trainer.reset_metrics()
        for step in range(steps):
            logs = {k: float(v) for k, v in train_step(next(train_it)).items()}
            report(BatchEvent(step + 1, steps, logs))
        if should_stop():
            return
        trainer.reset_metrics()
        val_it = iter(val_data)
        for _ in range(val_steps):
            val_logs = test_step(next(val_it))
        logs.update({f"val_{k}": float(v) for k, v in val_logs.items()})
        report(EpochEvent(epoch + 1, epochs, logs))
        on_epoch_end(epoch, logs)
