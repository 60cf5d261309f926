"""The run check network of ``core.runcheck``: its training data, its training and its export.

    python -m training.runcheck generate --lines 8000 --workers 2 --out data/rc25    # 7 min
    python -m training.runcheck train --data data/rc25 --epochs 6 --out runs/rc25     # 6 min
    cp runs/rc25/runcheck.tflite runs/rc25/metadata.json resources/runcheck/

(the bundled network's commands, 2-core machine, 2026-12-03; ``train`` writes the network in
int8, ``requantize`` rewrites a float32 file of an earlier network so).

``generate`` writes lines of 3-8 perturbed KanjiVG characters (never Tomoe, the benchmark's
writer; half the lines not of digits are running text, ``training.contacts.TEXT_SHARE``, as the
contact network's) touching, tight or at natural spacing on paper, in the picture styles of
``training.synth.sources.PICTURE_STYLES`` (``training.synth.cutouts.write_line``), and reads
each as the app does (``core.picture.segment_picture``, with the contact network). Each ink
pixel of the working picture belongs to the character whose strokes pass nearest
(``training.contacts.ink_owners``); each piece to the character owning most of its ink. The
runs the decoder would consider (``core.decode.run_spans`` with ``core.picture.PICTURE_CONFIG``)
are then labelled: **whole** when all its pieces are one character's and it holds all of that
character's pieces in the line; **merged** when it holds pieces of two characters or more (the
smaller share at least ``MIN_OTHER`` of its ink); **part** when it misses pieces holding at
least ``MIN_MISSING`` of its character's ink. Other runs (a speck more or less) are left out.
Every whole run is kept, and up to ``NEGATIVES_PER_WHOLE`` times as many of the others, drawn
at random. ``train`` fits ``runcheck_model`` on them (the kind, cross-entropy), keeps the epoch
with the lowest loss on a held-out tenth and writes ``runcheck.tflite``, ``runcheck.keras`` and
``metadata.json`` (the commands, the data's counts, the held-out scores and the data's credit).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from core.atomic import atomic_write_bytes, atomic_write_text
from core.decode import run_spans
from core.errors import InputError
from core.picture import PICTURE_CONFIG, segment_picture
from core.runcheck import ACROSS, ALONG, KINDS, line_windows
from training.contacts import (DIGIT_LINES, TEXT_SHARE, LineJob, data_credit, ink_owners, line_jobs,
                               network_cli)
from training.synth.cutouts import CutoutOptions, write_line

#: Spacings lines are written with, and their weights.
SPACINGS = {"touching": 0.45, "tight": 0.35, "natural": 0.2}
#: A run holding pieces of two characters is "merged" when the smaller owner has this share of its ink.
MIN_OTHER = 0.1
#: A run of one character's pieces is a "part" when the pieces it misses hold this share of that character's ink.
MIN_MISSING = 0.15
#: A piece belongs to a character when that character owns this share of its ink (else to nobody).
PIECE_OWNED = 0.5
#: Runs that are not whole kept per whole run of a line (at most; drawn at random).
NEGATIVES_PER_WHOLE = 2.0


def label_runs(counts: np.ndarray, runs: list[tuple[int, ...]]) -> list[int | None]:
    """Per run (members), its kind's index in ``KINDS`` or None (left out).

    Args:
        counts: Per member id (rows) the ink each character owns (columns).
        runs: The runs' members.
    """
    ink = counts.sum(axis=1)
    best = counts.argmax(axis=1)
    owned = np.where((ink > 0) & (counts.max(axis=1) >= PIECE_OWNED * np.maximum(ink, 1)), best, -1)
    char_ink = np.zeros(counts.shape[1])
    for member, owner in enumerate(owned):
        if owner >= 0:
            char_ink[owner] += ink[member]
    out: list[int | None] = []
    for members in runs:
        rows = list(members)
        total = ink[rows].sum()
        owners = {int(o) for o in owned[rows] if o >= 0}
        if total == 0 or not owners:
            out.append(None)
            continue
        if len(owners) > 1:
            shares = np.sort(np.array([sum(ink[m] for m in rows if owned[m] == o) for o in owners]))[::-1]
            out.append(KINDS.index("merged") if shares[1] >= MIN_OTHER * total else None)
            continue
        (char,) = owners
        mine = sum(ink[m] for m in rows if owned[m] == char)
        missing = 1 - mine / max(char_ink[char], 1)
        out.append(KINDS.index("whole") if missing <= 1e-9 else
                   KINDS.index("part") if missing >= MIN_MISSING else None)
    return out


def line_samples(job: LineJob) -> tuple[np.ndarray, np.ndarray]:
    """One line's labelled runs: windows (N, ``ACROSS``, ``ALONG``, 2) uint8 and kinds (N,) uint8."""
    rng = np.random.default_rng(job.seed)
    chars = job.chars(rng)
    line = write_line(chars, rng, CutoutOptions(length=(3, 8)), SPACINGS)
    try:
        segmented = segment_picture(line.picture.image, line.layout)
    except InputError:
        return _empty()
    owner = ink_owners(line.picture, segmented.inverse, segmented.ink > 0)
    if owner is None or segmented.layout == "single":
        return _empty()
    along = 1 if segmented.layout == "vertical" else 0
    windows: list[np.ndarray] = []
    kinds: list[int | None] = []
    for piece_line in segmented.lines:
        ids = piece_line.labels
        where = (ids > 0) & (owner >= 0)
        counts = np.zeros((int(ids.max()) + 1, len(chars)), np.float64)
        np.add.at(counts, (ids[where], owner[where]), 1)
        spans = run_spans(piece_line.pieces, segmented.layout, PICTURE_CONFIG, piece_line.size)  # type: ignore[arg-type]
        labels = label_runs(counts, [members for _, _, members, _ in spans])
        whole = [i for i, k in enumerate(labels) if k == 0]
        others = [i for i, k in enumerate(labels) if k is not None and k != 0]
        keep = min(len(others), int(np.ceil(NEGATIVES_PER_WHOLE * max(len(whole), 1))))
        others = sorted(rng.choice(others, keep, replace=False).tolist()) if others else []
        chosen = whole + others
        windows.append(line_windows(segmented.ink, ids, piece_line.pieces, piece_line.size, along,
                                    [(spans[i][2], spans[i][3]) for i in chosen]))
        kinds.extend(labels[i] for i in chosen)
    if not kinds:
        return _empty()
    return np.concatenate(windows), np.asarray(kinds, np.uint8)


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((0, ACROSS, ALONG, 2), np.uint8), np.zeros(0, np.uint8)


