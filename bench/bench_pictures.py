"""Pictures of handwriting (issue 12): lines, columns and single characters on paper, read by
the app's picture path and by Tesseract 5.

Phrases of 3-10 characters come from the Japanese manual pages (``bench_words.manpage_phrases``,
split into a tuning and a test half by ``bench_words.split_of``; quote the test half, tune on
the other). Each is written with Tomoe's ink (``../shared/data/tomoe/all.tdic``: one writer,
never trained on) by ``training.synth.paper``: a line or a column (right to left), spacing
natural, tight or touching (in turn), a pen drawn at random (ballpoint, pencil, felt pen,
brush), in each style of ``paper.STYLES``:

- ``clean``: a flat scan of white paper;
- ``uneven``: coloured paper, grey under a light gradient, vignetting and often a shadow;
- ``rotated``: clean, turned 2-5 degrees;
- ``jpeg``: clean, saved at JPEG quality 25-50;
- ``photo``: a phone photo: perspective, a small turn, blur, vignetting, noise, JPEG 70-90;
- ``ruled``: clean, on a notebook's ruled paper or on squared paper (genkō yōshi), its printed
  lines crossing the writing where it reaches them;
- ``desk``: a phone photo of the sheet lying on a desk, 45-85% of the picture's sides
  (``ruled`` and ``desk`` were added 2026-12-01: figures before then have five styles).

The same phrases and characters appear in every style. Printed per style: character accuracy
of lines and columns (1 - edit distance / length, summed over the lines), the rate of lines
read with the right number of characters, exact lines, boxes found (a true box matched at
IoU >= 0.5), and for single characters written alone as pictures: top-1 and one-piece rate
(read as exactly one character). ``ink`` gives the same lines and characters as canvas ink
(``core.decode.read_ink`` with the language model; ``Recognizer.recognize``), for comparison.
With ``--lattice``, each line is also checked stage by stage (``lattice_reaches``): ``lattice``
is the share of lines whose true segmentation is among the runs the decoder chooses from (every
true character one run, its box matched at IoU >= 0.5), and ``miscounted_in_lattice`` the share
of the lines counted wrong for which it was: those are the decoder's choice, the rest the cut's.
Then the time to read a 2-megapixel photo of a 10-character line and a 12-megapixel photo of
a 200-character page (wall ``ms`` and the process's CPU ``cpu_ms``, medians; ``--timing-only``
skips the styles), and to decode each from a JPEG file (``decode_ms``, ``decode_cpu_ms``).

The reader under test is pluggable: a ``PictureReader`` turns a grey picture and a layout
(``horizontal``, ``vertical``, ``single``) into text and boxes. The default is the app's path
(``core.page.recognize_page`` + ``page_text`` with the bundled model: ``core.picture``);
``--reader sketch`` is ``DecoderSketch`` (the first sketch of that reader: blobs as pieces,
``core.decode.decode``), and ``--reader module:factory`` names a function taking the recognizer
and returning another reader (``reader_picture:reader`` is ``core.picture.read_picture`` itself).

Setup (Debian; Tesseract is only compared with, never a dependency of the project)::

    apt-get install -y manpages-ja tesseract-ocr tesseract-ocr-jpn tesseract-ocr-jpn-vert

Usage: python bench/bench_pictures.py [--split test|tune] [--count N] [--styles clean,photo]
       [--seed S] [--no-tesseract] [--no-timing] [--auto-layout] [--reader app|sketch|module:factory] [--json]
       [--singles-only] [--timing-only] [--timing-runs N] [--lattice]
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.bundle import resolve_model  # noqa: E402
from core.decode import Piece, decode, read_ink, run_spans  # noqa: E402
from core.errors import MojiyomiError  # noqa: E402
from core.images import clean_photo, decode_image  # noqa: E402
from core.ink import Ink  # noqa: E402
from core.lm import bundled_lm_path, load_lm  # noqa: E402
from core.page import page_text, recognize_page  # noqa: E402
from core.picture import PICTURE_CONFIG, PictureLine, segment_picture  # noqa: E402
from core.preprocess import preprocess_image  # noqa: E402
from core.recognizer import Recognizer, TFLiteRecognizer  # noqa: E402
from training.synth import paper  # noqa: E402

from bench_words import edit_distance, manpage_phrases, split_of, tomoe_inks  # noqa: E402  (folder on sys.path)

PixelBox = paper.PixelBox


@dataclass(frozen=True)
class ReadResult:
    """What a reader made of a picture: text, a box per character (picture pixels; may be empty)."""

    text: str
    boxes: tuple[PixelBox, ...] = ()
    failed: str = ""


class PictureReader(Protocol):
    """Reads a grey uint8 picture (dark ink on light paper) written in ``layout``."""

    name: str

    def __call__(self, grey: np.ndarray, layout: str) -> ReadResult: ...


class AppReader:
    """The app's picture path: ``recognize_page`` and ``page_text`` (``mojiyomi recognize``)."""

    name = "mojiyomi"

    def __init__(self, recognizer: Recognizer) -> None:
        self.recognizer = recognizer
        self.takes_layout = "layout" in inspect.signature(recognize_page).parameters

    def __call__(self, grey: np.ndarray, layout: str) -> ReadResult:
        options: dict[str, Any] = {"layout": layout} if self.takes_layout else {}
        try:
            chars = recognize_page(self.recognizer, grey, **options)
        except MojiyomiError as exc:
            return ReadResult("", (), str(exc))
        boxes = tuple((c.box.x, c.box.y, c.box.w, c.box.h) for c in chars)  # in the picture's pixels
        return ReadResult(page_text(chars), boxes)


