"""The Train dialog (a new model from a dataset), and the small parts the job dialogs share.

The fine-tune dialog is ``desktop.finetune_dialog``; what a finished job reached, and the
question whether to switch to its model, are ``desktop.job_verdicts``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from core.paths import user_models_dir
from desktop.i18n import translate, translate_error

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: Box side relative to the input side, as the bundled digits model (20 of 28 pixels).
_BOX_RATIO = 20 / 28


def dataset_kinds() -> dict[str, str]:
    """``training.datasets.readers.detect_kind``'s names as the Train dialog says them."""
    return {"idx": translate("TrainDialog", "MNIST IDX files"),
            "folder": translate("TrainDialog", "pictures, one sub-folder per label"),
            "npz": translate("TrainDialog", "NumPy arrays (.npz)"),
            "ink": translate("TrainDialog", "ink, one JSON object per line"),
            "tdic": translate("TrainDialog", "Tomoe dictionary (.tdic)"),
            "samples": translate("TrainDialog", "a samples database"),
            "etl": translate("TrainDialog", "ETL files"),
            "keras": translate("TrainDialog", "a Keras dataset")}


#: QSettings group where the Train dialog keeps its settings between openings.
SETTINGS_GROUP = "trainDialog"


class TrainDialog(QDialog):
    """Train a new model: dataset, backbone, epochs... ``config()`` gives a ``TrainConfig`` as JSON.

    The dialog says which kind of dataset it found and remembers its settings (in the app's
    settings, under the data folder) for the next time. A name that an installed model, a
    folder in the models folder, an interrupted run or a running job already has is refused.
    The input size is sent only when the user set it: otherwise the data's own preprocessing
    (a generated dataset's ``manifest.json``) is adopted, and the dialog shows it.

    Args:
        parent: The owning window.
        reserved: Folders that running jobs will write (their names are taken).
    """

    def __init__(self, parent: QWidget | None = None, reserved: Collection[Path] = ()) -> None:
        from training.backbones import BACKBONES

        super().__init__(parent)
        self.setWindowTitle(translate("TrainDialog", "Train a new model"))
        self._reserved = set(reserved)
        self._size_given = False
        self._restoring = False
        self._data_preprocessing: Any = None
        self._taken: set[str] | None = None
        form = self._form = QFormLayout()
        self.data = QLineEdit(self)
        self.data.setPlaceholderText(translate(
                "TrainDialog", "MNIST folder, image folder, .jsonl, .npz, .tdic or ETL files"))
        # Room for a path and the placeholder: in the font's own units, so it holds at 2x and in Japanese.
        self.data.setMinimumWidth(self.data.fontMetrics().horizontalAdvance(self.data.placeholderText()) + 24)
        form.addRow(translate("TrainDialog", "Dataset"), self._dataset_row())
        self.kind = QLabel(self)
        self.kind.setObjectName("datasetKind")
        self.kind.setWordWrap(True)
        form.addRow("", self.kind)
        self.backbone = QComboBox(self)
        self.backbone.addItems(sorted(BACKBONES))
        self.backbone.setCurrentText("simple-cnn")
        form.addRow(translate("TrainDialog", "Model"), self.backbone)
        self.epochs = spin_box(self, 1, 500, 15)
        form.addRow(translate("TrainDialog", "Epochs"), self.epochs)
        self.batch = spin_box(self, 1, 4096, 128)
        form.addRow(translate("TrainDialog", "Batch size"), self.batch)
        self.input_size = spin_box(self, 8, 512, 28)
        form.addRow(translate("TrainDialog", "Input size (pixels)"), self.input_size)
        self.limit = spin_box(self, 0, 100_000_000, 0)
        self.limit.setSpecialValueText(translate("TrainDialog", "all samples"))
        form.addRow(translate("TrainDialog", "Read at most"), self.limit)
        self.rate = QDoubleSpinBox(self)
        self.rate.setDecimals(5)
        self.rate.setRange(1e-5, 0.5)
        self.rate.setSingleStep(1e-4)
        self.rate.setValue(2e-3)
        form.addRow(translate("TrainDialog", "Learning rate"), self.rate)
        self.name = QLineEdit("my-model", self)
        form.addRow(translate("TrainDialog", "Name"), self.name)
        self.problem = QLabel(self)
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.setPalette(error_palette(self.palette()))
        self.buttons = dialog_buttons(self, translate("TrainDialog", "Start training"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._restore()
        self.input_size.valueChanged.connect(self._size_edited)
        self.data.textChanged.connect(self._data_changed)
        for signal in (self.name.textChanged, self.backbone.currentTextChanged, self.limit.valueChanged):
            signal.connect(self._check)
        self.accepted.connect(self._remember)
        self._data_changed()

    def _dataset_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(self.data, 1)
        for text, folder in ((translate("TrainDialog", "Folder…"), True),
                             (translate("TrainDialog", "File…"), False)):
            button = QPushButton(text, self)
            button.clicked.connect(lambda _=False, f=folder: self._browse(f))
            row.addWidget(button)
        return row

    def _browse(self, folder: bool) -> None:
        path = (QFileDialog.getExistingDirectory(self, translate("TrainDialog", "Choose the dataset folder"))
                if folder else QFileDialog.getOpenFileName(self, translate("TrainDialog", "Choose the dataset file"))[0])
        if path:
            self.data.setText(path)

    # -- settings kept between openings --------------------------------------------------------------

    def _restore(self) -> None:
        """Shows the settings of the last run started from this dialog (the name is proposed afresh)."""
        settings = QSettings()
        settings.beginGroup(SETTINGS_GROUP)
        self._restoring = True
        try:
            self.data.setText(str(settings.value("data", "")))
            backbone = str(settings.value("backbone", "simple-cnn"))
            if self.backbone.findText(backbone) >= 0:
                self.backbone.setCurrentText(backbone)
            for spin, key in ((self.epochs, "epochs"), (self.batch, "batch_size"), (self.limit, "limit"),
                              (self.input_size, "input_size")):
                spin.setValue(_setting_int(settings.value(key), spin.value()))
            self.rate.setValue(_setting_float(settings.value("learning_rate"), self.rate.value()))
            self._size_given = str(settings.value("input_size_given", "false")).lower() == "true"
        finally:
            self._restoring = False
            settings.endGroup()
        self.name.setText(self.free_name(self.name.text()))

    def _remember(self) -> None:
        settings = QSettings()
        settings.beginGroup(SETTINGS_GROUP)
        for key, value in (("data", self.data.text().strip()), ("backbone", self.backbone.currentText()),
                           ("epochs", self.epochs.value()), ("batch_size", self.batch.value()),
                           ("limit", self.limit.value()), ("learning_rate", self.rate.value()),
                           ("input_size", self.input_size.value()), ("input_size_given", self._size_given)):
            settings.setValue(key, value)
        settings.endGroup()

    # -- what the data is ----------------------------------------------------------------------------

    def _size_edited(self) -> None:
        if not self._restoring:
            self._size_given = True
        self._check()

    def _data_changed(self) -> None:
        """Says which kind of dataset the path is, and shows the preprocessing its manifest records."""
        from core.errors import DatasetError
        from training.datasets.readers import detect_kind
        from training.spec_check import data_spec

        text = self.data.text().strip()
        self._data_preprocessing = None
        self.kind.setText("")
        if text:
            path = Path(text).expanduser()
            try:
                kind = detect_kind(path)
                self.kind.setText(translate("TrainDialog", "Found: {kind}").format(kind=dataset_kinds().get(kind, kind)))
                found = data_spec(path)
            except DatasetError:
                found = None  # problems() says what is wrong
            if found is not None:
                self._data_preprocessing = found.spec
                self.kind.setText(self.kind.text() + "\n" + translate(
                        "TrainDialog", "Made with input size {size}, box {box}, pen {ratio}: used unless you set "
                        "the input size.").format(size=found.spec.size, box=found.spec.box,
                                                   ratio=f"{found.spec.stroke_ratio:g}"))
                if not self._size_given:
                    self._restoring = True
                    self.input_size.setValue(found.spec.size)
                    self._restoring = False
        self._form.setRowVisible(self.kind, bool(self.kind.text()))  # no empty gap under the dataset
        self._check()

    # -- checks and the config -----------------------------------------------------------------------

    def taken_names(self) -> set[str]:
        """Names a new model may not have: installed models' (bundled ones too), the models folder's, jobs'.

        Read when the dialog opens; ``config()`` looks again.
        """
        if self._taken is None:
            from core.bundle import list_bundles

            root = user_models_dir()
            bundles = list_bundles()
            self._taken = {b.name for b in bundles} | {b.path.name for b in bundles}
            if root.is_dir():
                self._taken |= {child.name for child in root.iterdir()}
        return self._taken | {path.name for path in self._reserved}

    def free_name(self, name: str) -> str:
        """``name``, or ``name-2``, ``-3``... when it is taken (a proposal the user sees, never applied silently)."""
        from training.bundle_names import unique_bundle_dir

        taken = self.taken_names()
        candidate = name
        n = 2
        while candidate in taken:
            candidate, n = f"{name}-{n}", n + 1
        return unique_bundle_dir(user_models_dir(), candidate, self._reserved).name

    def problems(self) -> list[str]:
        """What stops the dialog from starting a job (empty when all is well)."""
        from core.errors import MojiyomiError
        from training.datasets.readers import detect_kind

        found = []
        text = self.data.text().strip()
        if not text:
            found.append(translate("TrainDialog", "Choose a dataset."))
        else:
            try:
                detect_kind(Path(text).expanduser())
            except MojiyomiError as exc:
                found.append(translate_error(exc))
        name = self.name.text()
        if not _NAME.match(name):
            found.append(translate("TrainDialog", "The name may use letters, digits, '.', '_' and '-' (at most 64, "
                                   "starting with a letter or digit). Received: {name}").format(name=repr(name)))
        elif self._name_taken(name):
            found.append(translate("TrainDialog", "A model named “{name}” already exists: choose another name, "
                                   "for example “{free}”.").format(name=name, free=self.free_name(name)))
        made = self._data_preprocessing
        if not found and made is not None and self._size_given and self.input_size.value() != made.size:
            found.append(translate("TrainDialog", "This dataset was made with input size {size}: set the input size "
                                   "to {size}, or make the data again at {chosen}.").format(
                    size=made.size, chosen=self.input_size.value()))
        if not found:
            try:
                self.values(Path("unused"))
            except (MojiyomiError, ValueError) as exc:
                found.append(translate_error(exc))
        return found

    def _name_taken(self, name: str) -> bool:
        from training.bundle_names import unique_bundle_dir

        root = user_models_dir()
        return name in self.taken_names() or unique_bundle_dir(root, name, self._reserved) != root / name

    def accept(self) -> None:
        """Starts only if the name is still free (a job or another window may have taken it meanwhile)."""
        self._taken = None
        self._check()
        if self.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled():
            super().accept()

    def _check(self) -> None:
        problems = self.problems()
        self.problem.setText("\n".join(problems))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problems)

    def config(self, reserved: Collection[Path] = ()) -> dict[str, Any]:
        """The chosen run as ``TrainConfig`` JSON, written to the named folder among the user's models.

        Args:
            reserved: Folders that running jobs will write now (besides those the dialog was given).

        Raises:
            InputError: if the name was taken meanwhile (never renamed silently).
        """
        from core.errors import InputError

        self._reserved |= set(reserved)
        self._taken = None
        name = self.name.text()
        if self._name_taken(name):
            raise InputError(f"A model named {name!r} already exists; choose another name. Received: name={name!r}")
        return self.values(user_models_dir() / name)

    def values(self, out: Path) -> dict[str, Any]:
        """The run's ``TrainConfig`` JSON, with the data's preprocessing where the user set none.

        Raises:
            ConfigError: if a value is impossible.
            DatasetError: if the input size the user set differs from the data's.
        """
        from training.config import TrainConfig
        from training.spec_check import SPEC_FIELDS, adopt_spec

        values = TrainConfig(data=str(Path(self.data.text().strip()).expanduser()), out=str(out),
                             backbone=self.backbone.currentText(), name=out.name, title=out.name,
                             epochs=self.epochs.value(), batch_size=self.batch.value(),
                             learning_rate=self.rate.value(), limit=self.limit.value() or None,
                             early_stopping=5).to_json()
        for key in SPEC_FIELDS:
            values.pop(key)
        given = set()
        if self._size_given:
            values["input_size"] = self.input_size.value()
            given.add("input_size")
            if self._data_preprocessing is None:  # with a manifest, the data's box follows its size
                values["box"] = max(1, round(self.input_size.value() * _BOX_RATIO))
                given.add("box")
        values, _said = adopt_spec(values, given)
        return TrainConfig.from_json(values).to_json()


def dialog_buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    """OK (saying ``ok_text``) and Cancel, accepting and rejecting ``dialog``."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def spin_box(parent: QWidget, low: int, high: int, value: int) -> QSpinBox:
    """A spin box from ``low`` to ``high`` showing ``value``."""
    spin = QSpinBox(parent)
    spin.setRange(low, high)
    spin.setValue(value)
    return spin


def _setting_int(value: Any, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


def _setting_float(value: Any, default: float) -> float:
    try:
        found = float(str(value))
    except ValueError:
        return default
    return found if math.isfinite(found) else default


def error_palette(palette: QPalette) -> QPalette:
    """``palette`` with its text in a red that reads on its window color (light or dark theme)."""
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    red = QColor(255, 120, 120) if dark else QColor(176, 0, 32)
    changed = QPalette(palette)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        changed.setColor(role, red)
    return changed
