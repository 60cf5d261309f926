"""The Model menu and the models' loading: what is installed, which model is in use, which one the
user chose last, and what is said when one cannot be opened (the current one stays, or the default
takes its place)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu

from core.bundle import ModelBundle, list_bundles
from core.paths import user_models_dir
from desktop import errors
from desktop.i18n import translate
from desktop.model_delete import delete_trained_model
from desktop.protocols import AppWindow

#: QSettings key of the model the user chose last.
MODEL_SETTING = "model/chosen"


def remembered_model() -> str | None:
    """The model the user chose last time, if its folder is still there."""
    value = QSettings().value(MODEL_SETTING)
    return str(value) if value and Path(str(value)).is_dir() else None


class ModelChooser(QObject):
    """Fills the Model menu and follows the loading of models in the recognition worker.

    Args:
        window: The main window (its recognition service, status bar and model choice).
        menu: The Model menu.
        label: The status bar's "Model: …" label.

    Attributes:
        loading: The model being loaded (None: none).
        fallback: The model to try when the one being loaded fails (the default, at start-up).
        group: The menu's model actions, the one in use checked.
    """

    def __init__(self, window: AppWindow, menu: QMenu, label: QLabel) -> None:
        super().__init__(window)
        self.window = window
        self.menu = menu
        self.label = label
        self.loading: str | None = None
        self.fallback: str | None = None
        self._choice: str | None = None
        self.group = QActionGroup(window)

    def switch(self, name_or_path: str) -> None:
        """Loads another model in the background; on failure the current one stays."""
        self.loading = str(name_or_path)
        name = Path(str(name_or_path)).name
        self.label.setText(translate("MainWindow", "Loading {name}…").format(name=name))
        self.window.service.load(str(name_or_path))

    def choose(self, name_or_path: str) -> None:
        """The user's choice: loaded now, and remembered once it loaded (a bundle that fails never is)."""
        self._choice = str(name_or_path)
        self.switch(name_or_path)

    def refresh(self) -> None:
        """Rebuilds the Model menu from the installed bundles."""
        menu = self.menu
        menu.clear()
        for action in self.group.actions():
            self.group.removeAction(action)
        current = self.window.current_bundle()
        bundles = list_bundles()
        for bundle in bundles:
            action = menu.addAction(f"{bundle.title}  ({bundle.name} {bundle.version})")
            action.setCheckable(True)
            action.setData(str(bundle.path))
            action.setChecked(current is not None and bundle.path == current.path)
            action.triggered.connect(lambda _=False, p=str(bundle.path): self.choose(p))
            self.group.addAction(action)
        if not bundles:
            menu.addAction(translate("MainWindow", "No models installed")).setEnabled(False)
        menu.addSeparator()
        menu.addAction(translate("MainWindow", "Open model &folder…")).triggered.connect(self._open_folder)
        menu.addAction(translate("MainWindow", "&Refresh list")).triggered.connect(self.refresh)
        menu.addAction(translate("MainWindow", "&Delete a trained model…")).triggered.connect(
            lambda: delete_trained_model(self.window))

    def _open_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, translate(
                "MainWindow", "Open a model bundle folder"), str(user_models_dir()))
        if folder:
            self.choose(folder)

    def loaded(self, bundle: ModelBundle, ms: float) -> None:
        """A model is in use: it is remembered if the user chose it, and the menu and status bar say so."""
        self.loading = None
        if self._choice is not None:
            QSettings().setValue(MODEL_SETTING, self._choice)
            self._choice = None
        self.label.setText(translate("MainWindow", "Model: {title}").format(title=bundle.title))
        self.refresh()
        self.window.statusBar().showMessage(translate("MainWindow", "{title} ready ({ms} ms to load)").format(
            title=bundle.title, ms=f"{ms:.0f}"), 5000)

    def failed(self, target: str, message: str) -> None:
        """A model could not be opened: says why and what happens now (and tries the fallback, if any)."""
        self.loading = None
        self._choice = None
        current = self.window.current_bundle()
        fallback, self.fallback = self.fallback, None
        if current is not None:
            keep = translate("MainWindow", "Still using {title}.").format(title=current.title)
        elif fallback is not None:
            keep = translate("MainWindow", "Starting with the default model ({name}) instead.").format(name=fallback)
        elif not list_bundles():
            keep = translate("MainWindow", "No model is installed: train one (Training menu) or open a bundle "
                             "folder (Model menu).")
        else:
            keep = translate("MainWindow", "No model is loaded: choose one in the Model menu.")
        self.label.setText(translate("MainWindow", "Model: {title}").format(title=current.title) if current
                           else translate("MainWindow", "No model"))
        self.refresh()
        if current is None and fallback is not None:
            self.switch(fallback)
        errors.show_error(self.window, translate("MainWindow", "Could not open the model"), message, keep)
