"""One entry point for every dataset format: model inputs, labels and writer ids.

Formats, detected from the path: an MNIST IDX folder; a folder of pictures in one
sub-folder per label; an NPZ with ``x`` and ``y`` (optionally ``writers``); an ink dataset
(``.jsonl``/``.ndjson``); a Tomoe dictionary (``.tdic``); ETL8B/ETL9B/ETL8G/ETL9G files or a
folder of them. Every sample goes through ``core.preprocess``, exactly as in the app.

Readers stream: ``iter_samples`` yields one sample at a time, and ``read_samples`` fills
arrays of a size known in advance, in memory or in a memory-mapped file (``cache``), so a
dataset larger than memory is normalized once and then served batch by batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import DatasetError, MojiyomiError
from core.preprocess import Preprocessing, normalize_image, preprocess_ink

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".gif")
INK_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class Samples:
    """Normalized samples of a dataset.

    Attributes:
        x: Model inputs (N, size, size, 1) uint8 (possibly a ``np.memmap``).
        y: Labels (N,) as strings.
        writers: Writer ids (N,) where the format has them, else None.
        skipped: Samples that could not be read (counted, not fatal).
        kind: The detected format.
    """

    x: np.ndarray
    y: np.ndarray
    writers: np.ndarray | None
    skipped: int
    kind: str

    def __len__(self) -> int:
        return len(self.y)


def detect_kind(path: Path) -> str:
    """The format of a dataset path: idx, folder, npz, ink, tdic, etl or keras.

    Raises:
        DatasetError: if the path is missing or not a dataset mojiyomi reads.
    """
    from training.datasets.etl import is_etl_path
    from training.datasets.idx import is_idx_folder

    if str(path).startswith("keras:"):
        return "keras"
    if not path.exists():
        raise DatasetError(f"There is no dataset at {path} (the path does not exist).")
    if path.is_dir():
        if is_idx_folder(path):
            return "idx"
        if is_etl_path(path):
            return "etl"
        if any(p.is_dir() and not p.name.startswith(".") for p in path.iterdir()):
            return "folder"
        raise DatasetError(f"{path} holds no dataset: expected MNIST IDX files, ETL files, or one "
                           f"sub-folder of pictures per label.")
    suffix = path.suffix.lower()
    kinds = {".npz": "npz", ".tdic": "tdic", **{s: "ink" for s in INK_SUFFIXES}}
    if suffix in kinds:
        return kinds[suffix]
    if is_etl_path(path):
        return "etl"
    raise DatasetError(f"{path.name} is not a dataset mojiyomi reads (expected a folder, .npz, .jsonl, "
                       f".tdic or an ETL file). Received suffix {suffix or '(none)'!r}")


def count_samples(path: Path, kind: str, split: str = "train") -> int:
    """How many samples ``iter_samples`` will try to read (an upper bound for folders)."""
    if kind == "idx":
        from training.datasets.idx import find_split, read_idx

        return len(read_idx(find_split(path, split, "labels")))
    if kind == "etl":
        from training.datasets.etl import count_records, etl_files

        return sum(count_records(p)[0] for p in etl_files(path))
    if kind == "folder":
        return len(_folder_files(path))
    if kind == "ink":
        with open(path, "rb") as handle:
            return sum(1 for line in handle if line.strip())
    if kind == "tdic":
        from training.datasets.tomoe import iter_tdic

        return sum(1 for _ in iter_tdic(path))
    if kind == "npz":
        with np.load(path) as data:
            return len(data["y"])
    raise DatasetError(f"Cannot count samples of a {kind} dataset.")


def iter_samples(path: Path, spec: Preprocessing, split: str = "train") -> Iterator[tuple[np.ndarray | None, str, int]]:
    """Yields (model input (s, s) uint8 or None if unreadable, label, writer id or -1)."""
    kind = detect_kind(path)
    if kind == "idx":
        from training.datasets.idx import load_mnist

        images, labels = load_mnist(path, split)
        for image, label in zip(images, labels):
            yield _norm(image, spec), str(int(label)), -1
    elif kind == "etl":
        from training.datasets.etl import etl_files, iter_etl

        for file in etl_files(path):
            for image, label, writer in iter_etl(file):
                yield _norm(image, spec), label, writer
    elif kind == "folder":
        yield from _iter_folder(path, spec)
    elif kind in ("ink", "tdic"):
        yield from _iter_inks(path, kind, spec)
    elif kind == "npz":
        yield from _iter_npz(path, spec)
    else:
        raise DatasetError(f"{path}: read keras datasets with training.data.prepare_data.")


def read_samples(path: str | Path, spec: Preprocessing, split: str = "train", limit: int | None = None,
                 cache: Path | None = None) -> Samples:
    """Reads (and normalizes) a whole dataset into arrays.

    Args:
        path: The dataset.
        spec: The preprocessing of the model to train or evaluate.
        split: For IDX folders, ``"train"`` or ``"test"``; other formats have one split.
        limit: Read at most this many samples.
        cache: If given, the inputs go to this ``.npy`` file, memory-mapped (for data
            larger than memory); otherwise they are held in memory.

    Raises:
        DatasetError: if the path is not a dataset or holds no readable sample.
    """
    path = Path(path)
    kind = detect_kind(path)
    total = count_samples(path, kind, split)
    if limit is not None:
        total = min(total, limit)
    shape = (total, spec.size, spec.size, 1)
    x = np.lib.format.open_memmap(cache, "w+", np.uint8, shape) if cache else np.empty(shape, np.uint8)
    labels: list[str] = []
    writers: list[int] = []
    skipped = 0
    for image, label, writer in iter_samples(path, spec, split):
        if len(labels) >= total:
            break
        if image is None:
            skipped += 1
            continue
        x[len(labels), :, :, 0] = image
        labels.append(label)
        writers.append(writer)
    if not labels:
        raise DatasetError(f"{path} holds no readable sample ({skipped} could not be read).")
    if skipped:
        log.warning("%s: skipped %d unreadable samples", path, skipped)
    n = len(labels)
    has_writers = any(w >= 0 for w in writers)
    return Samples(x[:n], np.asarray(labels), np.asarray(writers) if has_writers else None, skipped, kind)


def _norm(image: np.ndarray, spec: Preprocessing) -> np.ndarray:
    out = normalize_image(image, spec).reshape(spec.size, spec.size)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _folder_files(path: Path) -> list[tuple[Path, str]]:
    files = []
    for sub in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files += [(f, sub.name) for f in sorted(sub.iterdir())
                  if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES]
    return files


def _iter_folder(path: Path, spec: Preprocessing) -> Iterator[tuple[np.ndarray | None, str, int]]:
    from core.images import read_image
    from core.inputs import to_model_input

    for file, label in _folder_files(path):
        try:
            x = to_model_input(read_image(file), spec)
        except (MojiyomiError, OSError, ValueError) as exc:
            log.info("skipping %s: %s", file, exc)
            yield None, label, -1
            continue
        yield np.clip(np.round(x[..., 0]), 0, 255).astype(np.uint8), label, -1


def _iter_inks(path: Path, kind: str, spec: Preprocessing) -> Iterator[tuple[np.ndarray | None, str, int]]:
    from core.ink import iter_ink_dataset
    from training.datasets.tomoe import iter_tdic

    writer_ids: dict[str, int] = {}
    for ink in (iter_tdic(path) if kind == "tdic" else iter_ink_dataset(path)):
        if not ink.label:
            raise DatasetError(f"{path}: every ink of a training dataset needs a label; one has none.")
        writer = ink.extra.get("writer")
        wid = writer_ids.setdefault(str(writer), len(writer_ids)) if writer is not None else -1
        try:
            x = preprocess_ink(ink, spec)
        except MojiyomiError as exc:
            log.info("skipping an ink of %s: %s", path, exc)
            yield None, str(ink.label), wid
            continue
        yield np.clip(np.round(x[..., 0]), 0, 255).astype(np.uint8), str(ink.label), wid


def _iter_npz(path: Path, spec: Preprocessing) -> Iterator[tuple[np.ndarray | None, str, int]]:
    try:
        data = np.load(path, allow_pickle=False)
        x, y = data["x"], data["y"]
    except (OSError, ValueError, KeyError) as exc:
        raise DatasetError(f"{path} is not an NPZ with arrays 'x' and 'y': {exc}") from exc
    names = data["labels"] if "labels" in data.files else None
    writers = data["writers"] if "writers" in data.files else None
    if x.ndim == 4:
        x = x[..., 0]
    if x.ndim != 3 or len(x) != len(y):
        raise DatasetError(f"{path}: x must be (N, H, W[, 1]) and y (N,). Received x {x.shape}, y {y.shape}")
    ready = x.shape[1:] == (spec.size, spec.size) and x.dtype == np.uint8
    for i in range(len(y)):
        label = str(names[int(y[i])]) if names is not None else str(y[i])
        image = x[i] if ready else _norm(x[i], spec)
        yield image, label, int(writers[i]) if writers is not None else -1