def generate(lines: int, seed: int, workers: int, out: Path, command: str) -> dict[str, Any]:
    """Writes ``out/runcheck.npz`` (x, kind) and ``out/manifest.json``; returns the manifest."""
    jobs = line_jobs(lines, seed, TEXT_SHARE)
    kana, kanji, digits = jobs[0].kana, jobs[0].kanji, jobs[0].digits
    if workers == 1:
        parts = [line_samples(job) for job in jobs]
    else:
        with mp.get_context("spawn").Pool(workers) as pool:
            parts = list(pool.imap(line_samples, jobs, chunksize=16))
    x = np.concatenate([p[0] for p in parts])
    kind = np.concatenate([p[1] for p in parts])
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "runcheck.npz", x=x, kind=kind)
    manifest = {"lines": lines, "seed": seed, "runs": int(len(x)),
                **{k: int((kind == i).sum()) for i, k in enumerate(KINDS)},
                "kana": len(kana), "kanji": len(kanji), "digits": len(digits), "digit_lines": DIGIT_LINES,
                "text_share": TEXT_SHARE,
                "spacings": SPACINGS, "negatives_per_whole": NEGATIVES_PER_WHOLE, "across": ACROSS, "along": ALONG,
                "command": command}
    atomic_write_text(out / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def runcheck_model() -> Any:
    """The network: four 3x3 convolutions (three halvings), a dense layer, a softmax over ``KINDS``."""
    import keras
    from keras import layers

    inputs = keras.Input((ACROSS, ALONG, 2))
    x = inputs
    for filters in (16, 32, 64):
        x = layers.MaxPooling2D(2)(layers.Conv2D(filters, 3, padding="same", activation="relu")(x))
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.Dropout(0.3)(layers.Dense(64, activation="relu")(layers.Flatten()(x)))
    outputs = layers.Dense(len(KINDS), activation="softmax")(x)
    return keras.Model(inputs, outputs, name="runcheck")


class _Batches:
    """Batches of uint8 windows scaled to 0..1 (float32 only a batch at a time)."""

    def __new__(cls, x: np.ndarray, y: np.ndarray, batch: int, seed: int, shuffle: bool) -> Any:
        import keras

        class Batches(keras.utils.PyDataset):
            def __init__(self) -> None:
                super().__init__()
                self.order = np.arange(len(x))
                self.rng = np.random.default_rng(seed)
                if shuffle:
                    self.rng.shuffle(self.order)

            def __len__(self) -> int:
                return -(-len(x) // batch)

            def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
                rows = np.sort(self.order[i * batch:(i + 1) * batch])
                return x[rows].astype(np.float32) / 255.0, y[rows]

            def on_epoch_end(self) -> None:
                if shuffle:
                    self.rng.shuffle(self.order)

        return Batches()


def scores(prob: np.ndarray, kind: np.ndarray) -> dict[str, float]:
    """On the held-out runs: the kind's accuracy overall and per kind, and how often a merged run
    and the others are told apart (at 0.5)."""
    right = prob.argmax(axis=1) == kind
    merged = kind == KINDS.index("merged")
    told = (prob[:, KINDS.index("merged")] >= 0.5) == merged
    return {"accuracy": round(float(right.mean()), 4),
            **{f"{k}_right": round(float(right[kind == i].mean()), 4) for i, k in enumerate(KINDS) if (kind == i).any()},
            "merged_told": round(float(told[merged].mean()), 4), "others_told": round(float(told[~merged].mean()), 4)}


def train(data: Path, out: Path, epochs: int, seed: int, command: str) -> dict[str, Any]:
    """Fits the network on ``data/runcheck.npz`` and writes the bundle to ``out``; returns its metadata."""
    import keras

    from training.export import BUNDLE_FORMAT, to_tflite

    keras.utils.set_random_seed(seed)
    with np.load(data / "runcheck.npz") as f:
        x, kind = f["x"], f["kind"]
    y = kind.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    held, fit = np.sort(order[:len(x) // 10]), np.sort(order[len(x) // 10:])
    x_fit, y_fit, x_held, y_held = x[fit], y[fit], x[held], y[held]
    model = runcheck_model()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    best = out / "runcheck.keras"
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    history = model.fit(_Batches(x_fit, y_fit, 128, seed, True), validation_data=_Batches(x_held, y_held, 512, seed, False),
                        epochs=epochs, verbose=2,
                        callbacks=[keras.callbacks.ModelCheckpoint(str(best), save_best_only=True),
                                   keras.callbacks.ReduceLROnPlateau(patience=1, factor=0.5)])
    model = keras.models.load_model(str(best), compile=False)
    prob = model.predict(_Batches(x_held, y_held, 512, seed, False), verbose=0)
    atomic_write_bytes(out / "runcheck.tflite", to_tflite(model, BUNDLE_FORMAT))
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    metadata = {"kind": "runcheck", "across": ACROSS, "along": ALONG, "epochs": epochs, "seed": seed,
                "train_runs": int(len(fit)), "held_out_runs": int(len(held)),
                "val_loss": [round(float(v), 5) for v in history.history["val_loss"]],
                "held_out": scores(prob, kind[held]), "train_seconds": round(time.perf_counter() - start),
                "data_command": manifest.get("command", ""), "train_command": command,
                "params": int(model.count_params()), "attribution": data_credit(manifest), "data_manifest": manifest,
                "tflite_format": BUNDLE_FORMAT}
    atomic_write_text(out / "metadata.json", json.dumps(metadata, ensure_ascii=False, indent=1))
    return metadata


def requantize(source: Path, out: Path, command: str, samples: int = 512, seed: int = 1) -> dict[str, Any]:
    """Writes a float32 ``runcheck.tflite`` (and its ``metadata.json``) of ``source`` again in
    ``training.export.BUNDLE_FORMAT`` to ``out``, from its own weights (``weights_from_tflite``):
    the network as trained, run in int8. Checked on ``samples`` seeded windows of random strokes
    (the rebuilt float network must answer as the file does); the largest change of a probability
    and the share of windows whose kind is unchanged are recorded in the metadata.

    Raises:
        ValueError: if ``source`` lacks the file or its metadata (or that is not a JSON object), or
            the file is not this network in float32 or the rebuilt network differs from it.
    """
    from training.export import BUNDLE_FORMAT, run_tflite, to_tflite, weights_from_tflite

    if not (source / "runcheck.tflite").is_file() or not (source / "metadata.json").is_file():
        raise ValueError(f"Need runcheck.tflite and metadata.json in {source}.")
    try:
        metadata = json.loads((source / "metadata.json").read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source / 'metadata.json'} is not valid JSON: {exc}.") from None
    if not isinstance(metadata, dict):
        raise ValueError(f"{source / 'metadata.json'} is not a JSON object.")
    content = (source / "runcheck.tflite").read_bytes()
    model = runcheck_model()
    weights_from_tflite(model, content)
    windows = _random_windows(samples, seed)
    before = run_tflite(content, windows)
    rebuilt = float(np.abs(run_tflite(to_tflite(model), windows) - before).max())
    if rebuilt > 1e-4:
        raise ValueError(f"The rebuilt network answers differently from {source}: {rebuilt:.2e}")
    quantized = to_tflite(model, BUNDLE_FORMAT)
    after = run_tflite(quantized, windows)
    metadata["tflite_format"] = BUNDLE_FORMAT
    metadata["requantized"] = {"command": command, "windows": samples, "seed": seed,
                               "max_prob_diff": round(float(np.abs(after - before).max()), 5),
                               "kind_agreement": round(float(np.mean(after.argmax(1) == before.argmax(1))), 4)}
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / "runcheck.tflite", quantized)
    atomic_write_text(out / "metadata.json", json.dumps(metadata, ensure_ascii=False, indent=1))
    return metadata["requantized"]


def _random_windows(n: int, seed: int) -> np.ndarray:
    """``n`` windows (0..1) of a few random thick strokes, the run's own ink a part of all the ink."""
    import cv2

    rng = np.random.default_rng(seed)
    windows = np.zeros((n, ACROSS, ALONG, 2), np.float32)
    for window in windows:
        ink = np.zeros((ACROSS, ALONG), np.uint8)
        own = np.zeros_like(ink)
        for _ in range(int(rng.integers(3, 12))):
            a, b = rng.integers(0, (ALONG, ACROSS), 2), rng.integers(0, (ALONG, ACROSS), 2)
            width = int(rng.integers(1, 4))
            cv2.line(ink, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), 255, width)
            if abs(a[0] - ALONG / 2) < ALONG / 4:
                cv2.line(own, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), 255, width)
        window[..., 0], window[..., 1] = own / 255.0, ink / 255.0
    return windows


def main(argv: list[str] | None = None) -> int:
    return network_cli(argv, "training.runcheck", "The run check network of core.runcheck: data, training, export.",
                       "runcheck.npz", generate, train, lines=8000, epochs=6, requantize=requantize)


if __name__ == "__main__":
    sys.exit(main())
