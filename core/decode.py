"""Reading several characters at once: pieces, a lattice of runs, and a beam search.

One decoder for ink written on the canvas and for pieces of a picture
(``DESIGN-reading.md`` in the shared folder sketches it):

- **Pieces** are the smallest units that never belong to two characters: for ink, strokes
  grouped while they overlap along the writing direction (``ink_pieces``).
- Every run of 1..``max_run`` consecutive pieces may be one character. Each run is turned
  into a model input through the one preprocessing path and recognized; results are cached
  by the run's members, so after a new stroke only the runs that contain it are recognized.
- A beam search picks the runs and their labels that maximize, per character,
  ``log P(model) + lm_weight * log P(language model) + geometry + char_bonus`` (and
  ``wide_bonus`` for a character that is not a digit or a Latin letter, in pictures); geometry
  penalizes runs narrower than a character of the line (unless small, like っ or 、) or
  wider than one, and empty space inside a run.
- The result is a ``Reading``: the text, and per character its candidates and pieces.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from core.charsets import LOOKALIKES, SMALL_KANA
from core.errors import InputError
from core.ink import Ink
from core.inputs import to_model_input
from core.lm import CharLM
from core.recognizer import Candidate, Recognizer

Layout = Literal["horizontal", "vertical"]
#: A box as (x0, y0, x1, y1).
Box = tuple[float, float, float, float]
#: Gives runs, as (members, box) pairs, the log-probability that each is not characters merged.
RunCheck = Callable[[Sequence[tuple[tuple[int, ...], Box]]], np.ndarray]
#: Below this share of the line's character size a run counts as written small (っ, 、).
SMALL_RUN = 0.6
#: Characters written much narrower than others and still whole.
NARROW = frozenset("1lIi|!:;()[]{}「」『』（）！｜ｌ丨")
#: Width (in line sizes) at which narrow characters are judged, when space stands on both sides.
USUAL_WIDTH = 0.6
#: Space (in line sizes) on both sides of a run that makes it a narrow character, not a fragment.
ISOLATED_GAP = 0.15
#: The language model's mean log-probability per character of text (the manual pages' phrases).
LM_COST_PER_CHAR = 4.7
#: Same-shape groups the decoder lets the neighbours decide.
TWIN_GROUPS = LOOKALIKES


#: Names of the features ``run_features`` gives, in order.
RUN_FEATURES = ("bias", "width", "width_sq", "height", "gap_before", "gap_after", "inner_gap", "pieces", "small")
#: Weights of ``RUN_FEATURES`` in the log-odds that a run is one character, fitted by logistic
#: regression on the tuning half of ``bench/bench_words.py`` (``--fit-segmentation``).
SEGMENT_WEIGHTS = (-16.848, 37.051, -22.301, 0.900, 3.514, 2.939, -2.474, -0.366, -6.702)


@dataclass(frozen=True)
class DecodeConfig:
    """Weights and limits of the decoder (tuned on ``bench/bench_words.py``'s tuning half).

    Attributes:
        max_run: Most pieces one character may have.
        top_k: Candidates kept per run.
        beam: Hypotheses kept per position.
        lm_weight: Weight of the language model's log-probability (0 turns it off).
        segment_weight: Weight of the log-odds that a run is one character (its geometry).
        segment_weights: The geometry model's weights, one per ``RUN_FEATURES``.
        char_bonus: Added per character (against the language model's cost per character).
        wide_bonus: Added besides per character that is not a digit or a Latin letter (kana, kanji,
            marks). Pictures set it: their touching neighbours merged into one confident character
            (自動的に read 自動的), and a larger ``char_bonus`` cut digits in two; a digit is never
            split into two kana or kanji that confidently.
        small_prior: Factor on a small kana read at full size, or a full-size one read small.
        shown: Alternatives given per character of the reading (the search keeps ``top_k``).
        max_width: Runs wider than this many line sizes are not considered at all.
        column_max_width: The same for a column (None: ``max_width``). A column's size is its
            width, and handwriting is taller than wide: a character of a column is longer, in
            its sizes, than one of a row is wide.
        check_weight: Weight of the log-probability that a run is not characters merged, from
            the run check ``decode`` is given (``core.runcheck``, for pictures); 0 leaves it out.
    """

    max_run: int = 10
    top_k: int = 6
    beam: int = 6
    lm_weight: float = 0.3
    segment_weight: float = 0.3
    segment_weights: tuple[float, ...] = SEGMENT_WEIGHTS
    char_bonus: float = 2.5
    wide_bonus: float = 0.0
    small_prior: float = 0.2
    max_width: float = 1.9
    shown: int = 10
    check_weight: float = 0.0
    column_max_width: float | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.max_run <= 32 or not 1 <= self.top_k <= 100 or not 1 <= self.beam <= 256 \
                or not 1 <= self.shown <= 100:
            raise ValueError(f"Need 1 <= max_run <= 32, 1 <= top_k <= 100, 1 <= beam <= 256. Received: "
                             f"max_run={self.max_run}, top_k={self.top_k}, beam={self.beam}")
        if len(self.segment_weights) != len(RUN_FEATURES):
            raise ValueError(f"Need {len(RUN_FEATURES)} segment weights. Received: {len(self.segment_weights)}")
        if not all(math.isfinite(v) for v in (self.lm_weight, self.segment_weight, self.char_bonus, self.wide_bonus,
                                              self.check_weight, *self.segment_weights)):
            raise ValueError("Decoder weights must be finite numbers.")
        if self.column_max_width is not None and not 0 < self.column_max_width < math.inf:
            raise ValueError(f"Need column_max_width > 0 or None. Received: {self.column_max_width!r}")


@dataclass(frozen=True)
class Piece:
    """A unit that belongs to one character: stroke indices (ink) or component ids (pictures)."""

    members: tuple[int, ...]
    box: Box


@dataclass(frozen=True)
class CharReading:
    """One character of a reading: its label, ranked candidates, members and box."""

    label: str
    candidates: tuple[Candidate, ...]
    members: tuple[int, ...]
    box: Box


@dataclass(frozen=True)
class Reading:
    """The best text for the input, with per-character alternatives."""

    text: str
    chars: tuple[CharReading, ...]
    score: float

    def to_json(self) -> dict[str, object]:
        """The JSON form the CLI prints: text, and per character members, box and candidates."""
        return {"text": self.text, "chars": [
            {"label": c.label, "members": list(c.members), "box": [round(v, 2) for v in c.box],
             "candidates": [{"label": k.label, "score": round(k.score, 6)} for k in c.candidates]}
            for c in self.chars]}


@dataclass
class RunCache:
    """Candidates of runs already recognized, by members; keep one per canvas or picture."""

    probs: dict[tuple[int, ...], np.ndarray] = field(default_factory=dict)
    candidates: dict[tuple[object, ...], tuple[list[str], np.ndarray]] = field(default_factory=dict)
    checks: dict[tuple[int, ...], float] = field(default_factory=dict)

    def retain(self, keep: set[tuple[int, ...]]) -> None:
        """Forgets runs that are no longer possible (after an undo, say)."""
        for members in [k for k in self.probs if k not in keep]:
            del self.probs[members]
        for key in [k for k in self.candidates if k[0] not in keep]:
            del self.candidates[key]
        for members in [k for k in self.checks if k not in keep]:
            del self.checks[members]


def ink_pieces(ink: Ink, layout: Layout = "horizontal", tolerance: float = 0.15) -> list[Piece]:
    """Groups the ink's strokes into pieces, in writing order.

    Characters are written one after another, so a piece is a run of strokes consecutive in
    time. A stroke starts a new piece when it begins (along the writing direction) no more
    than ``tolerance`` line sizes before the current piece's far edge: it may start the next
    character, even one written tight against this one, and the decoder decides. A stroke
    that goes back well inside the current piece joins it. Empty strokes are left out.
    """
    axis = 0 if layout == "horizontal" else 1
    strokes = [(i, s[:, :2]) for i, s in enumerate(ink.strokes) if len(s)]
    if not strokes:
        return []
    every = np.concatenate([xy for _, xy in strokes])
    size = max(float(every[:, 1 - axis].max() - every[:, 1 - axis].min()), 1e-6)
    pieces: list[tuple[list[int], list[float]]] = []
    for index, xy in strokes:
        box = [float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max())]
        if pieces and box[axis] < pieces[-1][1][axis + 2] - tolerance * size:
            pieces[-1][0].append(index)
            pieces[-1][1][:] = _union(pieces[-1][1], box)
        else:
            pieces.append(([index], box))
    return [Piece(tuple(members), (box[0], box[1], box[2], box[3])) for members, box in pieces]


def _union(a: Sequence[float], b: Sequence[float]) -> list[float]:
    return [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]


@dataclass(frozen=True)
class _Run:
    start: int
    stop: int
    members: tuple[int, ...]
    box: Box
    features: np.ndarray
    small: bool
    isolated: bool


@dataclass(frozen=True)
class _Hyp:
    score: float
    text: str
    parent: _Hyp | None
    run: _Run | None
    choice: int


def check_allowed(recognizer: Recognizer, allowed: Callable[[str], bool] | None) -> None:
    """Refuses a filter (the app's View filter) that allows none of the model's characters.

    Raises:
        InputError: if ``allowed`` is given and rejects every label of the model.
    """
    if allowed is not None and not any(allowed(label) for label in recognizer.bundle.labels):
        raise InputError("None of this model's characters is allowed by the filter.")


#: Digits or Latin letters written one under another are longer than their column is wide: cut
#: as square characters, each is two or three pieces, read as two or three confident characters.
#: Written in a row, touching, two of them are as wide as one kanji and read as one digit. Such a
#: line is read a second time at another size (``other_line_size``) when its parts that span
#: ``OTHER_SPAN`` of it across, at least ``OTHER_MIN`` of them, are ``TALL`` of a column's width
#: long or longer, or ``SHORT`` of a row's height or shorter (median). That is only a gate (most
#: columns of kanji pass it, and many rows of kana): the reading whose characters are likelier
#: (``per_char_score``) is kept, and a row's only when both readings are digits or Latin letters
#: for the most part (``NARROW_SHARE``; ``core.picture.read_line``, ``read_ink``). At the other
#: size a character fills ``FILL`` of it along the line, as a line's height holds its characters,
#: at most ``MAX_TALL`` widths.
OTHER_SPAN = 0.6
OTHER_MIN = 3
TALL = 0.9
SHORT = 0.7
FILL = 0.8
MAX_TALL = 2.5
#: A row is read at its other size only if this share of its reading is digits or Latin letters
#: (at 0.5 a photo of kana misread as この1827ま was read again, worse: desk, tuning half -0.8 points).
NARROW_SHARE = 0.75


def other_line_size(lengths: np.ndarray, across: np.ndarray, size: float, along: int) -> float | None:
    """A line's other size (see ``TALL``) from its parts' lengths along it and extents across it,
    or None when its characters are about as long as square ones."""
    spanning = lengths[across >= OTHER_SPAN * size]
    if len(spanning) < OTHER_MIN:
        return None
    typical = float(np.median(spanning))
    if typical >= TALL * size if along == 1 else typical <= SHORT * size:
        return min(typical / FILL, MAX_TALL * size)
    return None


def narrow_share(text: str) -> float:
    """The share of ``text`` that is digits or Latin letters (half-width, or full-width digits)."""
    return sum((c.isascii() and c.isalnum()) or "０" <= c <= "９" for c in text) / max(1, len(text))


@functools.cache
def is_wide(label: str) -> bool:
    """Whether a label earns ``DecodeConfig.wide_bonus``: not a digit or a Latin letter (asked
    for every candidate of every run: a page's 18,000 times, remembered per label)."""
    return not narrow_share(label)


def per_char_score(reading: Reading, bonus: float, wide: float = 0.0) -> float:
    """A reading's score per character, without the bonus per character (``char_bonus``, and
    ``wide`` more for each character ``is_wide``)."""
    paid = bonus * len(reading.chars) + wide * sum(is_wide(c.label) for c in reading.chars)
    return (reading.score - paid) / max(1, len(reading.chars))


def reads_again(reading: Reading, row: bool) -> bool:
    """Whether a line with another size (``other_line_size``) is read at it too, given its first
    reading: a column always, a row only when it reads as digits or Latin letters for the most part."""
    return not row or narrow_share(reading.text) >= NARROW_SHARE


def keeps_other(reading: Reading, other: Reading, bonus: float, row: bool, wide: float = 0.0) -> bool:
    """Whether a line's reading at its other size (``other``) is kept over its first: likelier per
    character (``per_char_score``) and, for a row, digits or Latin letters for the most part too."""
    return reads_again(other, row) and per_char_score(other, bonus, wide) > per_char_score(reading, bonus, wide)


def char_bonus(config: DecodeConfig, lm: CharLM | None) -> float:
    """What a reading's score gains per character: ``config.char_bonus``, less the language model's
    average cost per character when there is none (it is not paid either)."""
    without = config.lm_weight * LM_COST_PER_CHAR
    return config.char_bonus - (0.0 if lm is not None and config.lm_weight != 0 else without)


def decode(pieces: Sequence[Piece], model_input: Callable[[tuple[int, ...]], np.ndarray],
           recognizer: Recognizer, lm: CharLM | None = None, layout: Layout = "horizontal",
           config: DecodeConfig | None = None, context: str = "", cache: RunCache | None = None,
           line_size: float | None = None, allowed: Callable[[str], bool] | None = None,
           check: RunCheck | None = None) -> Reading:
    """The best reading of pieces in reading order.

    Args:
        pieces: The pieces, in reading order (``ink_pieces``).
        model_input: Turns a run's members into one model input (size, size, 1).
        recognizer: Scores model inputs.
        lm: The language model, or None to read without context.
        layout: The writing direction.
        config: Decoder weights.
        context: Text before the pieces (the text line), for the language model.
        cache: Recognized runs from earlier calls, reused and extended.
        line_size: A character's size across the line (height for horizontal text); by
            default the pieces' extent across the line.
        allowed: Optional filter on labels.
        check: Gives runs (members and box) the log-probability that each is not characters
            merged, weighed by ``config.check_weight`` (``core.runcheck``); None leaves it out.

    Raises:
        InputError: if there are no pieces, or the filter allows none of the model's characters.
    """
    if not pieces:
        raise InputError("There is nothing to read. Received: 0 pieces")
    check_allowed(recognizer, allowed)
    config = config or DecodeConfig()
    cache = cache if cache is not None else RunCache()
    axis = 0 if layout == "horizontal" else 1
    size = line_size or _extent_across(pieces, axis)
    runs = _runs(pieces, axis, size, config)
    checked = check is not None and config.check_weight != 0
    if checked:
        unchecked = [run for run in runs if run.members not in cache.checks]
        if unchecked:
            for run, value in zip(unchecked, check([(run.members, run.box) for run in unchecked])):  # type: ignore[misc]
                cache.checks[run.members] = float(value)
    missing = [run.members for run in runs if run.members not in cache.probs]
    if missing:
        batch = np.stack([model_input(members) for members in missing])
        for members, probs in zip(missing, recognizer.predict_many(batch)):
            cache.probs[members] = probs
    candidates = {}
    twins = _twins(recognizer)
    for run in runs:
        key = (run.members, run.small, config.top_k, allowed)
        found = cache.candidates.get(key)
        if found is None:
            found = cache.candidates[key] = _candidates(recognizer, cache.probs[run.members], run, config, allowed,
                                                        twins)
        candidates[run.members] = found
    weights = np.asarray(config.segment_weights)
    geometry = {run.members: config.segment_weight * _log_sigmoid(float(run.features @ weights)) for run in runs}
    # Narrow characters (1, l, !, brackets) are judged as if they were of a usual width.
    narrow_geometry = {run.members: config.segment_weight * _log_sigmoid(float(_widened(run.features) @ weights))
                       for run in runs}
    by_start: dict[int, list[_Run]] = {}
    for run in runs:
        by_start.setdefault(run.start, []).append(run)
    context_lm = lm if config.lm_weight != 0 else None
    bonus = char_bonus(config, lm)
    # The run's score of each candidate without the language model (it does not depend on the path).
    base: dict[tuple[int, ...], np.ndarray] = {}
    # The language model's token of each candidate, once per run (a run is scored after every hypothesis).
    tokens = {run.members: context_lm.token_ids(candidates[run.members][0]) for run in runs} \
        if context_lm is not None else {}
    for run in runs:
        labels, logp = candidates[run.members]
        narrow = np.fromiter((label in NARROW for label in labels), bool, len(labels)) & run.isolated
        base[run.members] = logp + np.where(narrow, narrow_geometry[run.members], geometry[run.members]) + bonus
        if config.wide_bonus:
            base[run.members] += config.wide_bonus * np.fromiter(map(is_wide, labels), bool, len(labels))
        if checked:
            base[run.members] += config.check_weight * cache.checks[run.members]
    beams: list[list[_Hyp]] = [[] for _ in range(len(pieces) + 1)]
    beams[0] = [_Hyp(0.0, "", None, None, 0)]
    for i in range(len(pieces)):
        hyps = beams[i] = sorted(beams[i], key=lambda h: -h.score)[:config.beam]
        starting = by_start.get(i, ())
        if not hyps or not starting:
            continue
        so_far = np.array([h.score for h in hyps])[:, None]
        # Each hypothesis's language model row, looked up once for every run that starts here.
        rows = np.stack([context_lm.log_distribution(context + h.text) for h in hyps]) \
            if context_lm is not None else None
        for run in starting:
            labels = candidates[run.members][0]
            # Hypotheses by candidates; only the best ``beam`` of them can survive at ``run.stop``.
            scores: np.ndarray = so_far + base[run.members][None, :]
            if rows is not None:
                scores = scores + config.lm_weight * rows[:, tokens[run.members]]
            flat = scores.ravel()
            best = np.argpartition(-flat, config.beam)[:config.beam] if len(flat) > config.beam \
                else range(len(flat))
            for f in best:
                h, k = divmod(int(f), len(labels))
                beams[run.stop].append(_Hyp(float(flat[f]), hyps[h].text + labels[k], hyps[h], run, k))
    final = beams[len(pieces)]
    if context_lm is not None:
        final = [_Hyp(h.score + config.lm_weight * context_lm.end_log_prob(context + h.text), h.text,
                      h.parent, h.run, h.choice) for h in final]
    best_hyp = max(final, key=lambda h: h.score)
    chars: list[CharReading] = []
    step: _Hyp | None = best_hyp
    while step is not None and step.run is not None:
        label = candidates[step.run.members][0][step.choice]
        chars.append(CharReading(label, _shown(recognizer, cache.probs[step.run.members], label, config.shown, allowed),
                                 step.run.members, step.run.box))
        step = step.parent
    return Reading(best_hyp.text, tuple(reversed(chars)), best_hyp.score)


def run_spans(pieces: Sequence[Piece], layout: Layout = "horizontal", config: DecodeConfig | None = None,
              line_size: float | None = None) -> list[tuple[int, int, tuple[int, ...], Box]]:
    """The runs ``decode`` considers, as (first piece, piece after the last, members, box)."""
    axis = 0 if layout == "horizontal" else 1
    size = line_size or _extent_across(pieces, axis)
    return [(run.start, run.stop, run.members, run.box) for run in _runs(pieces, axis, size, config or DecodeConfig())]


def _extent_across(pieces: Sequence[Piece], axis: int) -> float:
    """The pieces' extent across the line (their height in a horizontal line): its size by default."""
    return max(max(p.box[3 - axis] for p in pieces) - min(p.box[1 - axis] for p in pieces), 1e-6)


def _runs(pieces: Sequence[Piece], axis: int, size: float, config: DecodeConfig) -> list[_Run]:
    runs: list[_Run] = []
    reach_before = _reaches(pieces, axis)
    max_width = config.max_width if axis == 0 or config.column_max_width is None else config.column_max_width
    for start in range(len(pieces)):
        box = list(pieces[start].box)
        reach, gaps = box[axis + 2], 0.0
        for stop in range(start + 1, min(len(pieces), start + config.max_run) + 1):
            if stop > start + 1:
                piece = pieces[stop - 1]
                gaps += max(0.0, piece.box[axis] - reach)
                reach = max(reach, piece.box[axis + 2])
                box = _union(box, piece.box)
            width = (box[axis + 2] - box[axis]) / size
            if stop > start + 1 and width > max_width:
                break
            members = tuple(sorted(m for p in pieces[start:stop] for m in p.members))
            gap_before = (box[axis] - reach_before[start]) / size if start else 1.0
            gap_after = (pieces[stop].box[axis] - reach) / size if stop < len(pieces) else 1.0
            features = run_features(width, (box[3 - axis] - box[1 - axis]) / size, gap_before, gap_after,
                                    gaps / size, stop - start)
            isolated = min(gap_before, gap_after) >= ISOLATED_GAP
            runs.append(_Run(start, stop, members, (box[0], box[1], box[2], box[3]), features,
                             bool(features[-1]), isolated))
    return runs


def _reaches(pieces: Sequence[Piece], axis: int) -> list[float]:
    """For each piece, how far along the axis the pieces before it reach."""
    out, reach = [], -math.inf
    for piece in pieces:
        out.append(reach)
        reach = max(reach, piece.box[axis + 2])
    return out


def run_features(width: float, height: float, gap_before: float, gap_after: float, inner_gap: float,
                 pieces: int) -> np.ndarray:
    """The geometry of a run, in line sizes, as ``RUN_FEATURES`` (gaps clipped to [-0.5, 1])."""
    small = max(width, height) < SMALL_RUN
    return np.array([1.0, width, width * width, height, min(max(gap_before, -0.5), 1.0),
                     min(max(gap_after, -0.5), 1.0), min(inner_gap, 2.0), float(pieces - 1), float(small)])


def _widened(features: np.ndarray) -> np.ndarray:
    """The features of a run as wide as a usual character (for narrow labels such as 1)."""
    out = features.copy()
    width = max(float(out[1]), USUAL_WIDTH)
    out[1], out[2] = width, width * width
    return out


def _log_sigmoid(z: float) -> float:
    return -math.log1p(math.exp(-z)) if z > -30 else z


@dataclass(frozen=True)
class _Twins:
    """The model's same-shape twins (``TWIN_GROUPS``), group after group, as arrays."""

    index: np.ndarray  # label index of each twin
    starts: np.ndarray  # where each group starts in ``index``
    group: np.ndarray  # group number of each twin
    small: np.ndarray  # whether each twin is a small kana
    sized: np.ndarray  # whether each twin's group holds a small and a full-size form


def _twins(recognizer: Recognizer) -> _Twins:
    index = recognizer.label_index
    rows: list[tuple[int, int, bool, bool]] = []
    starts: list[int] = []
    for group in TWIN_GROUPS:
        members = [c for c in group if c in index]
        if len(members) < 2:
            continue
        starts.append(len(rows))
        sized = _has_size_twin(group)
        rows.extend((index[c], len(starts) - 1, c in SMALL_KANA, sized) for c in members)
    columns = list(zip(*rows)) if rows else [(), (), (), ()]
    return _Twins(np.array(columns[0], np.int64), np.array(starts, np.int64), np.array(columns[1], np.int64),
                  np.array(columns[2], bool), np.array(columns[3], bool))


def _candidates(recognizer: Recognizer, probs: np.ndarray, run: _Run, config: DecodeConfig,
                allowed: Callable[[str], bool] | None, twins: _Twins) -> tuple[list[str], np.ndarray]:
    """A run's top candidates: labels and their log-scores for decoding.

    Same-shape twins (ロ/口, カ/力, り/リ) score alike, since the shape cannot tell them apart
    and the neighbours can; a small kana and its full-size form score alike but for the
    size the run was written (``small_prior``).
    """
    scored = probs.astype(np.float64)
    if len(twins.index):
        values = scored[twins.index]
        best = np.maximum.reduceat(values, twins.starts)
        place = np.arange(len(values))
        # Within a hair of each other: without context the model's favourite (the first best) still wins.
        favourite = np.minimum.reduceat(np.where(values == best[twins.group], place, len(values)), twins.starts)
        scored[twins.index] = best[twins.group] * np.where(place == favourite[twins.group], 1.0, 0.999) \
            * np.where((twins.small == run.small) | ~twins.sized, 1.0, config.small_prior)
    ranked = recognizer.rank(scored, config.top_k, allowed)
    return [c.label for c in ranked], np.log(np.maximum([c.score for c in ranked], 1e-9))


def _has_size_twin(group: frozenset[str]) -> bool:
    return any(c in SMALL_KANA for c in group) and any(c not in SMALL_KANA for c in group)


def _shown(recognizer: Recognizer, probs: np.ndarray, label: str, count: int,
           allowed: Callable[[str], bool] | None) -> tuple[Candidate, ...]:
    """The alternatives shown for a chosen character: it first, then the model's ranking."""
    ranked = [c for c in recognizer.rank(probs, count, allowed) if c.label != label]
    return (Candidate(label, float(probs[recognizer.label_index[label]])),) + tuple(ranked[:count - 1])


#: Ink this many times longer one way than the other reads as a line (or a column).
LINE_ASPECT = 1.6


def ink_layout(ink: Ink) -> Layout | Literal["single"]:
    """``horizontal`` for ink much wider than tall, ``vertical`` for much taller, else ``single``."""
    x0, y0, x1, y1 = ink.validate().bounds()
    width, height = x1 - x0, y1 - y0
    if width > LINE_ASPECT * max(height, 1e-9):
        return "horizontal"
    if height > LINE_ASPECT * max(width, 1e-9):
        return "vertical"
    return "single"


def read_ink(ink: Ink, recognizer: Recognizer, lm: CharLM | None = None, layout: Layout = "horizontal",
             config: DecodeConfig | None = None, context: str = "", cache: RunCache | None = None,
             allowed: Callable[[str], bool] | None = None) -> Reading:
    """Reads ink holding one or more characters written along a line.

    Raises:
        InputError: if the ink is empty or malformed.
    """
    ink.validate()
    pieces = ink_pieces(ink, layout)
    spec = recognizer.bundle.preprocessing

    def model_input(members: tuple[int, ...]) -> np.ndarray:
        return to_model_input(Ink(tuple(ink.strokes[i] for i in members), ink.width, ink.height), spec)

    reading = decode(pieces, model_input, recognizer, lm, layout, config, context, cache, allowed=allowed)
    # A row read as digits or Latin letters is read again at the size of characters that narrow
    # (``TALL``): written close, two digits were read as one (the digits model, without the
    # language model, read 29 of 40 rows of stroke-font digits written with no gap right, now 38).
    # Its pieces are the same; the other size changes how wide a character may be. Columns of ink
    # read well as they are.
    if layout == "horizontal" and reads_again(reading, row=True):
        other_size = other_line_size(np.array([p.box[2] - p.box[0] for p in pieces]),
                                     np.array([p.box[3] - p.box[1] for p in pieces]), _extent_across(pieces, 0), 0)
        if other_size is not None:
            other = decode(pieces, model_input, recognizer, lm, layout, config, context, cache,
                           line_size=other_size, allowed=allowed)
            config = config or DecodeConfig()
            if keeps_other(reading, other, char_bonus(config, lm), row=True, wide=config.wide_bonus):
                reading = other
    return reading
