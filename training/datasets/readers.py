"""Format detection and one streaming reader per dataset format.

Formats, detected from the path (or forced): an MNIST IDX folder; ``keras:mnist``; a folder
of pictures in one sub-folder per label; an NPZ with ``x`` and ``y`` (optionally ``labels``
and ``writers``); an ink dataset (``.jsonl``/``.ndjson``); a Tomoe dictionary (``.tdic``);
ETL8B/ETL9B/ETL8G/ETL9G files or a folder of them; a mojiyomi samples database (``.sqlite3``,
the user's own corrected writing). Every sample goes through
``core.preprocess``, exactly as in the app. ``training.datasets.dataset`` builds the public
``Dataset`` on these readers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from core.errors import DatasetError, MojiyomiError
from core.ink import Ink
from core.preprocess import Preprocessing, normalize_image, preprocess_ink
from core.samples import DB_SUFFIXES, LabelledImage, labelled_samples
from training.datasets.npz import load_npz, npz_labels
from training.datasets.textfile import iter_ink_lines, iter_lines

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".gif")
INK_SUFFIXES = (".jsonl", ".ndjson")
#: Names accepted by ``format=``: the kinds, and the ETL layouts to force one.
FORMATS = ("idx", "keras", "folder", "npz", "ink", "tdic", "samples", "etl", "etl8b", "etl9b", "etl8g", "etl9g")

#: One sample as readers yield it: (input (s, s) uint8 or None if unreadable, label, writer or -1).
Raw = tuple[np.ndarray | None, str, int]
#: One sample before preprocessing: (a function of the preprocessing giving its input as in
#: ``Raw``, label, writer id or -1).
Lazy = tuple[Callable[[Preprocessing], np.ndarray | None], str, int]


@dataclass(frozen=True)
class Source:
    """A dataset on disk and how to read it.

    Attributes:
        path: The file or folder (``keras:mnist`` for Keras' download).
        kind: idx, keras, folder, npz, ink, tdic, samples or etl.
        split: For MNIST, ``"train"`` or ``"test"``; other formats have one split.
        etl: A forced ETL layout (``"ETL8G"``...), or None to detect it per file.
    """

    path: Path
    kind: str
    split: str = "train"
    etl: str | None = None


def resolve(path: str | Path, format: str | None = None, split: str = "train") -> Source:
    """The ``Source`` for a path: its format detected, or forced by ``format``.

    Raises:
        DatasetError: if the path is missing, not a dataset, or ``format`` is unknown.
    """
    if str(path).startswith("keras:"):
        if str(path) != "keras:mnist":
            raise DatasetError(f"Only keras:mnist can be loaded through keras.datasets. Received: {str(path)!r}")
        return Source(Path("mnist"), "keras", split)
    path = Path(path)
    if format is None:
        return Source(path, detect_kind(path), split)
    key = format.lower()
    if key not in FORMATS:
        raise DatasetError(f"Unknown dataset format. Received: format={format!r}, expected one of {FORMATS}")
    if not path.exists():
        raise DatasetError(f"There is no dataset at {path} (the path does not exist).")
    if key.startswith("etl") and key != "etl":
        return Source(path, "etl", split, key.upper())
    return Source(path, key, split)


def detect_kind(path: Path) -> str:
    """The format of a dataset path: idx, folder, npz, ink, tdic, samples, etl or keras.

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
        found = sorted(p.name for p in path.iterdir())[:5]
        raise DatasetError(f"{path} holds no dataset: expected MNIST IDX files, ETL files, or one sub-folder "
                           f"of pictures per label. Received a folder holding {found or 'nothing'}")
    suffix = path.suffix.lower()
    kinds = {".npz": "npz", ".tdic": "tdic", **{s: "ink" for s in INK_SUFFIXES}, **{s: "samples" for s in DB_SUFFIXES}}
    if suffix in kinds:
        return kinds[suffix]
    if is_etl_path(path):
        return "etl"
    raise DatasetError(f"{path.name} is not a dataset mojiyomi reads (expected a folder, .npz, .jsonl, "
                       f".tdic, a samples database .sqlite3 or an ETL file). Received suffix {suffix or '(none)'!r}")


def count_samples(path: Path, kind: str, split: str = "train") -> int:
    """How many samples ``iter_samples`` will try to read (some may prove unreadable)."""
    return count(Source(Path(path), kind, split))


def count(source: Source) -> int:
    """How many samples ``iter_raw`` will try to read (some may prove unreadable)."""
    if source.kind == "etl":
        from training.datasets.etl import count_records, detect_format, etl_files

        return sum(count_records(p, detect_format(p, source.etl))[0] for p in etl_files(source.path))
    if source.kind == "ink":
        return sum(1 for _, line in iter_lines(source.path, "ink dataset") if line.strip())
    return sum(1 for _ in iter_labels(source))


def iter_labels(source: Source) -> Iterator[str]:
    """The samples' labels in reading order, without decoding pictures where the format allows."""
    if source.kind in ("idx", "keras"):
        yield from (str(int(v)) for v in _mnist(source)[1])
    elif source.kind == "etl":
        from training.datasets.etl import detect_format, etl_files, iter_etl_labels

        for file in etl_files(source.path):
            yield from iter_etl_labels(file, detect_format(file, source.etl))
    elif source.kind == "folder":
        yield from (label for _, label in _folder_files(source.path))
    elif source.kind == "npz":
        yield from npz_labels(source.path)
    elif source.kind == "samples":
        yield from (str(sample.label) for sample in labelled_samples(source.path))
    elif source.kind in ("ink", "tdic"):
        yield from (str(ink.label) for ink in _inks(source.path, source.kind))


def iter_samples(path: Path, spec: Preprocessing, split: str = "train") -> Iterator[Raw]:
    """Yields (model input (s, s) uint8 or None if unreadable, label, writer id or -1)."""
    yield from iter_raw(resolve(path, None, split), spec)


def iter_raw(source: Source, spec: Preprocessing) -> Iterator[Raw]:
    """Yields (model input (s, s) uint8 or None if unreadable, label, writer id or -1)."""
    for make, label, writer in iter_lazy(source):
        yield make(spec), label, writer


def iter_lazy(source: Source, notes: list[str] | None = None) -> Iterator[Lazy]:
    """Yields (input maker, label, writer id or -1), preprocessing nothing until asked.

    The label comes first so that a caller can pass over samples it does not want (labels a
    model does not know) without paying for their preprocessing. What is worth telling the
    user but not fatal (a truncated ETL file) goes to ``notes``, or is logged if it is None.
    """
    if source.kind in ("idx", "keras"):
        images, labels = _mnist(source)
        for image, label in zip(images, labels):
            yield partial(normalize_uint8, image), str(int(label)), -1
    elif source.kind == "etl":
        from training.datasets.etl import detect_format, etl_files, iter_etl

        for file in etl_files(source.path):
            for image, label, writer in iter_etl(file, detect_format(file, source.etl), notes):
                yield partial(normalize_uint8, image), label, writer
    elif source.kind == "folder":
        yield from ((partial(_picture_input, file), label, -1) for file, label in _folder_files(source.path))
    elif source.kind == "samples":
        yield from _lazy_samples(source.path)
    elif source.kind in ("ink", "tdic"):
        yield from _lazy_inks(source.path, source.kind)
    elif source.kind == "npz":
        yield from _lazy_npz(source.path)
    else:
        raise DatasetError(f"Unknown dataset kind. Received: {source.kind!r}")


def normalize_uint8(image: np.ndarray, spec: Preprocessing) -> np.ndarray | None:
    """``normalize_image`` as uint8 (s, s); None for a picture without ink (a blank record)."""
    try:
        out = normalize_image(image, spec).reshape(spec.size, spec.size)
    except MojiyomiError as exc:
        log.info("skipping a picture: %s", exc)
        return None
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _mnist(source: Source) -> tuple[np.ndarray, np.ndarray]:
    from training.datasets.idx import load_mnist

    return load_mnist(None if source.kind == "keras" else source.path, source.split)


def _folder_files(path: Path) -> list[tuple[Path, str]]:
    files = []
    for sub in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files += [(f, sub.name) for f in sorted(sub.iterdir())
                  if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES]
    return files


def _picture_input(file: Path, spec: Preprocessing) -> np.ndarray | None:
    from core.images import read_image
    from core.inputs import to_model_input

    try:
        x = to_model_input(read_image(file), spec)
    except (MojiyomiError, OSError, ValueError) as exc:
        log.info("skipping %s: %s", file, exc)
        return None
    return np.clip(np.round(x[..., 0]), 0, 255).astype(np.uint8)


def _inks(path: Path, kind: str) -> Iterator[Ink]:
    """The inks of an ink dataset, a Tomoe dictionary or a samples database; each has a label.

    Raises:
        DatasetError: naming the line (or ink) of the first ink without a label.
    """
    for where, ink in _numbered_inks(path, kind):
        if not ink.label:
            raise DatasetError(f"{path}, {where}: every ink of a dataset needs a label; this one has none.")
        yield ink


def _numbered_inks(path: Path, kind: str) -> Iterable[tuple[str, Ink]]:
    """(where in the file, ink) for each ink: ``"line N"`` in an ink dataset, else ``"ink N"``."""
    from core.samples import labelled_inks
    from training.datasets.tomoe import iter_tdic

    if kind == "ink":
        return ((f"line {number}", ink) for number, ink in iter_ink_lines(path))
    inks = iter_tdic(path) if kind == "tdic" else labelled_inks(path)
    return ((f"ink {number}", ink) for number, ink in enumerate(inks, 1))


def _lazy_inks(path: Path, kind: str) -> Iterator[Lazy]:
    writer_ids: dict[str, int] = {}
    for ink in _inks(path, kind):
        writer = ink.extra.get("writer")
        wid = writer_ids.setdefault(str(writer), len(writer_ids)) if writer is not None else -1
        yield partial(_ink_input, ink), str(ink.label), wid


def _lazy_samples(path: Path) -> Iterator[Lazy]:
    """A samples database's inks, and its picture samples as the model inputs the recognizer saw."""
    for sample in labelled_samples(path):
        if isinstance(sample, LabelledImage):
            yield partial(_labelled_image_input, sample), sample.label, -1
        else:
            yield partial(_ink_input, sample), str(sample.label), -1


def _labelled_image_input(sample: LabelledImage, spec: Preprocessing) -> np.ndarray | None:
    try:
        x = sample.model_input(spec)
    except MojiyomiError as exc:
        log.info("skipping a picture sample labelled %r: %s", sample.label, exc)
        return None
    return np.clip(np.round(x[..., 0]), 0, 255).astype(np.uint8)


def _ink_input(ink: Ink, spec: Preprocessing) -> np.ndarray | None:
    try:
        x = preprocess_ink(ink, spec)
    except MojiyomiError as exc:
        log.info("skipping an ink labelled %r: %s", ink.label, exc)
        return None
    return np.clip(np.round(x[..., 0]), 0, 255).astype(np.uint8)


def _lazy_npz(path: Path) -> Iterator[Lazy]:
    data = load_npz(path)
    x = data.x[..., 0] if data.x.ndim == 4 else data.x
    for i in range(len(data.y)):
        yield partial(_array_input, x[i]), data.label(i), int(data.writers[i]) if data.writers is not None else -1


def _array_input(image: np.ndarray, spec: Preprocessing) -> np.ndarray | None:
    # An NPZ of pictures already normalized to this model's input size is taken as it is.
    if image.shape == (spec.size, spec.size) and image.dtype == np.uint8:
        return image
    return normalize_uint8(image, spec)
