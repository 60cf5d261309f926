"""Recognition off the UI thread: a long-lived worker that owns the recognizer.

The GUI talks to ``RecognitionService`` (a GUI-thread object). It forwards requests to a
``_Worker`` living in its own ``QThread`` through queued signals, and the worker answers
through signals connected to the service's slots, so results arrive on the GUI thread.
Requests coalesce: while one recognition runs, only the newest waiting request is kept.

Ink holding several characters (an ``InkLine``) is read with ``core.decode.read_ink``: the
worker loads the language model once, on the first such request, and keeps a ``RunCache``
across strokes (``LineCache``), so after a stroke only the runs that contain it are recognized.

A picture for the picture view (a ``PictureJob``) is read with ``core.picture_edit`` line by
line: the worker reports ``progress`` and stops early when a newer picture is asked for
(``RecognitionService.cancel_pictures``); merging or splitting its boxes is a ``PictureEdit``.
Picture jobs wait in a queue and are never dropped for newer ink.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from core.bundle import ModelBundle, resolve_model
from core.charclass import label_filter
from core.decode import Layout, Reading, RunCache, read_ink
from core.errors import MojiyomiError
from core.ink import Ink
from core.lm import CharLM, bundled_lm_path, load_lm
from core.picture import PictureLayout
from core.picture_edit import PictureReading, ReadingCancelled, merge_chars, read_picture_chars, split_char
from core.recognizer import Candidate, Recognizer, TFLiteRecognizer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recognition:
    """The answer to one request.

    Attributes:
        request: The request id.
        candidates: Ranked candidates of the ink (of an ``InkLine``'s last character), or of a
            picture's first character.
        ms: Time the worker spent (reading, preprocessing, model), in milliseconds.
        source: What was recognized: ``"ink"``, ``"picture"`` (pasted, dropped or mended) or a file path.
        ink: The ink recognized (None for pictures).
        reading: For an ``InkLine``, the reading of all its characters (else None).
        picture: For a ``PictureJob`` or ``PictureEdit``, the picture's characters (else None).
        grey: For a ``PictureJob``, the picture read (else None).
    """

    request: int
    candidates: tuple[Candidate, ...]
    ms: float = 0.0
    source: str = "ink"
    ink: Ink | None = field(default=None, repr=False)
    reading: Reading | None = field(default=None, repr=False)
    picture: PictureReading | None = field(default=None, repr=False)
    grey: np.ndarray | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PictureJob:
    """A request to read a picture for the picture view.

    Attributes:
        source: The file path, or ``"picture"`` for a pasted or dropped picture.
        grey: The picture (None: read it from ``source``).
        layout: As ``core.picture.read_picture`` takes it.
        use_lm: Whether the language model helps.
    """

    source: str
    grey: np.ndarray | None = field(default=None, repr=False)
    layout: PictureLayout = "auto"
    use_lm: bool = True


@dataclass(frozen=True)
class PictureEdit:
    """A request to merge the characters ``index`` and ``index + 1`` of a picture, or split ``index``."""

    reading: PictureReading = field(repr=False)
    action: Literal["merge", "split"]
    index: int


@dataclass(frozen=True)
class InkLine:
    """A request to read ink holding several characters written along a line or a column.

    Attributes:
        ink: The ink, strokes in writing order.
        layout: ``horizontal`` (left to right) or ``vertical`` (top to bottom).
        context: The text before the ink (the text line up to the cursor), for the language model.
        use_lm: Whether the language model helps.
    """

    ink: Ink
    layout: Layout = "horizontal"
    context: str = ""
    use_lm: bool = True


class LineCache:
    """The runs recognized for the ink on the canvas, kept while its strokes stay the same.

    Stroke indices are the cache's keys, and they change meaning when strokes are removed or
    replaced (undo, then a new stroke; clear; an opened ink file). So each request is compared
    with the strokes seen last: runs made only of the unchanged leading strokes are kept.
    """

    def __init__(self) -> None:
        self.runs = RunCache()
        self._strokes: tuple[np.ndarray, ...] = ()
        self._key: tuple[object, ...] = ()

    def for_ink(self, ink: Ink, key: tuple[object, ...]) -> RunCache:
        """The cache to read ``ink`` with; ``key`` names what else the runs depend on (model, canvas size)."""
        if key != self._key:
            self.runs, self._key = RunCache(), key
            same = 0
        else:
            same = common_prefix(self._strokes, ink.strokes)
        if same < len(self._strokes):
            self.runs.retain({members for members in self.runs.probs if members and max(members) < same})
        self._strokes = ink.strokes
        return self.runs


def common_prefix(old: tuple[np.ndarray, ...], new: tuple[np.ndarray, ...]) -> int:
    """How many leading strokes ``old`` and ``new`` share."""
    same = 0
    for a, b in zip(old, new):
        if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
            break
        same += 1
    return same


class _Worker(QObject):
    """Holds the recognizer; every slot runs in the worker thread."""

    loaded = Signal(object, float)
    loadFailed = Signal(str, str)
    done = Signal(object)
    failed = Signal(int, str, str)
    progress = Signal(int, int, int)

    def __init__(self) -> None:
        super().__init__()
        #: Picture jobs up to this request id stop (set from the GUI thread; an int is written whole).
        self.cancel_through = 0
        self._recognizer: Recognizer | None = None
        self._lm: CharLM | None = None
        self._lm_failed = False
        self.lines = LineCache()

    @Slot(str)
    def load(self, target: str) -> None:
        start = time.perf_counter()
        try:
            bundle = resolve_model(target)
            recognizer = TFLiteRecognizer(bundle)
            recognizer.predict(np.zeros((1, *bundle.input_shape), np.float32))  # warm up once
        except Exception as exc:  # noqa: BLE001 - the GUI waits for an answer, whatever went wrong
            log.warning("could not load model %s: %s", target, exc, exc_info=_unexpected(exc))
            self.loadFailed.emit(target, _message(exc))
            return
        self._recognizer = recognizer
        self.lines = LineCache()
        self.loaded.emit(bundle, (time.perf_counter() - start) * 1000.0)

    @Slot(int, object, str)
    def recognize(self, request: int, item: Any, filter_name: str) -> None:
        start = time.perf_counter()
        source = "ink" if isinstance(item, (Ink, InkLine)) else item.source if isinstance(item, PictureJob) \
            else "picture"
        try:
            if self._recognizer is None:
                raise MojiyomiError("No model is loaded: choose one in the Model menu.")
            result = self._run(request, item, filter_name, source)
        except ReadingCancelled:
            self.failed.emit(request, source, "")
            return
        except Exception as exc:  # noqa: BLE001 - an unanswered request would stop recognition for good
            log.info("recognition failed for %s: %s", source, exc, exc_info=_unexpected(exc))
            self.failed.emit(request, source, _message(exc))
            return
        self.done.emit(_with_ms(result, (time.perf_counter() - start) * 1000.0))

    def _run(self, request: int, item: Ink | InkLine | PictureJob | PictureEdit, filter_name: str,
             source: str) -> Recognition:
        recognizer = self._recognizer
        assert recognizer is not None
        if isinstance(item, (PictureJob, PictureEdit)):
            return self._picture(request, item, filter_name, recognizer)
        if isinstance(item, InkLine):
            return self._read_line(request, item, filter_name, recognizer)
        if isinstance(item, Ink):
            cands = recognizer.recognize(item.validate(), 10, label_filter(filter_name))
            return Recognition(request, tuple(cands), source=source, ink=item)
        raise TypeError(f"Cannot recognize this request. Received: item of type {type(item).__name__}")

    def _picture(self, request: int, item: PictureJob | PictureEdit, filter_name: str,
                 recognizer: Recognizer) -> Recognition:
        allowed = label_filter(filter_name)
        if isinstance(item, PictureEdit):
            edit = merge_chars if item.action == "merge" else split_char
            mended = edit(item.reading, item.index, recognizer, allowed)
            return Recognition(request, (), source="picture", picture=mended)
        from core.images import read_image

        grey = item.grey if item.grey is not None else read_image(item.source)
        reading = read_picture_chars(grey, recognizer, self._language_model() if item.use_lm else None, item.layout,
                                     progress=lambda done, total: self.progress.emit(request, done, total),
                                     cancelled=lambda: request <= self.cancel_through, allowed=allowed)
        return Recognition(request, reading.chars[0].candidates, source=item.source, picture=reading, grey=grey)

    def _read_line(self, request: int, line: InkLine, filter_name: str, recognizer: Recognizer) -> Recognition:
        ink = line.ink.validate()
        cache = self.lines.for_ink(ink, (recognizer.bundle.path, ink.width, ink.height))
        reading = read_ink(ink, recognizer, self._language_model() if line.use_lm else None, line.layout,
                           context=line.context, cache=cache, allowed=label_filter(filter_name))
        last = reading.chars[-1].candidates if reading.chars else ()
        return Recognition(request, last, source="ink", ink=ink, reading=reading)

    def _language_model(self) -> CharLM | None:
        """The bundled language model, loaded on first use; None (reading goes on without) if it cannot be."""
        if self._lm is None and not self._lm_failed:
            try:
                self._lm = load_lm(bundled_lm_path())
            except (MojiyomiError, OSError) as exc:
                log.warning("language model not available, reading without it: %s", exc)
                self._lm_failed = True
        return self._lm


def _unexpected(exc: Exception) -> bool:
    """True for errors that are bugs or surprises (their traceback goes to the log), not bad input."""
    return not isinstance(exc, (MojiyomiError, OSError))


def _message(exc: Exception) -> str:
    """What the user is told: our own errors speak for themselves; others say what they are."""
    if isinstance(exc, (MojiyomiError, OSError)):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _with_ms(result: Recognition, ms: float) -> Recognition:
    return replace(result, ms=ms)


class RecognitionService(QObject):
    """The GUI side of recognition.

    Signals:
        modelLoaded(ModelBundle, float): a model is ready (load time in ms).
        modelFailed(str, str): loading ``target`` failed with a message; the old model stays.
        recognized(Recognition): candidates for a request.
        failed(int, str, str): request id, source, message (empty: a picture job was cancelled).
        progress(int, int, int): request id, lines read, lines (picture jobs).
    """

    modelLoaded = Signal(object, float)
    modelFailed = Signal(str, str)
    recognized = Signal(object)
    failed = Signal(int, str, str)
    progress = Signal(int, int, int)
    _loadRequested = Signal(str)
    _recognizeRequested = Signal(int, object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("recognition")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._loadRequested.connect(self._worker.load)
        self._recognizeRequested.connect(self._worker.recognize)
        self._worker.loaded.connect(self._on_loaded)
        self._worker.loadFailed.connect(self._on_load_failed)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._worker.progress.connect(self._on_progress)
        self._thread.start()
        self._next_id = 0
        self._busy = False
        self._pending: tuple[int, Any, str] | None = None
        self._queue: list[tuple[int, Any, str]] = []
        self.bundle: ModelBundle | None = None

    def load(self, target: str) -> None:
        """Loads a bundle (name or folder) in the worker; the current one serves until then."""
        self._loadRequested.emit(target)

    def request(self, item: Ink | InkLine | PictureJob | PictureEdit, filter_name: str = "all") -> int:
        """Queues an ink, ``InkLine``, ``PictureJob`` or ``PictureEdit``; returns the request id.

        If a recognition is running, this request replaces any ink request still waiting;
        pictures and picture edits wait their turn in order.
        """
        self._next_id += 1
        job = (self._next_id, item, filter_name)
        if self._busy and isinstance(item, (Ink, InkLine)):
            self._pending = job
        elif self._busy:
            self._queue.append(job)
        else:
            self._send(job)
        return self._next_id

    @property
    def latest_request(self) -> int:
        """The id of the newest request (results for older ones are stale)."""
        return self._next_id

    def cancel_pictures(self) -> None:
        """Stops the picture jobs asked for so far (the running one after its current line)."""
        self._worker.cancel_through = self._next_id

    def stop(self) -> None:
        """Stops the worker thread (waits for the running recognition)."""
        self._thread.quit()
        self._thread.wait(5000)

    def _send(self, job: tuple[int, Any, str]) -> None:
        self._busy = True
        self._recognizeRequested.emit(*job)

    def _next(self) -> None:
        self._busy = False
        if self._queue:
            self._send(self._queue.pop(0))
        elif self._pending is not None:
            job, self._pending = self._pending, None
            self._send(job)

    @Slot(object, float)
    def _on_loaded(self, bundle: ModelBundle, ms: float) -> None:
        self.bundle = bundle
        self.modelLoaded.emit(bundle, ms)

    @Slot(str, str)
    def _on_load_failed(self, target: str, message: str) -> None:
        self.modelFailed.emit(target, message)

    @Slot(object)
    def _on_done(self, result: Recognition) -> None:
        self._next()
        self.recognized.emit(result)

    @Slot(int, str, str)
    def _on_failed(self, request: int, source: str, message: str) -> None:
        self._next()
        self.failed.emit(request, source, message)

    @Slot(int, int, int)
    def _on_progress(self, request: int, done: int, total: int) -> None:
        self.progress.emit(request, done, total)
