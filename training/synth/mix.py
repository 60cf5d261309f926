"""Mixing generated datasets into one: ``python -m training.synth.mix --take A:40 --take B --out DIR``.

A short second stage of training (docs/COVERAGE_MODEL.md, "Stage 2") continues a model on
new data for its weak classes (MNIST digits, Latin letters and marks) mixed with a share
of its old data, so that the classes the new data lacks are not forgotten. This tool
writes that mix as one dataset in the generator's format (``training.synth.generate``):
``DIR/synth.npz`` (``x`` (N, s, s, 1) uint8 and ``y`` labels, uncompressed, the file
``mojiyomi train --data`` reads) and ``DIR/manifest.json`` (the preprocessing, classes,
per-class counts, every source's manifest and the credits), so a run on the mix adopts and
checks its preprocessing and records its provenance as for a generated set.

- Each ``--take PATH[:N]`` names a generated dataset (its folder, or its ``synth.npz``
  with ``manifest.json`` beside it) and how many samples of each class to take from it
  (N, drawn without replacement by a generator seeded with ``--seed`` and the class; all
  of them without N). A class with fewer samples gives all it has.
- The class list and its order are the first source's (its manifest's ``classes``) or,
  with ``--model``, the labels of the bundle the second stage starts from, so that
  ``--init-from`` keeps every output in place. A class outside that list is refused (or,
  with ``--only-model-classes``, its samples are left out: a picture set made for every
  class can then serve a model of fewer), as is a source made with other preprocessing
  (input size, box, pen, render size).
- Sources are read as a stream (rows in chunks), never whole; nothing is written outside
  the output folder, and both files appear at once: they are written under temporary
  names there and renamed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from core.atomic import temporary_beside
from core.bundle import load_bundle
from core.errors import DatasetError, MojiyomiError
from core.preprocess import Preprocessing
from training.datasets.npz import npz_labels, read_headers
from training.spec_check import MANIFEST, read_manifest
from training.synth.shards import write_samples

#: The merged file of a generated set, and of a mix.
DATA_FILE = "synth.npz"
#: Rows read from a source at a time (40 MB at 40x40).
CHUNK_ROWS = 25000


@dataclass(frozen=True)
class Take:
    """One source of a mix: a generated dataset and how many samples a class it gives.

    Attributes:
        data: The dataset's ``synth.npz``.
        per_class: Samples taken from each class, or None for all.
    """

    data: Path
    per_class: int | None = None

    @classmethod
    def parse(cls, text: str) -> Take:
        """``PATH`` or ``PATH:N`` (a folder holding ``synth.npz``, or the file itself).

        Raises:
            DatasetError: if N is not a positive integer.
        """
        path, colon, count = text.rpartition(":")
        try:
            per_class: int | None = int(count) if colon else None
        except ValueError:  # a colon in the path itself
            path, per_class = text, None
        if per_class is None:
            path = text
        elif per_class < 1:
            raise DatasetError(f"A source's count per class must be at least 1. Received: {text!r}")
        data = Path(path)
        return cls(data / DATA_FILE if data.is_dir() else data, per_class)


@dataclass(frozen=True)
class _Source:
    take: Take
    manifest: dict[str, Any]
    spec: Preprocessing
    labels: np.ndarray  # (N,) str
    rows: np.ndarray  # sorted indices taken


def mix(takes: Sequence[Take], out: Path, seed: int, classes: Sequence[str] | None = None,
        command: str | None = None, only_classes: bool = False) -> Path:
    """Writes the mix of ``takes`` to ``out/synth.npz`` and ``out/manifest.json``.

    Args:
        takes: The sources, in the order their samples are written.
        out: The output folder (created if needed); it must not hold a source.
        seed: Seeds which samples of a class are taken when a source gives fewer than it has.
        classes: The class list and order (a model's labels); default the first source's.
        command: The command line, recorded in the manifest.
        only_classes: Leave out the samples of classes outside ``classes`` instead of refusing them.

    Returns:
        ``out/synth.npz``.

    Raises:
        DatasetError: if there is no source, a source is not a generated dataset (no
            manifest with preprocessing, or pictures of another size), sources differ in
            preprocessing, a class is outside the class list (unless ``only_classes``), a
            source is given twice, or ``out`` holds a source.
    """
    if only_classes and classes is None:
        raise DatasetError("Leaving out the classes a model lacks needs that model (--model).")
    if not takes:
        raise DatasetError("A mix needs at least one source (--take). Received: 0")
    out = out.resolve()
    named = [take.data.resolve() for take in takes]
    if len(set(named)) < len(named):
        twice = next(path for path in named if named.count(path) > 1)
        raise DatasetError(f"Each source of a mix is given once (with its count per class): twice, its samples "
                           f"would be taken twice. Received: {twice}")
    for take in takes:
        if take.data.resolve().parent == out:
            raise DatasetError(f"The output folder must not hold a source: the mix would replace it. "
                               f"Received: --out {out}, source {take.data}")
    sources = [_open(take, seed, classes if only_classes else None) for take in takes]
    _check_specs(sources)
    order = list(classes) if classes is not None else _manifest_classes(sources[0])
    _check_classes(sources, order, classes is not None)
    counts = {label: 0 for label in order}
    for source in sources:
        for label in source.labels[source.rows].tolist():
            counts[label] += 1
    manifest = _manifest(sources, order, counts, seed, command)
    return _write(out, sources, manifest)


def _open(take: Take, seed: int, keep: Sequence[str] | None = None) -> _Source:
    manifest = read_manifest(take.data) if take.data.is_file() else None
    if manifest is None or not isinstance(manifest.get("preprocessing"), dict):
        raise DatasetError(f"A source of a mix must be a generated dataset: a synth.npz with the {MANIFEST} "
                           f"(and its preprocessing) beside it. Received: {take.data}")
    try:
        spec = Preprocessing.from_json(manifest["preprocessing"])
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"The preprocessing recorded beside {take.data} is not valid. Received: {exc}") from None
    x = read_headers(take.data, limit=sys.maxsize)["x"]
    if x.dtype != np.uint8 or x.shape[1:] != (spec.size, spec.size, 1):
        raise DatasetError(f"A source of a mix must hold model inputs (N, {spec.size}, {spec.size}, 1) uint8, "
                           f"as its preprocessing says. Received: {take.data} x {x.shape} {x.dtype}")
    labels = np.asarray(list(npz_labels(take.data)), dtype=str)
    rows = _pick(labels, take.per_class, seed)
    if keep is not None:
        rows = rows[np.isin(labels[rows], np.asarray(keep, dtype=str))]
    return _Source(take, manifest, spec, labels, rows)


def _pick(labels: np.ndarray, per_class: int | None, seed: int) -> np.ndarray:
    """Sorted rows: up to ``per_class`` of each label, drawn by a generator of (seed, label)."""
    if per_class is None:
        return np.arange(len(labels))
    names, inverse, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    by_class = np.split(np.argsort(inverse, kind="stable"), np.cumsum(sizes)[:-1])
    rows = []
    for label, where in zip(names.tolist(), by_class):
        if len(where) > per_class:
            rng = np.random.default_rng([seed, zlib.crc32(label.encode("utf-8"))])
            where = rng.choice(where, per_class, replace=False)
        rows.append(where)
    return np.sort(np.concatenate(rows)) if rows else np.zeros(0, np.int64)


def _describe(spec: Preprocessing) -> str:
    return f"size={spec.size}, box={spec.box}, stroke_ratio={spec.stroke_ratio:g}, render_size={spec.render_size}"


def _check_specs(sources: Sequence[_Source]) -> None:
    first = sources[0]
    for source in sources[1:]:
        if source.spec != first.spec:
            raise DatasetError(f"Cannot mix datasets made with other preprocessing (make them again with the "
                               f"same --size, --box and --stroke-ratio). Received: {source.take.data} "
                               f"{_describe(source.spec)}; {first.take.data} {_describe(first.spec)}")


def _manifest_classes(source: _Source) -> list[str]:
    listed = source.manifest.get("classes")
    if isinstance(listed, str):
        return list(listed)
    if isinstance(listed, list) and all(isinstance(c, str) for c in listed):
        return list(listed)
    return sorted(set(source.labels.tolist()))


def _check_classes(sources: Sequence[_Source], order: Sequence[str], from_model: bool) -> None:
    known = set(order)
    whose = "the model's labels (--model)" if from_model else f"the classes of {sources[0].take.data}"
    for source in sources:
        unknown = sorted(set(source.labels[source.rows].tolist()) - known)
        if unknown:
            shown = "".join(unknown[:20]) + ("..." if len(unknown) > 20 else "")
            raise DatasetError(f"Every class of a mix must be one of {whose}, so that a run from that model "
                               f"keeps its outputs. Received: {len(unknown)} other classes in "
                               f"{source.take.data}: {shown!r}")


def _manifest(sources: Sequence[_Source], order: Sequence[str], counts: dict[str, int], seed: int,
              command: str | None) -> dict[str, Any]:
    present = [c for c in order if counts[c]]
    credits = [part for s in sources for part in str(s.manifest.get("attribution", "")).split("; ") if part]
    keep = ("classes", "per_class", "samples", "seed", "options", "kanjivg", "missing", "mnist")
    return {"classes": "".join(present) if all(len(c) == 1 for c in present) else present,
            "missing": "".join(c for c in order if not counts[c]),
            "samples": sum(counts.values()), "seed": seed, "preprocessing": sources[0].spec.to_json(),
            "counts": {c: counts[c] for c in present},
            "kanjivg": next((s.manifest["kanjivg"] for s in sources if s.manifest.get("kanjivg")), None),
            "fonts": sorted({str(f) for s in sources for f in s.manifest.get("fonts", [])}),
            "attribution": "; ".join(dict.fromkeys(credits)),
            "mixed_from": [{"data": str(s.take.data), "per_class": s.take.per_class, "taken": len(s.rows),
                            "of": len(s.labels), **{k: s.manifest[k] for k in keep if k in s.manifest}}
                           for s in sources],
            "command": command}


def _write(out: Path, sources: Sequence[_Source], manifest: dict[str, Any]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    targets = [out / DATA_FILE, out / MANIFEST]
    for target in targets:
        if target.is_symlink() or target.exists() and not target.is_file():
            raise DatasetError(f"The mix writes {target.name} only as a plain file inside its folder. "
                               f"Received: {target} (a link or not a file)")
    temporaries: list[str] = []
    try:
        for target in targets:
            temporaries.append(str(temporary_beside(target)))
        _write_npz(Path(temporaries[0]), sources)
        Path(temporaries[1]).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        for name, target in zip(temporaries, targets):
            os.replace(name, target)
    finally:
        for name in temporaries:
            if os.path.exists(name):
                os.unlink(name)
    return targets[0]


def _write_npz(path: Path, sources: Sequence[_Source]) -> None:
    side = sources[0].spec.size
    write_samples(path, (sum(len(s.rows) for s in sources), side, side, 1),
                  (rows for source in sources for rows in _stream_rows(source)),
                  np.concatenate([s.labels[s.rows] for s in sources]))
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _stream_rows(source: _Source) -> Iterator[np.ndarray]:
    """The source's taken rows of ``x``, chunk by chunk, reading its file once from the start."""
    if not len(source.rows):
        return
    side = source.spec.size
    row_bytes = side * side
    with zipfile.ZipFile(source.take.data) as archive, archive.open("x.npy") as member:
        _skip_header(member)
        start = 0
        last = int(source.rows[-1])
        while start <= last:
            count = min(CHUNK_ROWS, last + 1 - start)
            data = member.read(count * row_bytes)
            if len(data) != count * row_bytes:
                raise DatasetError(f"{source.take.data} ends early: rows {start}-{start + count} are missing. "
                                   f"Received: {len(data)} of {count * row_bytes} bytes")
            block = np.frombuffer(data, np.uint8).reshape(count, side, side, 1)
            wanted = source.rows[(source.rows >= start) & (source.rows < start + count)] - start
            if len(wanted):
                yield block[wanted]
            start += count


def _skip_header(member: IO[bytes]) -> None:
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        np.lib.format.read_array_header_1_0(member)
    else:
        np.lib.format.read_array_header_2_0(member)


def main(argv: list[str] | None = None) -> int:
    """The command line; prints what was written."""
    parser = argparse.ArgumentParser(description="Mix generated datasets into one (per-class caps, seeded).")
    parser.add_argument("--take", action="append", required=True, metavar="PATH[:N]",
                        help="a generated dataset (folder or synth.npz) and the samples per class to take "
                             "(all without :N); repeat for each source")
    parser.add_argument("--model", default=None,
                        help="the bundle a run on the mix starts from (--init-from): its labels are the class "
                             "list and order, and every class of the mix must be one of them")
    parser.add_argument("--only-model-classes", action="store_true",
                        help="with --model: leave out the samples of classes the model lacks instead of refusing them")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    command = shlex.join(["python", "-m", "training.synth.mix", *(sys.argv[1:] if argv is None else argv)])
    try:
        classes = load_bundle(args.model).labels if args.model else None
        path = mix([Take.parse(t) for t in args.take], Path(args.out), args.seed, classes, command,
                   args.only_model_classes)
    except (MojiyomiError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    manifest = json.loads((Path(args.out) / MANIFEST).read_text(encoding="utf-8"))
    parts = ", ".join(f"{m['taken']} of {m['of']} from {m['data']}" for m in manifest["mixed_from"])
    print(f"wrote {path}: {manifest['samples']} samples of {len(manifest['counts'])} classes ({parts}); "
          f"classes without samples: {len(manifest['missing'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
