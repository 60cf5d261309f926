"""The contact network of ``core.contacts``: its training data, its training and its export.

    python -m training.contacts generate --lines 16000 --workers 2 --out data/contacts
    python -m training.contacts train --data data/contacts --epochs 8 --out runs/contacts
    cp runs/contacts/contacts.tflite resources/contacts/

``generate`` writes lines of perturbed KanjiVG characters (never Tomoe, the benchmark's writer)
touching or tight on paper, in the picture styles of ``training.synth.sources.PICTURE_STYLES``
(``training.synth.cutouts.write_line``), and reads each with the app's picture path
(``core.picture.segment_picture``, without the network, so the data do not depend on it). Every
line of the working picture is put in the network's frame (``core.contacts.line_frame``) with
its target: working ink next to another character's ink, each pixel owned by the character
whose strokes pass nearest on the paper (``meetings``, carried through the camera's
homography). Windows ``WINDOW`` frame pixels long are cut from each line, several a line; 15% of
the lines are digits alone (``DIGIT_LINES``), and half of the others running text
(``TEXT_SHARE``, ``text_chars``). ``train`` marks the frame pixels at least
``TARGET_SHARE`` meeting ink, fits the network (``contact_model``) on them with a loss weighted
to the ink, keeps the epoch with the lowest loss on a held-out tenth, and writes
``contacts.tflite``, ``contacts.keras`` and ``metadata.json`` (the commands, the data's counts,
the held-out scores and the data's credit).
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing as mp
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.atomic import atomic_write_bytes, atomic_write_text
from core.contacts import FRAME_ACROSS, in_frame, line_frame
from core.errors import DatasetError, InputError
from core.picture import segment_picture
from training.synth import kanjivg, paper
from training.synth.cutouts import CutoutOptions, write_line
from training.synth.generate import ATTRIBUTION

#: Length of a training window along the line (frame pixels: three characters).
WINDOW = 96
#: A window is cut every this many frame pixels of a line (at random places).
WINDOW_EVERY = 48
#: Weight of paper pixels in the loss (ink pixels weigh 1).
PAPER_WEIGHT = 0.05
#: Weight of the meeting pixels' term in the loss: they are 2% of the ink, and a thin line that
#: the network can place only roughly.
POSITIVE_WEIGHT = 4.0
#: A frame pixel is a meeting when at least this share of it is meeting ink (the working
#: picture is about three times finer than the frame: a meeting one working pixel either side
#: of the boundary covers about a third of a frame pixel).
TARGET_SHARE = 0.3
#: Characters a line is written with: kana and the model's kanji, by share.
KANA_SHARE = 0.5
#: Share of the lines written in digits alone (a phone number, a date): digits meet each other
#: in their own ways (without them, the network's marks moved the cuts of touching digits, and
#: tight columns of digits read 99.2 -> 94.1%, ``bench/bench_digit_lines.py``).
DIGIT_LINES = 0.15
#: Share of the lines not of digits written as running text (``text_chars``): kana meet kana
#: there as they do in writing.
TEXT_SHARE = 0.5


@dataclass(frozen=True)
class LineJob:
    """One generated line: its seed and the characters it draws from."""

    seed: tuple[int, int]
    kana: tuple[str, ...]
    kanji: tuple[str, ...]
    digits: tuple[str, ...]
    #: Share of the lines not of digits written as running text (``text_chars``).
    text_share: float = 0.0

    def chars(self, rng: np.random.Generator) -> list[str]:
        """3-8 characters: digits alone (``DIGIT_LINES`` of the lines), running text
        (``text_share`` of the others), or kana and kanji drawn alike by ``KANA_SHARE``."""
        length = int(rng.integers(3, 9))
        digits = rng.random() < DIGIT_LINES
        if not digits and self.text_share and rng.random() < self.text_share:
            return text_chars(length, frozenset(self.kana + self.kanji), rng)
        chars = []
        for _ in range(length):
            pool = self.digits if digits else self.kana if rng.random() < KANA_SHARE else self.kanji
            chars.append(pool[int(rng.integers(len(pool)))])
        return chars


#: The credit of the word list ``text_chars`` draws from, for a network trained on such lines.
WORDFREQ_CREDIT = "word frequencies: wordfreq (c) Robyn Speer and contributors, CC BY-SA 4.0"


def text_chars(length: int, classes: frozenset[str], rng: np.random.Generator) -> list[str]:
    """``length`` characters of running text: words drawn by how often they are written
    (``wordfreq``'s Japanese list, which ``training.lm_build`` counts too; only words written
    with ``classes``), one after another, cut at ``length``. Kana then meet kana as they do in
    writing (して, これ, ます), which characters drawn alike from the classes seldom give."""
    words, cumulative = _word_table(classes)
    chars: list[str] = []
    while len(chars) < length:
        chars.extend(words[int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))])
    return chars[:length]


@functools.cache
def _word_table(classes: frozenset[str]) -> tuple[list[str], np.ndarray]:
    """Japanese words written with ``classes`` alone, and their cumulative frequencies.

    Raises:
        DatasetError: if ``wordfreq`` is not installed, or no word is written with ``classes``.
    """
    try:
        from wordfreq import get_frequency_dict
    except ImportError:
        raise DatasetError("Lines of running text need wordfreq: pip install 'mojiyomi[lm]'.") from None
    # Every piece of the list, as its tokenizer cut the text (すご|ー|い): strung together they are text.
    table = [(w, f) for w, f in get_frequency_dict("ja", "large").items() if w and all(c in classes for c in w)]
    if not table:
        raise DatasetError("No Japanese word of wordfreq's list is written with these classes alone.")
    return [w for w, _ in table], np.cumsum([f for _, f in table])


def data_credit(manifest: dict[str, Any]) -> str:
    """The credit of a network trained on data with this manifest: KanjiVG, and wordfreq when
    some lines were running text."""
    return ATTRIBUTION + (f"; {WORDFREQ_CREDIT}" if manifest.get("text_share") else "")


def line_jobs(lines: int, seed: int, text_share: float = 0.0) -> list[LineJob]:
    """``lines`` jobs over the Japanese classes KanjiVG draws (``text_share``: see ``LineJob``).

    Raises:
        DatasetError: if some lines are running text and ``wordfreq`` is not installed.
    """
    from core.charclass import char_kind
    from core.charsets import japanese_classes

    classes = [c for c in japanese_classes() if kanjivg.has_strokes(c)]
    kana = tuple(c for c in classes if char_kind(c) in ("hiragana", "katakana"))
    kanji = tuple(c for c in classes if char_kind(c) == "kanji")
    digits = tuple(c for c in classes if char_kind(c) == "digit")
    if text_share:
        _word_table(frozenset(kana + kanji))  # wordfreq missing is told before any line is drawn
    return [LineJob((seed, i), kana, kanji, digits, text_share) for i in range(lines)]


def line_windows(job: LineJob) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One line's windows: ink (N, ``FRAME_ACROSS``, ``WINDOW``) uint8, target and weight (same, uint8 0..255)."""
    rng = np.random.default_rng(job.seed)
    chars = job.chars(rng)
    line = write_line(chars, rng, CutoutOptions(length=(3, 8)))
    try:
        segmented = segment_picture(line.picture.image, line.layout, meetings=False)
    except InputError:
        return _empty()
    ink = segmented.ink
    target = meetings(line.picture, segmented.inverse, ink > 0)
    if target is None:
        return _empty()
    weight = np.where(ink > 0, 1.0, PAPER_WEIGHT).astype(np.float32)
    out: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    for piece_line in segmented.lines:
        if len(piece_line.pieces) < 2:
            continue
        boxes = [p.box for p in piece_line.pieces]
        box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        along = 1 if segmented.layout == "vertical" else 0
        frame = line_frame(ink, box, piece_line.size, along)
        planes = [frame.patch] + [in_frame(v, frame.box, along, frame.patch.shape[1]) for v in (target, weight)]
        long = frame.patch.shape[1]
        for _ in range(max(1, long // WINDOW_EVERY)):
            start = int(rng.integers(0, max(1, long - WINDOW + 1)))
            for store, plane in zip(out, planes):
                window = np.zeros((FRAME_ACROSS, WINDOW), np.float32)
                part = plane[:, start:start + WINDOW]
                window[:, :part.shape[1]] = part
                store.append(np.clip(np.round(window * 255), 0, 255).astype(np.uint8))
    if not out[0]:
        return _empty()
    return np.stack(out[0]), np.stack(out[1]), np.stack(out[2])


def meetings(picture: paper.Picture, inverse: np.ndarray, ink: np.ndarray) -> np.ndarray | None:
    """Working ink pixels (``ink``, bool) where two characters meet (float32 0/1): ink whose
    neighbour (8-connected) belongs to another character (``ink_owners``)."""
    owner = ink_owners(picture, inverse, ink)
    if owner is None:
        return None
    meets = np.zeros(ink.shape, bool)
    for k in range(len(picture.chars)):
        others = ((owner >= 0) & (owner != k)).astype(np.uint8)
        meets |= (owner == k) & (cv2.dilate(others, np.ones((3, 3), np.uint8)) > 0)
    return meets.astype(np.float32)


def ink_owners(picture: paper.Picture, inverse: np.ndarray, ink: np.ndarray) -> np.ndarray | None:
    """Per working pixel, the character its ink (``ink``, bool) belongs to (int32; -1 for paper),
    or None for a picture without characters: the character whose strokes' centre lines pass
    nearest, on the paper as drawn (``picture.chars``), reached from the working pixels through
    ``inverse`` (working to picture) and the camera's homography."""
    if not picture.chars:
        return None
    ys, xs = np.nonzero(ink)
    places = np.column_stack([xs + 0.5, ys + 0.5]) @ inverse[:, :2].T + inverse[:, 2]
    if picture.matrix is not None:
        places = cv2.perspectiveTransform(places[None].astype(np.float64), np.linalg.inv(picture.matrix))[0]
    # The paper's extent: the strokes' own, with room for the pen.
    every = np.concatenate([st[:, :2] for char in picture.chars for st in char])
    pw, ph = int(every[:, 0].max()) + 8, int(every[:, 1].max()) + 8
    distances = []
    for char in picture.chars:
        canvas = np.full((ph, pw), 255, np.uint8)
        for stroke in char:
            cv2.polylines(canvas, [np.round(stroke[:, :2]).astype(np.int32).reshape(-1, 1, 2)], False, 0, 1)
        distances.append(cv2.distanceTransform(canvas, cv2.DIST_L2, 3))
    nearest = np.argmin(np.stack(distances), axis=0)
    px = np.clip(np.round(places[:, 0] - 0.5).astype(np.int64), 0, pw - 1)
    py = np.clip(np.round(places[:, 1] - 0.5).astype(np.int64), 0, ph - 1)
    owner = np.full(ink.shape, -1, np.int32)
    owner[ys, xs] = nearest[py, px]
    return owner


def _empty() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    empty = np.zeros((0, FRAME_ACROSS, WINDOW), np.uint8)
    return empty, empty, empty


def generate(lines: int, seed: int, workers: int, out: Path, command: str) -> dict[str, Any]:
    """Writes ``out/contacts.npz`` (x, target, weight) and ``out/manifest.json``; returns the manifest."""
    jobs = line_jobs(lines, seed, TEXT_SHARE)
    kana, kanji, digits = jobs[0].kana, jobs[0].kanji, jobs[0].digits
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    if workers == 1:
        parts = [line_windows(job) for job in jobs]
    else:
        with mp.get_context("spawn").Pool(workers) as pool:
            parts = list(pool.imap(line_windows, jobs, chunksize=16))
    x, t, w = (np.concatenate([p[i] for p in parts]) for i in range(3))
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "contacts.npz", x=x, target=t, weight=w)
    ink = w == 255
    share = float((t[ink] >= round(TARGET_SHARE * 255)).mean()) if ink.any() else 0.0
    manifest = {"lines": lines, "seed": seed, "windows": int(len(x)), "kana": len(kana), "kanji": len(kanji),
                "digits": len(digits), "digit_lines": DIGIT_LINES, "text_share": TEXT_SHARE,
                "contact_share_of_ink": round(share, 4),
                "frame_across": FRAME_ACROSS, "window": WINDOW, "command": command}
    atomic_write_text(out / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def contact_model() -> Any:
    """The network: a small U-Net (full, half and quarter resolution; dilated convolutions at the
    quarter see about three characters), a sigmoid per pixel. Frames are a multiple of
    ``core.contacts.STEP`` pixels each way."""
    import keras
    from keras import layers

    def conv(x: Any, filters: int, dilation: int = 1) -> Any:
        return layers.Conv2D(filters, 3, padding="same", dilation_rate=dilation, activation="relu")(x)

    inputs = keras.Input((None, None, 1))
    full = conv(conv(inputs, 12), 12)
    half = conv(conv(layers.MaxPooling2D(2)(full), 24), 24)
    quarter = layers.MaxPooling2D(2)(half)
    for dilation in (1, 2, 4, 8):
        quarter = conv(quarter, 32, dilation)
    up = conv(layers.Add()([layers.Conv2DTranspose(24, 2, strides=2)(quarter), half]), 24)
    up = conv(layers.Add()([layers.Conv2DTranspose(12, 2, strides=2)(up), full]), 12)
    outputs = layers.Conv2D(1, 1, activation="sigmoid")(up)
    return keras.Model(inputs, outputs, name="contacts")


def _weighted_bce(y_true: Any, y_pred: Any) -> Any:
    """Binary cross-entropy per pixel, weighted by the target's second channel."""
    from keras import ops

    target, weight = y_true[..., :1], y_true[..., 1:]
    p = ops.clip(y_pred, 1e-6, 1 - 1e-6)
    loss = -(POSITIVE_WEIGHT * target * ops.log(p) + (1 - target) * ops.log(1 - p))
    return ops.sum(loss * weight) / (ops.sum(weight) + 1e-6)


def scores(prob: np.ndarray, target: np.ndarray, weight: np.ndarray) -> dict[str, float]:
    """Precision, recall and F1 of the contact marks (at 0.5) on ink pixels."""
    ink = weight >= 0.99
    pred, true = prob[ink] >= 0.5, target[ink] >= 0.5
    tp = float((pred & true).sum())
    precision = tp / max(1.0, float(pred.sum()))
    recall = tp / max(1.0, float(true.sum()))
    return {"precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(2 * precision * recall / max(1e-9, precision + recall), 4)}


def train(data: Path, out: Path, epochs: int, seed: int, command: str) -> dict[str, Any]:
    """Fits the network on ``data/contacts.npz`` and writes the bundle to ``out``; returns its metadata."""
    import keras

    from training.export import to_tflite

    keras.utils.set_random_seed(seed)
    with np.load(data / "contacts.npz") as f:
        x = f["x"].astype(np.float32)[..., None] / 255.0
        target = (f["target"] >= round(TARGET_SHARE * 255)).astype(np.float32)
        y = np.stack([target, f["weight"].astype(np.float32) / 255.0], axis=-1)
    order = np.random.default_rng(seed).permutation(len(x))
    held = order[:len(x) // 10]
    fit = order[len(x) // 10:]
    model = contact_model()
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss=_weighted_bce)
    best = out / "contacts.keras"
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    history = model.fit(x[fit], y[fit], validation_data=(x[held], y[held]), epochs=epochs, batch_size=64,
                        callbacks=[keras.callbacks.ModelCheckpoint(str(best), save_best_only=True),
                                   keras.callbacks.ReduceLROnPlateau(patience=1, factor=0.5)], verbose=2)
    model = keras.models.load_model(str(best), compile=False)
    prob = model.predict(x[held], batch_size=256, verbose=0)[..., 0]
    held_scores = scores(prob, y[held][..., 0], y[held][..., 1])
    atomic_write_bytes(out / "contacts.tflite", to_tflite(model))
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    metadata = {"kind": "contacts", "frame_across": FRAME_ACROSS, "epochs": epochs, "seed": seed,
                "train_windows": int(len(fit)), "held_out_windows": int(len(held)),
                "val_loss": [round(float(v), 5) for v in history.history["val_loss"]],
                "held_out": held_scores, "train_seconds": round(time.perf_counter() - start),
                "data_command": manifest.get("command", ""), "train_command": command,
                "params": int(model.count_params()), "attribution": data_credit(manifest),
                "data_manifest": manifest}
    atomic_write_text(out / "metadata.json", json.dumps(metadata, ensure_ascii=False, indent=1))
    return metadata


def main(argv: list[str] | None = None) -> int:
    return network_cli(argv, "training.contacts", "The contact network of core.contacts: data, training, export.",
                       "contacts.npz", generate, train, lines=16000, epochs=8)


def network_cli(argv: list[str] | None, module: str, description: str, data_file: str,
                generate: Callable[[int, int, int, Path, str], dict[str, Any]],
                train: Callable[[Path, Path, int, int, str], dict[str, Any]], lines: int, epochs: int,
                requantize: Callable[[Path, Path, str], dict[str, Any]] | None = None) -> int:
    """``python -m <module> generate|train[|requantize]``: the command line of a small network of the
    picture path (``generate(lines, seed, workers, out, command)``, ``train(data, out, epochs, seed,
    command)`` and, where given, ``requantize(source, out, command)``: a float32 file written again
    in int8; it checks its source itself, refusing it with ``ValueError``, shown in one line)."""
    parser = argparse.ArgumentParser(description=description)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--lines", type=int, default=lines)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--workers", type=int, default=1)
    gen.add_argument("--out", required=True)
    fit = sub.add_parser("train")
    fit.add_argument("--data", required=True)
    fit.add_argument("--epochs", type=int, default=epochs)
    fit.add_argument("--seed", type=int, default=1)
    fit.add_argument("--out", required=True)
    if requantize is not None:
        again = sub.add_parser("requantize", help="write a float32 network of --source again in int8")
        again.add_argument("--source", required=True, help="folder of the float32 network and its metadata.json")
        again.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    command = shlex.join(["python", "-m", module, *(sys.argv[1:] if argv is None else argv)])
    start = time.perf_counter()
    if args.command == "generate":
        if args.lines < 1 or args.workers < 1:
            print(f"error: need --lines >= 1 and --workers >= 1. Received: {args.lines}, {args.workers}",
                  file=sys.stderr)
            return 2
        try:
            report = generate(args.lines, args.seed, args.workers, Path(args.out), command)
        except DatasetError as exc:
            print(f"error: {exc} Nothing was written.", file=sys.stderr)
            return 2
    elif args.command == "requantize":
        try:
            report = requantize(Path(args.source), Path(args.out), command)  # type: ignore[misc]
        except ValueError as exc:
            print(f"error: {exc} Nothing was written.", file=sys.stderr)
            return 2
    else:
        if not (Path(args.data) / data_file).is_file() or args.epochs < 1:
            print(f"error: need {Path(args.data) / data_file} ({module} generate) and --epochs >= 1", file=sys.stderr)
            return 2
        report = train(Path(args.data), Path(args.out), args.epochs, args.seed, command)
    print(json.dumps(report, ensure_ascii=False), f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
