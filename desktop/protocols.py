"""The main window as the modules it builds see it, so they need not import ``desktop.main_window``.

``WritingController``, ``TrainingController``, the model deleter and the test hooks are made by the main
window and call back into it. Typing them against ``MainWindow`` made type-only import
cycles (main_window → writing → main_window...). They are typed against ``AppWindow``
instead, which ``MainWindow`` implements; the parts of the window that are themselves
controllers are the small protocols below, so this module imports none of them.

``AppWindow`` is a ``QMainWindow`` subclass, not a ``typing.Protocol``: the controllers
also pass the window on as a Qt parent (dialogs, message boxes, ``QObject`` ownership), and
a protocol cannot say "a ``QMainWindow`` that also has these members".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMainWindow

if TYPE_CHECKING:  # annotations only: core.bundle pulls in NumPy and OpenCV, which start-up defers
    from core.bundle import ModelBundle
    from core.ink import Ink
    from core.recognizer import Candidate
    from desktop.candidates import CandidatePanel
    from desktop.canvas import InkCanvas
    from desktop.reading_bar import ReadingBar
    from desktop.recognition import RecognitionService
    from desktop.textline import CharLineEdit, TextLine

__all__ = ["AppWindow", "ReadingText", "SampleKeeper"]


class SampleKeeper(Protocol):
    """What the writing controller asks of the training controller (``desktop.training_ui``)."""

    def record_choice(self, label: str, rank: int, ink: Ink, candidates: list[Candidate]) -> int | None:
        """Keeps a chosen candidate as a sample; returns its id (None: not kept)."""
        ...

    def forget_sample(self, sample_id: int, quiet: bool = False) -> None:
        """Removes a sample kept a moment ago."""
        ...


class ReadingText(Protocol):
    """What the test hooks read of the writing controller (``desktop.writing``)."""

    def text(self) -> str:
        """The current reading of the canvas."""
        ...


class AppWindow(QMainWindow):
    """The main window's members its controllers and hooks use (``MainWindow`` fills them in).

    Signals:
        modelChanged(ModelBundle): a new model is in use.

    Attributes:
        canvas: Where the user writes.
        candidates: The candidate buttons.
        text_line: The text being written, with each character's candidates.
        text: ``text_line``'s edit field.
        reading_bar: The reading of several characters.
        service: Loads models and recognizes off the UI thread.
        writing: The writing controller.
        training: The training controller (None when it could not be made).
    """

    modelChanged = Signal(object)

    canvas: InkCanvas
    candidates: CandidatePanel
    text_line: TextLine
    text: CharLineEdit
    reading_bar: ReadingBar
    service: RecognitionService
    writing: ReadingText
    training: SampleKeeper | None

    def current_bundle(self) -> ModelBundle | None:
        """The model in use (None while none is loaded)."""
        raise NotImplementedError

    def status_message(self, text: str, ms: int = 5000) -> None:
        """Shows ``text`` in the status bar for ``ms`` milliseconds."""
        raise NotImplementedError

    def refresh_models(self) -> None:
        """Lists the models again (one was added or removed)."""
        raise NotImplementedError

    def choose_model(self, name_or_path: str) -> None:
        """Switches to a model as if the user picked it in the Model menu."""
        raise NotImplementedError

    def recognize_canvas(self) -> None:
        """Recognizes what the canvas holds now."""
        raise NotImplementedError
