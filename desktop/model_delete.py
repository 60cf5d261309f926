"""Model > Delete a trained model…: removes a bundle the user trained; the bundled models stay.

The current model is never deleted from under the window: the app switches to the default
model first and deletes once that one has loaded (if it fails to load, nothing is deleted).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from core.bundle import METADATA_FILE, ModelBundle, default_model_name, list_bundles
from core.errors import BundleError
from core.paths import bundled_models_dir, user_models_dir
from desktop import errors
from desktop.i18n import translate
from desktop.protocols import AppWindow


def trained_models() -> list[ModelBundle]:
    """The bundles in the user's models folder (what training and fine-tuning wrote)."""
    return list_bundles([user_models_dir()])


def remove_trained_bundle(path: Path) -> None:
    """Deletes a bundle folder, only when it is a real folder right inside the user's models folder.

    Raises:
        BundleError: for anything else (a bundled model, a link, a folder elsewhere, not a bundle).
    """
    root = user_models_dir().resolve()
    if path.is_symlink() or path.resolve().parent != root or not (path / METADATA_FILE).is_file():
        raise BundleError(f"Only a model in your models folder ({root}) can be deleted. Received: {path}")
    shutil.rmtree(path)


def ask_which(parent: QWidget, models: list[ModelBundle], current: ModelBundle | None) -> ModelBundle | None:
    """Lets the user pick one of ``models``; None when cancelled."""
    items = [f"{bundle.title}  ({bundle.name} {bundle.version})" for bundle in models]
    start = next((i for i, b in enumerate(models) if current is not None and b.path == current.path), 0)
    item, ok = QInputDialog.getItem(parent, translate("ModelDelete", "Delete a trained model"), translate(
            "ModelDelete", "Model to delete (the models that come with mojiyomi cannot be deleted):"),
                                    items, start, False)
    return models[items.index(item)] if ok and item in items else None


def confirm(parent: QWidget, bundle: ModelBundle, current: bool) -> bool:
    """Asks before deleting; "Cancel" is the default."""
    text = translate("ModelDelete", "Delete the model “{title}”? Its folder {path} is removed; this cannot be "
                     "undone.").format(title=bundle.title, path=str(bundle.path))
    if current:
        text += "\n\n" + translate("ModelDelete", "It is the current model: mojiyomi switches to {name} first.").format(
                name=default_model_name())
    box = QMessageBox(QMessageBox.Icon.Warning, translate("ModelDelete", "Delete a trained model"), text,
                      parent=parent)
    box.setObjectName("confirmDelete")
    delete = box.addButton(translate("ModelDelete", "Delete"), QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is delete


class _DeleteAfterSwitch(QObject):
    """Deletes ``bundle`` once the window has switched to another model; nothing if the switch fails."""

    def __init__(self, window: AppWindow, bundle: ModelBundle) -> None:
        super().__init__(window)
        self.window, self.bundle = window, bundle
        window.modelChanged.connect(self._switched)
        window.service.modelFailed.connect(self._failed)

    def _done(self) -> None:
        self.window.modelChanged.disconnect(self._switched)
        self.window.service.modelFailed.disconnect(self._failed)
        self.deleteLater()

    def _switched(self, bundle: ModelBundle) -> None:
        if bundle.path == self.bundle.path:
            return
        self._done()
        _delete(self.window, self.bundle)

    def _failed(self, target: str, message: str) -> None:
        self._done()
        errors.show_error(self.window, translate("ModelDelete", "The model was not deleted"), None, translate(
                "ModelDelete", "The default model could not be loaded, so {title} stays in use.").format(
                title=self.bundle.title))


def delete_trained_model(window: AppWindow) -> None:
    """Model > Delete a trained model…: pick, confirm, switch away if it is in use, delete."""
    models = trained_models()
    if not models:
        window.status_message(translate("ModelDelete", "There is no trained model to delete (the models that come "
                                        "with mojiyomi cannot be deleted)."), 6000)
        return
    current = window.current_bundle()
    bundle = ask_which(window, models, current)
    in_use = current is not None and bundle is not None and bundle.path == current.path
    if bundle is None or not confirm(window, bundle, in_use):
        return
    if in_use:
        _DeleteAfterSwitch(window, bundle)
        window.choose_model(str(bundled_models_dir() / default_model_name()))
        return
    _delete(window, bundle)


def _delete(window: AppWindow, bundle: ModelBundle) -> None:
    try:
        remove_trained_bundle(bundle.path)
    except (OSError, BundleError) as exc:
        errors.show_error(window, translate("ModelDelete", "The model was not deleted"), exc)
        return
    window.refresh_models()
    window.status_message(translate("ModelDelete", "Deleted the model “{title}”.").format(title=bundle.title), 6000)
