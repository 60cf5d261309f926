"""A 1-epoch fine-tune of the bundled digits model on 1,000 MNIST images, as the app runs it.

The same run twice: in this process (``training.train.train`` with ``init_from``; what
``mojiyomi train --init-from resources/models/digits --limit 1000 --epochs 1`` does), and as a
background job (``training.jobs.start_job``: a spawned process that imports TensorFlow
itself), which is what the Training menu starts. Both times cover reading the data, the
epoch, the TFLite export, the evaluation and the atomically written bundle; the job's
also covers spawning and importing. Skipped, with a message, when
resources/models/digits or the shared MNIST folder is not there yet.

Usage: python bench/bench_finetune_1k.py [--mnist ../shared/data/mnist] [--limit 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
DIGITS = REPO / "resources" / "models" / "digits"


def _config(mnist: Path, out: Path, limit: int) -> Any:
    from training.config import TrainConfig

    return TrainConfig(data=str(mnist), out=str(out), init_from=str(DIGITS), limit=limit, epochs=1,
                       validation_size=max(2, limit // 5), name="digits-ft", title="digits fine-tuned")


def in_process(mnist: Path, out: Path, limit: int) -> dict[str, Any]:
    """Runs the fine-tune here; returns seconds and validation top-1."""
    from training.train import train

    start = time.perf_counter()
    result = train(_config(mnist, out, limit), command="bench/bench_finetune_1k.py")
    return {"seconds": round(time.perf_counter() - start, 1), "val_top1": round(result.val_top1, 4)}


def as_job(mnist: Path, out: Path, limit: int) -> dict[str, Any]:
    """Runs the fine-tune as the app does, in a spawned job; returns its timings."""
    from training.jobs import JobSpec, start_job

    start = time.perf_counter()
    job = start_job(JobSpec("train", _config(mnist, out, limit), "bench"))
    first_batch = None
    while job.running:
        job.poll()
        if first_batch is None and any(e.event == "batch" for e in job.history):
            first_batch = time.perf_counter() - start
        time.sleep(0.02)
    if job.state != "finished":
        raise SystemExit(f"The fine-tune job {job.state}: {job.error}")
    return {"seconds": round(time.perf_counter() - start, 1), "val_top1": round(job.result.val_top1, 4),
            "seconds_to_first_batch": round(first_batch or float("nan"), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", type=Path, default=REPO.parent / "shared" / "data" / "mnist")
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args()
    if not (DIGITS / "metadata.json").exists():
        print(f"skipped: {DIGITS} does not exist yet (train the digits model first)")
        return 0
    if not (args.mnist / "train-images-idx3-ubyte.gz").exists():
        print(f"skipped: no MNIST at {args.mnist}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        job = as_job(args.mnist, Path(tmp) / "job", args.limit)
        here = in_process(args.mnist, Path(tmp) / "here", args.limit)
    result = {"images": args.limit, "epochs": 1, "cpus": os.cpu_count(), "job": job, "in_process": here}
    print(f"1-epoch fine-tune of digits on {args.limit} images: {here['seconds']} s in process, "
          f"{job['seconds']} s as a background job ({job['seconds_to_first_batch']} s to its first batch); "
          f"validation top-1 {here['val_top1']:.2%} / {job['val_top1']:.2%}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
