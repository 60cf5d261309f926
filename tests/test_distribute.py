"""Distributed training: two workers on 127.0.0.1 train together for a few steps."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from core.bundle import load_bundle
from tests.datagen import write_mnist_like
from training.distribute import cluster_task, is_chief


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_tf_config_decides_the_chief(monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 1}}))
    assert cluster_task() == ("worker", 1, cluster) and not is_chief()
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 0}}))
    assert is_chief()
    monkeypatch.setenv("TF_CONFIG", "{broken")
    with pytest.raises(ValueError, match="TF_CONFIG"):
        cluster_task()


@pytest.mark.slow
def test_two_workers_on_localhost_train_one_bundle(tmp_path: Path) -> None:
    data = write_mnist_like(tmp_path / "data", n_train=512, n_test=64)
    workers = [f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"]
    procs = []
    for index in range(2):
        env = dict(os.environ, TF_CONFIG=json.dumps({"cluster": {"worker": workers},
                                                     "task": {"type": "worker", "index": index}}),
                   CUDA_VISIBLE_DEVICES="")
        out = tmp_path / ("chief" if index == 0 else "worker1") / "digits"
        cmd = [sys.executable, "-m", "mojiyomi", "train", "--data", str(data), "--out", str(out), "--epochs", "1",
               "--batch-size", "64", "--strategy", "multiworker", "--json"]
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err[-3000:]
    summary = json.loads(outputs[0][0].strip().splitlines()[-1])
    assert load_bundle(summary["bundle"]).labels == tuple("0123456789")
    assert not (tmp_path / "worker1" / "digits").exists()
