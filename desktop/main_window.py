"""The main window: canvas, candidates, text line, and the menus that reach everything else."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtGui import (QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication,
                           QKeySequence)
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QMainWindow, QMenu, QPushButton, QVBoxLayout,
                               QWidget)

from core.bundle import ModelBundle, default_model_name, list_bundles
from core.charclass import FILTER_TITLES
from core.ink import Ink
from core.paths import user_models_dir
from core.recognizer import Candidate
from desktop import errors
from desktop.canvas import InkCanvas
from desktop.candidates import CandidatePanel
from desktop.recognition import Recognition, RecognitionService
from desktop.testhooks import write_e2e_report
from desktop.textline import CharInfo, TextLine, with_first
from desktop.reading_bar import ReadingBar
from desktop.writing import WritingController

log = logging.getLogger(__name__)

#: Picture files offered by File > Open.
OPEN_FILTER = "Pictures and ink (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp *.pgm *.json);;All files (*)"


#: QSettings key of the model the user chose last.
MODEL_SETTING = "model/chosen"


class MainWindow(QMainWindow):
    """The mojiyomi window.

    Signals:
        chosen(str, int, Ink, list): a candidate was chosen: label, its rank (0 = first),
            the ink (None for a picture) and the candidates shown at the time.
        candidatesShown(Recognition, float): candidates are on screen; the float is the
            time from the request (stroke end) to now, in ms.
        modelChanged(ModelBundle): a new model is in use.
    """

    chosen = Signal(str, int, object, object)
    candidatesShown = Signal(object, float)
    modelChanged = Signal(object)

    def __init__(self, model: str | None = None) -> None:
        super().__init__()
        self.setWindowTitle("mojiyomi")
        self.setAcceptDrops(True)
        self._filter = "all"
        self._requested_at: dict[int, float] = {}
        self._shown_ink: Ink | None = None
        self._loading: str | None = None
        self._fallback: str | None = None
        self.service = RecognitionService(self)
        self._build_central()
        self.writing = WritingController(self)
        self._build_menus()
        self._time_label = QLabel("")
        self._model_label = QLabel("Loading model…")
        self.statusBar().addPermanentWidget(self._time_label)
        self.statusBar().addPermanentWidget(self._model_label)
        self.service.modelLoaded.connect(self._on_model_loaded)
        self.service.modelFailed.connect(self._on_model_failed)
        self.service.recognized.connect(self._on_recognized)
        self.service.failed.connect(self._on_failed)
        self._restore_geometry()
        self.refresh_models()
        default = default_model_name()
        start = model or self.remembered_model() or default
        # A model named on the command line (or chosen last time) that cannot be opened
        # falls back to the default.
        self._fallback = default if start != default else None
        self.switch_model(start)
        self.canvas.setFocus()

    # -- building ----------------------------------------------------------------------------

    def _build_central(self) -> None:
        central = QWidget(self)
        outer = QVBoxLayout(central)
        row = QHBoxLayout()
        left = QVBoxLayout()
        self.canvas = InkCanvas(central)
        self.canvas.inkChanged.connect(self._on_ink_changed)
        left.addWidget(self.canvas, 1)
        buttons = QHBoxLayout()
        for text, slot, tip in (("Undo", self.canvas.undo, "Undo the last stroke (Ctrl+Z)"),
                                ("Redo", self.canvas.redo, "Redo (Ctrl+Shift+Z)"),
                                ("Clear", self.canvas.clear, "Clear the canvas (Esc)")):
            button = QPushButton(text, central)
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        left.addLayout(buttons)
        row.addLayout(left, 3)
        right = QVBoxLayout()
        self.reading_bar = ReadingBar(central)  # the reading of several characters (writing.py)
        right.addWidget(self.reading_bar)
        self.candidates = CandidatePanel(central)
        self.candidates.chosen.connect(self.choose)
        right.addWidget(self.candidates, 1)
        row.addLayout(right, 4)
        outer.addLayout(row, 1)
        self.text_line = TextLine(central)
        self.text_line.copied.connect(lambda _text: self.status_message("Text copied", 2000))
        self.text = self.text_line.edit
        outer.addWidget(self.text_line)
        self.setCentralWidget(central)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._add(file, "&Open picture or ink…", self.open_dialog, QKeySequence.StandardKey.Open)
        file.addSeparator()
        self._add(file, "&Quit", self.close, QKeySequence("Ctrl+Q"))
        edit = bar.addMenu("&Edit")
        self.undo_action = self._add(edit, "&Undo stroke", self.canvas.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self._add(edit, "&Redo stroke", self.canvas.redo, QKeySequence.StandardKey.Redo)
        clear = self._add(edit, "&Clear canvas", self.canvas.clear, QKeySequence(Qt.Key.Key_Escape))
        clear.setShortcuts([QKeySequence(Qt.Key.Key_Escape), QKeySequence(Qt.Key.Key_Delete)])
        edit.addSeparator()
        self._add(edit, "&Paste picture", self.paste, QKeySequence.StandardKey.Paste)
        self._add(edit, "Copy &text", self.text_line.copy, QKeySequence("Ctrl+Shift+C"))
        self._add(edit, "Clear te&xt", self.text.clear)
        view = bar.addMenu("&View")
        group = QActionGroup(self)
        for name, title in FILTER_TITLES.items():
            action = self._add(view, f"Show {title.lower()}" if name != "all" else "Show all candidates",
                               lambda _=False, n=name: self.set_filter(n))
            action.setCheckable(True)
            action.setChecked(name == "all")
            action.setData(name)
            group.addAction(action)
        self.filter_actions = group
        view.addSeparator()
        self.writing.populate_view_menu(view)
        self.model_menu = bar.addMenu("&Model")
        self._model_group = QActionGroup(self)
        self.samples_menu = bar.addMenu("&Samples")
        self.training_menu = bar.addMenu("&Training")
        self.training = _make_training_controller(self, self.samples_menu, self.training_menu)
        help_menu = bar.addMenu("&Help")
        self._add(help_menu, "&About mojiyomi", self._about)

    def _add(self, menu: QMenu, text: str, slot: Any, shortcut: Any = None) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(slot)
        if isinstance(shortcut, QKeySequence.StandardKey):
            action.setShortcuts(shortcut)  # every platform binding, e.g. both Ctrl+Y and Ctrl+Shift+Z
        elif shortcut is not None:
            action.setShortcut(shortcut)
        return action

    # -- models ------------------------------------------------------------------------------

    def current_bundle(self) -> ModelBundle | None:
        """The bundle recognizing now (None until one loaded)."""
        return self.service.bundle

    def switch_model(self, name_or_path: str) -> None:
        """Loads another model in the background; on failure the current one stays.

        Args:
            name_or_path: An installed bundle's name, or a bundle folder.
        """
        self._loading = str(name_or_path)
        self._model_label.setText(f"Loading {Path(str(name_or_path)).name}…")
        self.service.load(str(name_or_path))

    def refresh_models(self) -> None:
        """Rebuilds the Model menu from the installed bundles."""
        self.model_menu.clear()
        for action in self._model_group.actions():
            self._model_group.removeAction(action)
        current = self.current_bundle()
        bundles = list_bundles()
        for bundle in bundles:
            action = self.model_menu.addAction(f"{bundle.title}  ({bundle.name} {bundle.version})")
            action.setCheckable(True)
            action.setData(str(bundle.path))
            action.setChecked(current is not None and bundle.path == current.path)
            action.triggered.connect(lambda _=False, p=str(bundle.path): self.choose_model(p))
            self._model_group.addAction(action)
        if not bundles:
            self.model_menu.addAction("No models installed").setEnabled(False)
        self.model_menu.addSeparator()
        self._add(self.model_menu, "Open model &folder…", self._open_model_folder)
        self._add(self.model_menu, "&Refresh list", self.refresh_models)

    def _open_model_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a model bundle folder", str(user_models_dir()))
        if folder:
            self.choose_model(folder)

    def choose_model(self, name_or_path: str) -> None:
        """The user's choice of model: loaded now, and opened again at the next start."""
        QSettings().setValue(MODEL_SETTING, str(name_or_path))
        self.switch_model(name_or_path)

    @staticmethod
    def remembered_model() -> str | None:
        """The model the user chose last time, if its folder is still there."""
        value = QSettings().value(MODEL_SETTING)
        return str(value) if value and Path(str(value)).is_dir() else None

    @Slot(object, float)
    def _on_model_loaded(self, bundle: ModelBundle, ms: float) -> None:
        self._loading = None
        self._model_label.setText(f"Model: {bundle.title}")
        self.refresh_models()
        self.statusBar().showMessage(f"{bundle.title} ready ({ms:.0f} ms to load)", 5000)
        self.modelChanged.emit(bundle)
        write_e2e_report(self, None, 0.0)
        self.recognize_canvas()

    @Slot(str, str)
    def _on_model_failed(self, target: str, message: str) -> None:
        self._loading = None
        current = self.current_bundle()
        fallback, self._fallback = self._fallback, None
        if current is not None:
            keep = f"Still using {current.title}."
        elif fallback is not None:
            keep = f"Starting with the default model ({fallback}) instead."
        elif not list_bundles():
            keep = "No model is installed: train one (Training menu) or open a bundle folder (Model menu)."
        else:
            keep = "No model is loaded: choose one in the Model menu."
        self._model_label.setText(f"Model: {current.title}" if current else "No model")
        self.refresh_models()
        if current is None and fallback is not None:
            self.switch_model(fallback)
        errors.show_error(self, "Could not open the model", f"{message}\n\n{keep}")

    # -- recognition -------------------------------------------------------------------------

    def set_filter(self, name: str) -> None:
        """Restricts candidates to a kind of character (``all``, ``digits``, ``kana``, ``kanji``)."""
        self._filter = name
        for action in self.filter_actions.actions():
            action.setChecked(action.data() == name)
        self.recognize_canvas()

    def recognize_canvas(self) -> None:
        """Asks again for what is on the canvas (after a change of model, filter or writing mode)."""
        if not self.canvas.is_empty():
            self._request(self.writing.item(self.canvas.ink()))

    @Slot(object)
    def _on_ink_changed(self, ink: Ink) -> None:
        self.undo_action.setEnabled(self.canvas.can_undo())
        self.redo_action.setEnabled(self.canvas.can_redo())
        self.writing.ink_changed(ink)
        if ink.is_empty:
            self._requested_at.clear()
            self._shown_ink = None
            self.candidates.set_candidates([])
            return
        if self.current_bundle() is None and self._loading is None:
            # One message box per stroke would be a nuisance; the Model menu is the way out.
            self.status_message("No model is loaded: choose one in the Model menu.")
            return
        self._request(self.writing.item(ink))

    def _request(self, item: Any) -> int:
        request = self.service.request(item, self._filter)
        self._requested_at[request] = time.perf_counter()
        return request

    @Slot(object)
    def _on_recognized(self, result: Recognition) -> None:
        started = self._requested_at.pop(result.request, None)
        if result.source == "ink" and (result.request != self.service.latest_request or self.canvas.is_empty()):
            return  # stale: the ink changed since
        self._shown_ink = result.ink
        if result.reading is not None:
            self.writing.show(result)
        else:
            self.candidates.set_candidates(result.candidates)  # for a picture: its first character's
        total = (time.perf_counter() - started) * 1000.0 if started else result.ms
        self._time_label.setText(f"{total:.1f} ms")
        self._time_label.setToolTip(f"Last recognition: {total:.1f} ms from the request to the candidates "
                                    f"(reading, preprocessing and model: {result.ms:.1f} ms)")
        if len(result.characters) > 1 and result.reading is None:
            self.text_line.insert_chars([CharInfo(c[0].label, c, None, c[0].label) for c in result.characters if c])
            self.status_message(f"Read {len(result.characters)} characters from the picture: {result.text}", 8000)
        self.candidatesShown.emit(result, total)
        write_e2e_report(self, result, total)

    @Slot(int, str, str)
    def _on_failed(self, request: int, source: str, message: str) -> None:
        self._requested_at.pop(request, None)
        if source == "ink" and request != self.service.latest_request:
            return
        what = "the writing" if source == "ink" else Path(source).name if source != "picture" else "the picture"
        errors.show_error(self, f"Could not recognize {what}", message)

    @Slot(int, object)
    def choose(self, rank: int, candidate: Candidate) -> None:
        """Appends a chosen candidate and clears the canvas (or ``WritingController.pick`` replaces a character)."""
        if self.writing.pick(rank, candidate):
            return
        shown = self.candidates.candidates()
        ink, original = self._shown_ink, shown[0].label if shown else candidate.label
        sample = self.writing.keep_sample(None, candidate.label, ink, shown, original)
        self.text_line.insert_chars([CharInfo(candidate.label, with_first(shown, candidate.label), ink, original,
                                              sample)])
        self.canvas.clear()
        self.candidates.set_candidates([])
        self.chosen.emit(candidate.label, rank, ink, shown)
        write_e2e_report(self, None, 0.0)

    # -- files, drops and the clipboard --------------------------------------------------------

    def open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open pictures or ink", str(Path.home()), OPEN_FILTER)
        self.open_files(paths)

    def open_files(self, paths: list[str]) -> None:
        """Recognizes picture files and shows ink JSON files on the canvas."""
        for path in paths:
            if path.lower().endswith((".json", ".ink")):
                self._open_ink(path)
            else:
                self._request(path)

    def _open_ink(self, path: str) -> None:
        from core.errors import MojiyomiError
        from core.ink import load_ink

        try:
            ink = load_ink(path).validate()
        except (MojiyomiError, OSError, ValueError) as exc:
            errors.show_error(self, f"Could not open {Path(path).name}", exc)
            return
        self.canvas.set_ink(ink)

    def paste(self) -> None:
        """Recognizes a picture (or picture files) from the clipboard."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasImage():
            self._request_qimage(QGuiApplication.clipboard().image(), "Could not paste the picture")
        elif mime is not None and mime.hasUrls():
            self.open_files([u.toLocalFile() for u in mime.urls() if u.isLocalFile()])
        else:
            errors.show_error(self, "Nothing to paste", "The clipboard holds no picture. Copy a picture of "
                              "handwriting (or an image file) first.")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasImage() or (mime.hasUrls() and any(u.isLocalFile() for u in mime.urls())):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        event.acceptProposedAction()
        if mime.hasUrls():
            self.open_files([u.toLocalFile() for u in mime.urls() if u.isLocalFile()])
        elif mime.hasImage():
            self._request_qimage(mime.imageData(), "Could not read the dropped picture")

    def _request_qimage(self, image: Any, title: str) -> None:
        from core.errors import InputError
        from desktop.qtimage import qimage_to_grey

        try:
            self._request(qimage_to_grey(image))
        except (InputError, TypeError) as exc:  # TypeError: the data was no QImage
            errors.show_error(self, title, exc)

    def status_message(self, text: str, ms: int = 5000) -> None:
        """Shows a transient message in the status bar."""
        self.statusBar().showMessage(text, ms)

    # -- closing -------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.training is not None and not self.training.confirm_close():
            event.ignore()
            return
        if self.training is not None:
            self.training.shutdown()
        QSettings().setValue("window/geometry", self.saveGeometry())
        self.service.stop()
        event.accept()

    def _restore_geometry(self) -> None:
        geometry = QSettings().value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(900, 560)

    def _about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(self, "About mojiyomi", about_text(self.current_bundle()))


def about_text(bundle: ModelBundle | None) -> str:
    """The About box: what mojiyomi is, and the current model with its sources' credits."""
    lines = ["mojiyomi 文字読み — handwriting recognition for Japanese and digits.",
             "Write on the canvas, open a picture, or train your own model."]
    if bundle is not None:
        lines += ["", f"Model: {bundle.title} ({bundle.name} {bundle.version}, {len(bundle.labels)} classes)"]
        trained = bundle.metadata.get("training", {})
        if trained.get("hardware"):
            lines.append(f"Trained on {trained['hardware']} in {training_minutes(trained)}.")
        if bundle.metadata.get("attribution"):
            lines.append(str(bundle.metadata["attribution"]))
    return "\n".join(lines)


def training_minutes(trained: dict) -> str:
    """How long a model's training took, its earlier stages included ("116 min (72 + 44)").

    A model trained on from another bundle (``init_from``) carries that bundle's training.
    """
    stages = []
    while trained:
        stages.insert(0, round(float(trained.get("seconds", 0)) / 60))
        trained = (trained.get("init_from") or {}).get("training") or {}
    total = f"{sum(stages)} min"
    return total if len(stages) == 1 else f"{total} ({' + '.join(map(str, stages))})"


def _make_training_controller(window: MainWindow, samples: QMenu, training: QMenu) -> Any:
    """The Training and Samples menus' controller, or disabled menus if it cannot start."""
    try:
        from desktop.training_ui import TrainingController
    except ImportError:
        log.info("training UI not available", exc_info=True)
        for menu in (samples, training):
            menu.addAction("Not available in this installation").setEnabled(False)
        return None
    controller = TrainingController(window)
    controller.populate_samples_menu(samples)
    controller.populate_training_menu(training)
    return controller