class DecoderSketch:
    """A sketch of the decoder-based reader, for this benchmark only: today's cleaning, ink blobs
    as pieces (grouped while they overlap along the line, as ``core.decode.ink_pieces`` groups
    strokes), and ``core.decode.decode`` with the language model. One line or column; ``single``
    reads everything as one character. The reader of issue 12 belongs in ``core/``."""

    name = "decoder-sketch"

    def __init__(self, recognizer: Recognizer) -> None:
        self.recognizer = recognizer
        self.lm = load_lm(bundled_lm_path())

    def __call__(self, grey: np.ndarray, layout: str) -> ReadResult:
        try:
            clean = clean_photo(grey)
        except MojiyomiError as exc:
            return ReadResult("", (), str(exc))
        count, labels, stats, _ = cv2.connectedComponentsWithStats((clean > 64).astype(np.uint8), connectivity=8)
        keep = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= 6]
        if not keep:
            return ReadResult("", (), "no ink")
        along = 1 if layout == "vertical" else 0
        boxes = {i: (float(stats[i, 0]), float(stats[i, 1]), float(stats[i, 0] + stats[i, 2]),
                     float(stats[i, 1] + stats[i, 3])) for i in keep}
        size = max(b[3 - along] for b in boxes.values()) - min(b[1 - along] for b in boxes.values())
        groups: list[tuple[list[int], list[float]]] = []
        for i in sorted(keep, key=lambda k: boxes[k][along]):
            box = list(boxes[i])
            if groups and (layout == "single" or box[along] < groups[-1][1][along + 2] - 0.15 * size):
                groups[-1][0].append(i)
                last = groups[-1][1]
                last[:] = [min(last[0], box[0]), min(last[1], box[1]), max(last[2], box[2]), max(last[3], box[3])]
            else:
                groups.append(([i], box))
        pieces = [Piece(tuple(members), (b[0], b[1], b[2], b[3])) for members, b in groups]
        spec = self.recognizer.bundle.preprocessing

        def model_input(members: tuple[int, ...]) -> np.ndarray:
            x0 = min(int(boxes[m][0]) for m in members)
            y0 = min(int(boxes[m][1]) for m in members)
            x1 = max(int(boxes[m][2]) for m in members)
            y1 = max(int(boxes[m][3]) for m in members)
            window = labels[y0:y1, x0:x1]
            return preprocess_image(np.where(np.isin(window, members), clean[y0:y1, x0:x1], 0).astype(np.uint8),
                                    spec)

        reading = decode(pieces, model_input, self.recognizer, self.lm,
                         "vertical" if layout == "vertical" else "horizontal")
        scale = grey.shape[1] / clean.shape[1]  # clean_photo works at its own scale
        out = tuple((round(c.box[0] * scale), round(c.box[1] * scale), round((c.box[2] - c.box[0]) * scale),
                     round((c.box[3] - c.box[1]) * scale)) for c in reading.chars)
        return ReadResult(reading.text, out)


