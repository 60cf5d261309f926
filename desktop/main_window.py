"""The main window: canvas, candidates, text line, and the menus that reach everything else."""

from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QMenu, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from core.bundle import ModelBundle, default_model_name
from core.charsets import WidthForm
from core.ink import Ink
from core.recognizer import Candidate
from desktop import errors
from desktop.about import show_about
from desktop.candidates import CandidatePanel
from desktop.canvas import InkCanvas
from desktop.i18n import LANGUAGE_SETTING, LANGUAGES, chosen_language, translate
from desktop.menus import check_choice, choice_group
from desktop.model_menu import ModelChooser, remembered_model
from desktop.opening import Opener, can_drop
from desktop.picture_view import PictureView
from desktop.protocols import AppWindow
from desktop.reading_bar import ReadingBar
from desktop.readings_panel import ReadingsController
from desktop.recognition import InkLine, Recognition, RecognitionService
from desktop.status_labels import StatusLabels
from desktop.stroke_order import stroke_order_section
from desktop.testhooks import write_e2e_report
from desktop.text_form import TextFormController
from desktop.textline import CharInfo, TextLine, with_first
from desktop.view_filter import filter_note, filter_titles, populate_filter_menu
from desktop.writing import WritingController

log = logging.getLogger(__name__)

#: The smallest window in which the canvas and all ten candidates stay legible.
MINIMUM_SIZE = (480, 320)


