"""A kept sample and its database row: the records ``SampleStore`` hands out, and the codecs
between them and SQLite rows, lenient with rows another program wrote (part of ``core.samples``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np

from core.errors import InputError
from core.images import decode_image
from core.ink import MAX_INK_BYTES, Ink
from core.safeio import parse_json

#: Kinds of samples: strokes from the canvas, or a character of a picture (its model input).
SampleKind = Literal["ink", "picture"]
#: The largest picture sample kept or read (bytes of PNG; a 64x64 model input is about 3 kB).
MAX_PICTURE_BYTES = 256 * 1024
#: The largest side of a picture sample (model inputs are 28-64 pixels).
MAX_PICTURE_SIDE = 256


@dataclass(frozen=True)
class Sample:
    """One kept sample.

    Attributes:
        id: Its row id (never reused, so an undone deletion gets it back).
        ink: The strokes (without a label; the label is ``label``).
        label: What the user said it is.
        model: The name of the model that recognized it then ("" if none, "import" if imported).
        candidates: That model's (label, score) candidates then, best first.
        created: When it was kept (Unix time).
        problem: Why its strokes (or picture) could not be read ("" when they could); ``ink``
            (or ``image``) is then empty.
        kind: ``ink``, or ``picture`` for a character of a picture (``ink`` is then empty).
        image: A picture sample's model input (uint8, white ink on black), else None.
        source: Where a picture sample came from (the picture's name and the box), else "".
    """

    id: int
    ink: Ink
    label: str
    model: str
    candidates: tuple[tuple[str, float], ...]
    created: float
    problem: str = ""
    kind: SampleKind = "ink"
    image: np.ndarray | None = field(default=None, compare=False, repr=False)
    source: str = ""

    @property
    def corrected(self) -> bool:
        """True when the model's first candidate was not the label (the user corrected it)."""
        return bool(self.candidates) and self.candidates[0][0] != self.label


@dataclass(frozen=True)
class SampleInfo:
    """A sample without its strokes: what a list of thousands needs (see ``SampleStore.infos``).

    Attributes:
        id, label, model, candidates, created, kind, source: As in ``Sample``.
    """

    id: int
    label: str
    model: str
    candidates: tuple[tuple[str, float], ...]
    created: float
    kind: SampleKind = "ink"
    source: str = ""


def _check_label(label: str) -> str:
    if not isinstance(label, str) or not label.strip():
        raise InputError(f"A sample needs a label. Received: label={label!r}")
    return label.strip()


def _candidates(candidates: Sequence[Sequence[Any]]) -> tuple[tuple[str, float], ...]:
    try:
        return tuple((str(c[0]), float(c[1])) for c in candidates)
    except (TypeError, ValueError, IndexError) as exc:
        raise InputError(f"Candidates must be (label, score) pairs. Received: {list(candidates)[:3]!r}") from exc


def _row(ink: Ink, label: str, model: str, candidates: Sequence[tuple[str, float]],
         created: float) -> tuple[str, str, str, str, int, float]:
    ink_json = json.dumps(Ink(ink.strokes, ink.width, ink.height).to_json(), ensure_ascii=False)
    corrected = int(bool(candidates) and candidates[0][0] != label)
    return label, ink_json, str(model), json.dumps([list(c) for c in candidates]), corrected, float(created)


def _canonical_ink(value: Any) -> str:
    """A stored ink's JSON as ``_row`` writes it now: rows written before wrote 158.0 where it reads
    back as 158, so an export of them imported again was not seen as already there."""
    try:
        ink = Ink.from_json(parse_json(_text(value), "ink", max_chars=MAX_INK_BYTES))
    except InputError:
        return _text(value)
    return _row(ink, "", "", (), 0.0)[1]


def _picture_row(png: bytes, label: str, model: str, candidates: Sequence[tuple[str, float]], created: float,
                 source: str) -> tuple[str, str, str, str, int, float, str, bytes, str]:
    label, _ink, model, cands, corrected, created = _row(Ink(), label, model, candidates, created)
    return label, "", model, cands, corrected, created, "picture", png, source


def _full_row(sample: Sample) -> tuple[str, str, str, str, int, float, str, bytes | None, str]:
    """A deleted sample's row as it was (``restore``); a picture whose image was unreadable stays without one."""
    if sample.kind == "picture":
        png = _encode_picture(sample.image) if sample.image is not None and sample.image.any() else None
        label, ink, model, cands, corrected, created, kind, _png, source = _picture_row(
            b"", sample.label, sample.model, sample.candidates, sample.created, sample.source)
        return label, ink, model, cands, corrected, created, kind, png, source
    return (*_row(sample.ink, sample.label, sample.model, sample.candidates, sample.created), "ink", None, "")


def _encode_picture(image: np.ndarray | None) -> bytes:
    """A picture sample's model input as PNG.

    Raises:
        InputError: if it is not a 2-D uint8 image of at most ``MAX_PICTURE_SIDE`` pixels, or holds no ink.
    """
    if image is None or image.ndim != 2 or image.dtype != np.uint8 or not 0 < max(image.shape) <= MAX_PICTURE_SIDE:
        shape = None if image is None else (image.shape, str(image.dtype))
        raise InputError(f"A picture sample is a model input: 2-D uint8, at most {MAX_PICTURE_SIDE} pixels a "
                         f"side. Received: {shape}")
    if not image.any():
        raise InputError("A picture sample needs ink. Received: a blank image")
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise InputError(f"The picture sample could not be encoded. Received: shape={image.shape}")
    return data.tobytes()


def _decode_picture(value: Any, sample_id: int, problems: list[str]) -> tuple[np.ndarray | None, str]:
    """A picture sample's model input, or (None, why) when it cannot be read (damaged, or too large)."""
    try:
        if not isinstance(value, bytes) or not 0 < len(value) <= MAX_PICTURE_BYTES:
            raise InputError(f"not a picture of at most {MAX_PICTURE_BYTES} bytes: {type(value).__name__}")
        image = decode_image(value, "the sample's picture")
        if max(image.shape) > MAX_PICTURE_SIDE:
            raise InputError(f"larger than {MAX_PICTURE_SIDE} pixels: {image.shape}")
    except InputError as exc:
        problem = f"its picture cannot be read: {exc}"
        problems.append(f"sample {sample_id}: {problem}")
        return None, problem
    return image, ""


def _imported_row(ink: Ink, number: int, path: Path, now: float) -> tuple[str, str, str, str, int, float]:
    try:
        ink.validate()
    except InputError as exc:
        raise InputError(f"{path}, ink {number}: {exc} Nothing was imported.") from exc
    extra = ink.extra
    candidates = _candidates(extra.get("candidates") or ())
    created = extra.get("created")
    created = float(created) if isinstance(created, (int, float)) and 0 < created < math.inf else now
    return _row(ink, _check_label(str(ink.label)), str(extra.get("model") or "import"), candidates, created)


def _where(label: str | None, since: float | None, until: float | None) -> tuple[str, list[Any]]:
    where, args = ["1=1"], []
    for clause, value in (("label=?", label), ("created>=?", since), ("created<?", until)):
        if value is not None:
            where.append(clause)
            args.append(value)
    return f"WHERE {' AND '.join(where)}", args


def _read_candidates(value: Any, sample_id: int, problems: list[str]) -> tuple[tuple[str, float], ...]:
    """A row's candidates; malformed ones (not a list of [label, score] pairs) are dropped and noted."""
    try:
        raw = parse_json(_text(value), "candidates")
        if not isinstance(raw, list):
            raise InputError(f"not a list: {type(raw).__name__}")
        pairs = []
        for pair in raw:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)
                    and type(pair[1]) in (int, float) and math.isfinite(pair[1])):
                raise InputError(f"not a [label, score] pair: {str(pair)[:40]}")
            pairs.append((pair[0], float(pair[1])))
    except InputError as exc:
        problems.append(f"sample {sample_id}: candidates {exc}")
        return ()
    return tuple(pairs)