class TesseractReader:
    """Tesseract 5 through its command line: ``--psm 7`` a line, ``5`` a column (jpn_vert), ``10`` one character."""

    name = "tesseract"
    MODES = {"horizontal": ("jpn", "7"), "vertical": ("jpn_vert", "5"), "single": ("jpn", "10"),
             "page": ("jpn", "6"), "auto": ("jpn", "3")}

    def __call__(self, grey: np.ndarray, layout: str) -> ReadResult:
        lang, psm = self.MODES[layout]
        ok, png = cv2.imencode(".png", grey)
        done = subprocess.run(["tesseract", "stdin", "stdout", "-l", lang, "--psm", psm], input=png.tobytes(),
                              capture_output=True, timeout=300, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        if done.returncode:
            return ReadResult("", (), done.stderr.decode("utf-8", "replace").strip()[-200:])
        return ReadResult("".join(done.stdout.decode("utf-8", "replace").split()))


def tesseract_available() -> str:
    """Why Tesseract cannot be compared with ("" when it can)."""
    if shutil.which("tesseract") is None:
        return "tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-jpn tesseract-ocr-jpn-vert)"
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout.split()
    missing = [lang for lang in ("jpn", "jpn_vert") if lang not in langs]
    return f"tesseract lacks {', '.join(missing)} (apt-get install tesseract-ocr-jpn tesseract-ocr-jpn-vert)" \
        if missing else ""


@dataclass(frozen=True)
class Sample:
    """One benchmark picture and how it was made."""

    style: str
    layout: str
    spacing: str
    pen: str
    picture: paper.Picture
    ink: Ink
    placed: paper.Placed | None = None  # the characters' strokes in the picture's pixels (before a camera)


def make_samples(style: str, phrases: Sequence[str], chars: Sequence[str], inks: dict[str, Ink], count: int,
                 seed: int) -> tuple[list[Sample], list[Sample]]:
    """``count`` lines or columns and ``count`` single characters in ``style``.

    Line ``i`` writes phrase ``i`` (as a column when ``i`` is odd, with the ``i % 3``-th
    spacing) in every style, and single ``i`` the ``i``-th character; pens, looks and sizes
    are drawn from a generator seeded by ``seed`` and the style.
    """
    rng = np.random.default_rng([seed, paper.STYLES.index(style)])
    lines, singles = [], []
    for i in range(count):
        phrase = phrases[i % len(phrases)]
        layout = "vertical" if i % 2 else "horizontal"
        spacing = paper.SPACINGS[i % 3]
        lines.append(_sample(style, [inks[c] for c in phrase], layout, spacing, rng, rng.uniform(40, 100)))
        char = chars[i % len(chars)]
        single = _sample(style, [inks[char]], "single", "natural", rng, rng.uniform(48, 160))
        # As canvas ink a character is compared on its own canvas (Tomoe's box), which gives its size cue.
        singles.append(replace(single, ink=inks[char]))
    return lines, singles


def _sample(style: str, char_inks: list[Ink], layout: str, spacing: str, rng: np.random.Generator,
            cell: float) -> Sample:
    pen = paper.sample_pen(rng)
    look = paper.sample_look(style, rng)
    placed = paper.layout_lines([char_inks], "vertical" if layout == "vertical" else "horizontal",
                                spacing, rng, cell, pen.width, margin=rng.uniform(0.4, 1.5))  # type: ignore[arg-type]
    picture = paper.render(placed, pen, look, rng)
    return Sample(style, layout, spacing, pen.kind, picture, _as_ink(placed), placed)


def _as_ink(placed: paper.Placed) -> Ink:
    """The laid-out strokes as canvas ink (the same writing, before paper and camera)."""
    strokes = tuple(np.column_stack([s, np.full((len(s), 2), np.nan)]) for c in placed.chars for s in c)
    return Ink(strokes, float(placed.width), float(placed.height), placed.text)


#: A true box is found when a box read overlaps it this much (intersection over union).
BOX_IOU = 0.5


@dataclass
class Tally:
    """Running counts for lines (or single characters)."""

    errors: int = 0
    length: int = 0
    count_right: int = 0
    exact: int = 0
    n: int = 0
    failed: int = 0
    boxes_true: int = 0
    boxes_found: int = 0
    checked: int = 0  # lines checked with ``lattice_reaches``
    reachable: int = 0
    miscounted: int = 0  # of those, lines read with a wrong count
    miscounted_reachable: int = 0
    seconds: float = 0.0
    parts: dict[str, Tally] = field(default_factory=dict)

    def add(self, truth: str, result: ReadResult, boxes: Sequence[PixelBox], seconds: float,
            keys: Sequence[str] = (), reaches: bool | None = None) -> None:
        """Counts one reading of ``truth`` (and again under each of ``keys``); ``reaches`` is
        ``lattice_reaches`` of its picture, when checked."""
        self.errors += edit_distance(truth, result.text)
        self.length += len(truth)
        self.count_right += len(result.text) == len(truth)
        self.exact += result.text == truth
        self.n += 1
        self.failed += bool(result.failed)
        self.seconds += seconds
        if result.boxes:
            self.boxes_true += len(boxes)
            self.boxes_found += sum(any(_iou(b, r) >= BOX_IOU for r in result.boxes) for b in boxes)
        if reaches is not None:
            miscounted = len(result.text) != len(truth)
            self.checked += 1
            self.reachable += reaches
            self.miscounted += miscounted
            self.miscounted_reachable += miscounted and reaches
        for key in keys:
            self.parts.setdefault(key, Tally()).add(truth, result, boxes, seconds, reaches=reaches)

    def lines(self) -> dict[str, object]:
        """Figures for lines and columns."""
        out: dict[str, object] = {"char_acc": _rate(self.length - self.errors, self.length),
                                  "count_right": _rate(self.count_right, self.n), "exact": _rate(self.exact, self.n),
                                  "n": self.n, "failed": self.failed, "ms": round(1000 * self.seconds / max(self.n, 1))}
        if self.boxes_true:
            out["boxes_found"] = _rate(self.boxes_found, self.boxes_true)
        if self.checked:
            out["lattice"] = _rate(self.reachable, self.checked)
            out["miscounted_in_lattice"] = _rate(self.miscounted_reachable, self.miscounted)
            out["lattice_by"] = {k: _rate(v.reachable, v.checked) for k, v in sorted(self.parts.items())}
        if self.parts:
            out["by"] = {k: _rate(v.length - v.errors, v.length) for k, v in sorted(self.parts.items())}
        return out

    def singles(self) -> dict[str, object]:
        """Figures for single characters: top-1 (exactly the character) and one-piece rate."""
        return {"top1": _rate(self.exact, self.n), "one_piece": _rate(self.count_right, self.n), "n": self.n,
                "failed": self.failed, "ms": round(1000 * self.seconds / max(self.n, 1))}


def cut_reaches(spans: Sequence[tuple[int, int, PixelBox]], pieces: int, truth: Sequence[PixelBox]) -> bool:
    """Whether runs (first piece, piece after the last, box) can cover a line of ``pieces`` pieces
    one after another so that each true box, in order, is one run's (IoU >= ``BOX_IOU``)."""
    reach: list[set[int]] = [set() for _ in range(pieces + 1)]
    reach[0].add(0)
    # By first piece: every run ending where this one starts has been seen before it.
    for start, stop, box in sorted(spans, key=lambda span: span[0]):
        for j in tuple(reach[start]):
            if j < len(truth) and _iou(truth[j], box) >= BOX_IOU:
                reach[stop].add(j + 1)
    return len(truth) in reach[pieces]


def lattice_reaches(sample: Sample) -> bool:
    """Whether the app's cut of a line's picture (``core.picture.segment_picture``, the true
    layout) lets the decoder give its true segmentation: one line is found, and its runs
    (``core.decode.run_spans`` with ``PICTURE_CONFIG``), in its cut or in its other cut, reach it
    (``cut_reaches``)."""
    try:
        segmented = segment_picture(sample.picture.image, sample.layout)  # type: ignore[arg-type]
    except MojiyomiError:
        return False
    if len(segmented.lines) != 1:
        return False
    layout = "vertical" if sample.layout == "vertical" else "horizontal"

    def reaches(cut: PictureLine) -> bool:
        spans = []
        for start, stop, _, box in run_spans(cut.pieces, layout, PICTURE_CONFIG, cut.size):  # type: ignore[arg-type]
            x0, y0, x1, y1 = segmented.to_original(box)
            spans.append((start, stop, (int(x0), int(y0), int(round(x1 - x0)), int(round(y1 - y0)))))
        return cut_reaches(spans, len(cut.pieces), sample.picture.boxes)

    # The other cut is made only when the line's own does not reach it.
    line = segmented.lines[0]
    return reaches(line) or (line.other is not None and reaches(line.other()))


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _iou(a: PixelBox, b: PixelBox) -> float:
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    inter = max(0, w) * max(0, h)
    return inter / max(1, a[2] * a[3] + b[2] * b[3] - inter)


def read_all(reader: Callable[[np.ndarray, str], ReadResult], samples: Sequence[Sample], auto: bool,
             lattice: bool = False) -> Tally:
    """Reads every sample; breakdowns by layout, spacing and pen; with ``lattice``, lines are
    checked with ``lattice_reaches`` too."""
    tally = Tally()
    for sample in samples:
        start = time.perf_counter()
        result = reader(sample.picture.image, "auto" if auto else sample.layout)
        seconds = time.perf_counter() - start
        keys = () if sample.layout == "single" else (sample.layout, sample.spacing, sample.pen)
        reaches = lattice_reaches(sample) if lattice and sample.layout != "single" else None
        tally.add(sample.picture.text, result, sample.picture.boxes, seconds, keys, reaches)
    return tally


def read_canvas(recognizer: Recognizer, lm: object, lines: Sequence[Sample], singles: Sequence[Sample]) -> dict:
    """The same writing as canvas ink: lines through the decoder, characters through ``recognize``."""
    line_tally, single_tally = Tally(), Tally()
    for sample in lines:
        start = time.perf_counter()
        text = read_ink(sample.ink, recognizer, lm, sample.layout).text  # type: ignore[arg-type]
        line_tally.add(sample.picture.text, ReadResult(text), (), time.perf_counter() - start,
                       (sample.layout, sample.spacing))
    for sample in singles:
        label = recognizer.recognize(sample.ink, 1)[0].label
        single_tally.add(sample.picture.text, ReadResult(label), (), 0.0)
    return {"lines": line_tally.lines(), "singles": single_tally.singles()}


def on_page(placed: paper.Placed, width: int, height: int) -> paper.Placed:
    """The writing centred on a page of ``width`` x ``height`` pixels (at least its own size)."""
    w, h = max(width, placed.width), max(height, placed.height)
    offset = np.array([(w - placed.width) / 2, (h - placed.height) / 2])
    chars = tuple(tuple(s + offset for s in c) for c in placed.chars)
    return paper.Placed(chars, placed.text, w, h, placed.cell, placed.pen_width)


def timing(readers: Sequence[Callable[[np.ndarray, str], ReadResult]], pool: Sequence[str],
           inks: dict[str, Ink], seed: int, runs: int | None = None) -> dict[str, dict[str, object]]:
    """Reads a 2-MP photo of a 10-character line and a 12-MP photo of a 200-character page
    (medians of ``runs`` reads, by default 5 and 3), and decodes each as a colour JPEG file
    (quality 90, as a phone saves it): ``decode_ms``, to add to the reading's time for a file."""
    rng = np.random.default_rng([seed, 99])
    text = "".join(pool)
    line = next((p for p in pool if len(p) == 10), text[:10])
    rows = [text[i * 20:(i + 1) * 20] for i in range(10)]
    pen = paper.sample_pen(rng, "ballpoint")
    cases = {"line_2mp": ([line], 120.0, 1632, 1224, "horizontal"), "page_12mp": (rows, 150.0, 4000, 3000, "page")}
    out: dict[str, dict[str, object]] = {}
    for name, (lines, cell, width, height, layout) in cases.items():
        placed = paper.layout_lines([[inks[c] for c in row] for row in lines], "horizontal", "natural", rng, cell,
                                    pen.width)
        picture = paper.render(on_page(placed, width, height), pen, paper.sample_look("photo", rng), rng)
        image = _crop_middle(picture.image, width, height)  # the perspective enlarged it a little
        truth = "".join(lines)
        out[name] = {"pixels": image.shape[1] * image.shape[0], "chars": len(truth), **_decode_time(image)}
        for reader in readers:
            name_of = getattr(reader, "name", "reader")
            count = 1 if name_of == "tesseract" else runs or (3 if layout == "page" else 5)
            mode = layout if name_of == "tesseract" else "horizontal"
            if count > 1:
                reader(image, mode)  # warm-up: the first call loads and allocates
            times, cpu = [], []
            for _ in range(count):
                start, start_cpu = time.perf_counter(), time.process_time()
                result = reader(image, mode)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            # CPU time of this process beside wall time: other work on the machine (a training run)
            # stretches the wall time, less the CPU time.
            out[name][name_of] = {"ms": round(1000 * float(np.median(times))), "cpu_ms": round(1000 * float(np.median(cpu))),
                                  "char_acc": round(1 - edit_distance(truth, result.text) / len(truth), 4),
                                  "read": result.text[:30]}
    return out


def _decode_time(image: np.ndarray, runs: int = 5) -> dict[str, int]:
    """Median wall and CPU time of ``core.images.decode_image`` of the picture as a colour JPEG."""
    data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        decode_image(data)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"decode_ms": round(1000 * float(np.median(times))), "decode_cpu_ms": round(1000 * float(np.median(cpu)))}