class MainWindow(AppWindow):
    """The mojiyomi window.

    Signals:
        chosen(str, int, Ink, list): a candidate was chosen: label, its rank (0 = first),
            the ink (None for a picture) and the candidates shown at the time.
        candidatesShown(Recognition, float): candidates are on screen; the float is the
            time from the request (stroke end) to now, in ms.
        modelChanged(ModelBundle): a new model is in use.
    """

    chosen = Signal(str, int, object, object)
    candidatesShown = Signal(object, float)  # modelChanged is AppWindow's

    writing: WritingController
    training: Any  # a TrainingController, or None where the training UI cannot start

    def __init__(self, model: str | None = None) -> None:
        super().__init__()
        self.setWindowTitle("mojiyomi")
        self.setAcceptDrops(True)
        self._filter = "all"
        self._requested_at: dict[int, float] = {}
        self._shown_ink: Ink | None = None
        self.service = RecognitionService(self)
        # The width form the text line, the candidates and the picture view read (Edit menu; automatic:
        # full-width with a Japanese model).
        self.text_form = TextFormController(lambda: bundle.labels if (bundle := self.current_bundle()) else (), self)
        self._build_central()
        self.writing = WritingController(self)
        self._build_menus()
        self.status_labels = StatusLabels(self)
        self.models = ModelChooser(self, self.model_menu, self.status_labels.model)
        self.service.modelLoaded.connect(self._on_model_loaded)
        self.service.modelFailed.connect(self.models.failed)
        self.service.recognized.connect(self._on_recognized)
        self.service.failed.connect(self._on_failed)
        # An explicit minimum would override the layout's; never go below what the widgets need.
        needed = self.minimumSizeHint()
        self.setMinimumSize(max(MINIMUM_SIZE[0], needed.width()), max(MINIMUM_SIZE[1], needed.height()))
        self._restore_geometry()
        self.refresh_models()
        default = default_model_name()
        start = model or remembered_model() or default
        # A model named on the command line (or chosen last time) that cannot be opened
        # falls back to the default.
        self.models.fallback = default if start != default else None
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
        for text, slot, tip in (
                (translate("MainWindow", "Undo"), self.canvas.undo, translate(
                        "MainWindow", "Undo the last stroke (Ctrl+Z)")),
                (translate("MainWindow", "Redo"), self.canvas.redo, translate("MainWindow", "Redo (Ctrl+Shift+Z)")),
                (translate("MainWindow", "Clear"), self.canvas.erase,
                 translate("MainWindow", "Clear the canvas (Esc; Ctrl+Z brings it back)"))):
            button = QPushButton(text, central)
            button.setToolTip(tip)
            button.setMinimumWidth(56)  # below its text's width: the window's 480 px minimum must fit them
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        left.addLayout(buttons)
        row.addLayout(left, 3)
        right = QVBoxLayout()
        self.reading_bar = ReadingBar(central)  # the reading of several characters (writing.py)
        right.addWidget(self.reading_bar)
        self.candidates = CandidatePanel(central, self.text_form.width)
        self.candidates.chosen.connect(self.choose)
        right.addWidget(self.candidates, 1)
        row.addLayout(right, 4)
        self._writing_page = QWidget(central)
        self._writing_page.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)  # the outer layout's margins are enough
        self.pages = QStackedWidget(central)  # the canvas, or an opened picture in its place
        self.pages.addWidget(self._writing_page)
        outer.addWidget(self.pages, 1)
        self.text_line = TextLine(central, self.text_form.width)
        self.text_line.copied.connect(lambda _text: self.status_message(translate("MainWindow", "Text copied"), 2000))
        self.text = self.text_line.edit
        outer.addWidget(self.text_line)
        self.pictures = PictureView(self.service, self.text_line, lambda: self._filter, central)
        self.pictures.activeChanged.connect(self._show_pictures)
        self.opener = Opener(self, self.canvas, self.pictures)
        self.pages.addWidget(self.pictures)
        self.setCentralWidget(central)

    @Slot(bool)
    def _show_pictures(self, shown: bool) -> None:
        """The picture view takes the canvas's place while a picture is open."""
        self.pages.setCurrentWidget(self.pictures if shown else self._writing_page)
        (self.pictures if shown else self.canvas).setFocus()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu(translate("MainWindow", "&File"))
        self._add(file, translate(
                "MainWindow", "&Open picture or ink…"), self.open_dialog, QKeySequence.StandardKey.Open)
        file.addSeparator()
        self._add(file, translate("MainWindow", "&Quit"), self.close, QKeySequence("Ctrl+Q"))
        edit = bar.addMenu(translate("MainWindow", "&Edit"))
        self.undo_action = self._add(edit, translate("MainWindow", "&Undo stroke"), self.canvas.undo,
                                     QKeySequence.StandardKey.Undo)
        self.redo_action = self._add(edit, translate("MainWindow", "&Redo stroke"), self.canvas.redo,
                                     QKeySequence.StandardKey.Redo)
        clear = self._add(edit, translate("MainWindow", "&Clear canvas"), self.canvas.erase,
                          QKeySequence(Qt.Key.Key_Escape))
        clear.setShortcuts([QKeySequence(Qt.Key.Key_Escape), QKeySequence(Qt.Key.Key_Delete)])
        edit.addSeparator()
        self._add(edit, translate("MainWindow", "&Paste picture"), self.paste, QKeySequence.StandardKey.Paste)
        self._add(edit, translate("MainWindow", "Copy &text"), self.text_line.copy, QKeySequence("Ctrl+Shift+C"))
        self._add(edit, translate("MainWindow", "Clear te&xt"), self.text.clear)
        edit.addSeparator()
        self.text_form.populate_menu(edit.addMenu(translate("MainWindow", "&Width of letters and digits")))
        self.text_form.changed.connect(self._apply_width)
        view = bar.addMenu(translate("MainWindow", "&View"))
        self.filter_actions = populate_filter_menu(view, self.set_filter, self)
        view.addSeparator()
        self.writing.populate_view_menu(view)
        view.addSeparator()
        self.readings = ReadingsController(self, view, self.candidates)  # the dock is made when first shown
        self.candidatesShown.connect(self.readings.follow_candidates)
        self.chosen.connect(self.readings.on_chosen)
        self.text_line.charSelected.connect(self.readings.select)
        self.readings.add_section(lambda panel: stroke_order_section(panel, self.practise))
        self._build_language_menu(view.addMenu(translate("MainWindow", "&Language")))
        self.model_menu = bar.addMenu(translate("MainWindow", "&Model"))
        self.samples_menu = bar.addMenu(translate("MainWindow", "&Samples"))
        self.training_menu = bar.addMenu(translate("MainWindow", "&Training"))
        self.training = _make_training_controller(self, self.samples_menu, self.training_menu)
        help_menu = bar.addMenu(translate("MainWindow", "&Help"))
        self._add(help_menu, translate("MainWindow", "&About mojiyomi"), self._about)

    def _build_language_menu(self, menu: QMenu) -> None:
        titles = {"system": translate("MainWindow", "System language"), **LANGUAGES}
        self.language_actions = choice_group(menu, titles, chosen_language(), self.set_language, self)

    @Slot(str)
    def _apply_width(self, width: WidthForm) -> None:
        """What is on screen is drawn again in ``width`` form, which the widgets read from ``text_form``."""
        self.candidates.redraw()
        self.pictures.redraw()
        self.writing.refresh()

    def practise(self, char: str) -> None:
        """Practice on ``char``, its strokes faintly on the canvas (the stroke-order view's Practise)."""
        if self.training is None:  # Practice comes with the training UI
            self.status_message(translate("MainWindow", "Not available in this installation"))
            return
        self.training.practice_characters(char, guide=True)

    def set_language(self, code: str) -> None:
        """Remembers the interface language (``system``, ``en`` or ``ja``); it applies at the next start."""
        QSettings().setValue(LANGUAGE_SETTING, code)
        check_choice(self.language_actions, code)
        self.status_message(translate("MainWindow", "The new language applies when mojiyomi starts again."), 8000)

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
        self.models.switch(name_or_path)

    def refresh_models(self) -> None:
        """Rebuilds the Model menu from the installed bundles."""
        self.models.refresh()

    def choose_model(self, name_or_path: str) -> None:
        """The user's choice of model: loaded now, and opened again at the next start once it loaded.

        A bundle that fails to load is never remembered (it would fail again at every start).
        """
        self.models.choose(name_or_path)

    @Slot(object, float)
    def _on_model_loaded(self, bundle: ModelBundle, ms: float) -> None:
        self.models.loaded(bundle, ms)
        self.modelChanged.emit(bundle)
        self.text_form.apply()  # automatic width: full-width with a Japanese model (drawn again only if it changed)
        self._show_filter()
        write_e2e_report(self, None, 0.0)
        self.recognize_canvas()
        self.pictures.model_changed()

    # -- recognition -------------------------------------------------------------------------

    def set_filter(self, name: str) -> None:
        """Restricts candidates to a kind of character (``all``, ``digits``, ``kana``, ``kanji``)."""
        self._filter = name
        check_choice(self.filter_actions, name)
        self._show_filter()
        self.recognize_canvas()
        self.pictures.filter_changed()

    def filter_note(self) -> str | None:
        """Says so when the View filter leaves none of the current model's characters (None when it fits)."""
        bundle = self.current_bundle()
        return filter_note(self._filter, bundle.labels if bundle is not None else None)

    def _show_filter(self) -> None:
        """The status bar says which filter is on, and the candidate area says when it matches nothing."""
        on = self._filter != "all"
        self.status_labels.filter.setText(filter_titles()[self._filter] if on else "")
        self.status_labels.filter.setVisible(on)
        note = self.filter_note()
        if note is not None:
            self.candidates.set_candidates([], note)
        elif not self.candidates.candidates():
            self.candidates.set_candidates([])

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
        if self.current_bundle() is None and self.models.loading is None:
            # One message box per stroke would be a nuisance; the Model menu is the way out.
            self.status_message(translate("MainWindow", "No model is loaded: choose one in the Model menu."))
            return
        self._request(self.writing.item(ink))

    def _request(self, item: Ink | InkLine) -> int:
        request = self.service.request(item, self._filter)
        self._requested_at[request] = time.perf_counter()
        return request

    @Slot(object)
    def _on_recognized(self, result: Recognition) -> None:
        if self.pictures.owns(result.request):
            return
        started = self._requested_at.pop(result.request, None)
        if result.request != self.service.latest_request or self.canvas.is_empty():
            return  # stale: the ink changed since (the window asks only for ink; pictures are the view's)
        self._shown_ink = result.ink
        if result.reading is not None:
            self.writing.show(result)
        else:
            self.candidates.set_candidates(result.candidates, None if result.candidates else self.filter_note())
        total = (time.perf_counter() - started) * 1000.0 if started else result.ms
        self.status_labels.time.setText(f"{total:.1f} ms")
        self.status_labels.time.setToolTip(translate(
            "MainWindow", "Last recognition: {total} ms from the request to the candidates "
            "(reading, preprocessing and model: {model} ms)").format(total=f"{total:.1f}", model=f"{result.ms:.1f}"))
        self.candidatesShown.emit(result, total)
        write_e2e_report(self, result, total)

    @Slot(int, str, str)
    def _on_failed(self, request: int, source: str, message: str) -> None:
        if self.pictures.owns(request):
            return
        self._requested_at.pop(request, None)
        if request != self.service.latest_request:
            return  # stale: the ink changed since (the window asks only for ink; pictures are the view's)
        errors.show_error(self, translate("MainWindow", "Could not recognize the writing"), message)

    @Slot(int, object)
    def choose(self, rank: int, candidate: Candidate) -> None:
        """Appends a chosen candidate and clears the canvas (or ``WritingController.pick`` replaces a character)."""
        if self.writing.pick(rank, candidate):
            self.readings.select(candidate.label)  # a text-line character or one of the reading's, replaced
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
        """File > Open."""
        self.opener.open_dialog()

    def open_files(self, paths: list[str]) -> None:
        """Recognizes picture files and shows ink JSON files on the canvas."""
        self.opener.open_files(paths)

    def paste(self) -> None:
        """Recognizes a picture (or picture files) from the clipboard."""
        self.opener.paste()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if can_drop(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        event.acceptProposedAction()
        self.opener.drop(event.mimeData())

    def status_message(self, text: str, ms: int = 5000) -> None:
        """Shows a transient message in the status bar."""
        self.statusBar().showMessage(text, ms)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.status_labels.fit(self.statusBar().currentMessage())

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
        show_about(self, self.current_bundle())


def _make_training_controller(window: MainWindow, samples: QMenu, training: QMenu) -> Any:
    """The Training and Samples menus' controller, or disabled menus if it cannot start."""
    try:
        from desktop.training_ui import TrainingController
    except ImportError:
        log.info("training UI not available", exc_info=True)
        for menu in (samples, training):
            menu.addAction(translate("MainWindow", "Not available in this installation")).setEnabled(False)
        return None
    controller = TrainingController(window)
    controller.populate_samples_menu(samples)
    controller.populate_training_menu(training)
    # Picture samples go into the same database, and an open My samples window lists them at once.
    window.pictures.store = controller.store
    window.pictures.sampleSaved.connect(controller.sample_saved)
    return controller