def _created(value: Any, sample_id: int, problems: list[str]) -> float:
    if type(value) in (int, float) and math.isfinite(value):
        return float(value)
    problems.append(f"sample {sample_id}: date {str(value)[:40]!r}")
    return 0.0


def _lenient_text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _text(value: Any) -> str:
    """A TEXT column's value as text (SQLite keeps blobs written by another program as they are)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _sample(row: tuple, problems: list[str]) -> Sample:
    sample_id, label, ink_text, model, candidates, _corrected, created, kind, picture, source = row
    sample_id = int(sample_id)
    problem, image, ink = "", None, Ink()
    if _kind(kind) == "picture":
        image, problem = _decode_picture(picture, sample_id, problems)
    else:
        try:
            ink = Ink.from_json(parse_json(_text(ink_text), "ink", max_chars=MAX_INK_BYTES))
        except InputError as exc:
            problem = f"its strokes cannot be read: {exc}"
            problems.append(f"sample {sample_id}: {problem}")
    return Sample(sample_id, ink, _text(label), _text(model), _read_candidates(candidates, sample_id, problems),
                  _created(created, sample_id, problems), problem, _kind(kind), image, _text(source))


def _kind(value: Any) -> SampleKind:
    """A row's kind; anything but ``picture`` (another program's value) is read as ink."""
    return "picture" if _text(value) == "picture" else "ink"