def _crop_middle(image: np.ndarray, width: int, height: int) -> np.ndarray:
    top, left = max(0, (image.shape[0] - height) // 2), max(0, (image.shape[1] - width) // 2)
    return image[top:top + height, left:left + width]


def load_reader(spec: str, recognizer: Recognizer) -> Callable[[np.ndarray, str], ReadResult]:
    """``app``, ``sketch`` (``DecoderSketch``) or ``module:factory`` (a function of the recognizer
    returning a reader)."""
    if spec == "app":
        return AppReader(recognizer)
    if spec == "sketch":
        return DecoderSketch(recognizer)
    module, _, factory = spec.partition(":")
    return getattr(importlib.import_module(module), factory)(recognizer)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="japanese")
    parser.add_argument("--split", choices=("tune", "test"), default="test")
    parser.add_argument("--count", type=int, default=40, help="lines and single characters per style (default 40)")
    parser.add_argument("--styles", default=",".join(paper.STYLES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reader", default="app", help="app, sketch, or module:factory")
    parser.add_argument("--auto-layout", action="store_true", help="give the reader 'auto', not the true layout")
    parser.add_argument("--no-tesseract", action="store_true")
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--timing-only", action="store_true", help="only the timing cases (no styles)")
    parser.add_argument("--timing-runs", type=int, default=None,
                        help="reads a timing case is timed over (median; default 5 for the line, 3 for the page)")
    parser.add_argument("--singles-only", action="store_true",
                        help="read only the single characters (lines are left out: quick, for large --count)")
    parser.add_argument("--lattice", action="store_true",
                        help="also check whether each line's true segmentation is among the decoder's runs (app reader)")
    parser.add_argument("--json", action="store_true", help="end with one line of JSON")
    args = parser.parse_args()
    styles = args.styles.split(",")
    unknown = [s for s in styles if s not in paper.STYLES]
    if unknown or args.count < 1:
        raise SystemExit(f"Need --count >= 1 and styles of {paper.STYLES}. Received: {args.count}, {unknown}")
    styles = [] if args.timing_only else styles
    recognizer = TFLiteRecognizer(resolve_model(args.model))
    inks = tomoe_inks(set(recognizer.bundle.labels))
    pool = [p for p in manpage_phrases(set(inks)) if split_of(p) == args.split and len(p) >= 3]
    phrases = [pool[i] for i in np.random.default_rng(args.seed).permutation(len(pool))[:args.count]]
    chars = list(dict.fromkeys(c for p in phrases for c in p))
    chars = [chars[i] for i in np.random.default_rng(args.seed).permutation(len(chars))]
    why_not = "--no-tesseract" if args.no_tesseract else tesseract_available()
    reader = load_reader(args.reader, recognizer)
    readers: list[Callable[[np.ndarray, str], ReadResult]] = [reader] + ([] if why_not else [TesseractReader()])
    print(f"{len(phrases)} {args.split} phrases of {np.mean([len(p) for p in phrases]):.1f} characters "
          f"(of {len(pool)}), e.g. {', '.join(phrases[:5])}; reader {getattr(reader, 'name', args.reader)}"
          + (f"; Tesseract skipped: {why_not}" if why_not else ""), flush=True)
    report: dict[str, object] = {"split": args.split, "count": args.count, "seed": args.seed,
                                 "reader": getattr(reader, "name", args.reader), "tesseract": why_not or "jpn",
                                 "styles": {}}
    lm = load_lm(bundled_lm_path())
    for style in styles:
        lines, singles = make_samples(style, phrases, chars, inks, args.count, args.seed)
        lines = [] if args.singles_only else lines
        if style == styles[0]:
            report["ink"] = read_canvas(recognizer, lm, lines, singles)
            _print_row("ink", report["ink"])  # type: ignore[arg-type]
        row = {}
        for r in readers:
            lattice = args.lattice and r is reader and args.reader == "app"
            row[getattr(r, "name", "reader")] = {"lines": read_all(r, lines, args.auto_layout, lattice).lines(),
                                                 "singles": read_all(r, singles, args.auto_layout).singles()}
            _print_row(f"{style}/{getattr(r, 'name', 'reader')}", row[getattr(r, "name", "reader")])
        report["styles"][style] = row  # type: ignore[index]
    if not args.no_timing:
        report["timing"] = timing(readers, pool, inks, args.seed, args.timing_runs)
        for case, figures in report["timing"].items():  # type: ignore[attr-defined]
            print(f"{case}: {figures}", flush=True)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    return 0


def _print_row(name: str, figures: dict[str, dict[str, Any]]) -> None:
    lines, singles = figures["lines"], figures["singles"]
    by = lines.get("by", {})
    print(f"{name:20s} lines: acc {lines['char_acc']} count {lines['count_right']} exact {lines['exact']}"
          f" boxes {lines.get('boxes_found', '-')} failed {lines['failed']} ({lines['ms']} ms)"
          f" | h {by.get('horizontal')} v {by.get('vertical')} natural {by.get('natural')} tight {by.get('tight')}"
          f" touching {by.get('touching')} | single: top1 {singles['top1']} one-piece {singles['one_piece']}"
          + (f" | lattice {lines['lattice']} (miscounted: {lines['miscounted_in_lattice']})" if "lattice" in lines else ""),
          flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
