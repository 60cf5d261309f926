"""Dialogs that set up a job (train a new model, fine-tune on my handwriting) and the verdicts."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from core.paths import user_models_dir
from desktop.i18n import translate
from training.evaluate import RunVerdict

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: Box side relative to the input side, as the bundled digits model (20 of 28 pixels).
_BOX_RATIO = 20 / 28


class TrainDialog(QDialog):
    """Train a new model: dataset, backbone, epochs... ``config()`` gives a ``TrainConfig`` as JSON."""

    def __init__(self, parent: QWidget | None = None) -> None:
        from training.backbones import BACKBONES

        super().__init__(parent)
        self.setWindowTitle(translate("TrainDialog", "Train a new model"))
        form = QFormLayout()
        self.data = QLineEdit(self)
        self.data.setPlaceholderText(translate(
                "TrainDialog", "MNIST folder, image folder, .jsonl, .npz, .tdic or ETL files"))
        form.addRow(translate("TrainDialog", "Dataset"), self._dataset_row())
        self.backbone = QComboBox(self)
        self.backbone.addItems(sorted(BACKBONES))
        self.backbone.setCurrentText("simple-cnn")
        form.addRow(translate("TrainDialog", "Model"), self.backbone)
        self.epochs = _spin(self, 1, 500, 15)
        form.addRow(translate("TrainDialog", "Epochs"), self.epochs)
        self.batch = _spin(self, 1, 4096, 128)
        form.addRow(translate("TrainDialog", "Batch size"), self.batch)
        self.input_size = _spin(self, 8, 512, 28)
        form.addRow(translate("TrainDialog", "Input size (pixels)"), self.input_size)
        self.limit = _spin(self, 0, 100_000_000, 0)
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
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setWordWrap(True)
        self.buttons = _buttons(self, translate("TrainDialog", "Start training"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        for signal in (self.data.textChanged, self.name.textChanged, self.backbone.currentTextChanged,
                       self.input_size.valueChanged, self.limit.valueChanged):
            signal.connect(self._check)
        self._check()

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
        path = (QFileDialog.getExistingDirectory(self, "Choose the dataset folder") if folder else
                QFileDialog.getOpenFileName(self, "Choose the dataset file")[0])
        if path:
            self.data.setText(path)

    def problems(self) -> list[str]:
        """What stops the dialog from starting a job (empty when all is well)."""
        from core.errors import DatasetError
        from training.datasets.readers import detect_kind

        found = []
        text = self.data.text().strip()
        if not text:
            found.append(translate("TrainDialog", "Choose a dataset."))
        else:
            try:
                detect_kind(Path(text).expanduser())
            except DatasetError as exc:
                found.append(str(exc))
        if not _NAME.match(self.name.text()):
            found.append(f"The name may use letters, digits, '.', '_' and '-' (at most 64, starting with a "
                         f"letter or digit). Received: {self.name.text()!r}")
        try:
            self._make(Path("unused"))
        except ValueError as exc:
            found.append(str(exc))
        return found

    def _check(self) -> None:
        problems = self.problems()
        self.problem.setText("\n".join(problems))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problems)

    def config(self, reserved: Collection[Path] = ()) -> dict[str, Any]:
        """The chosen run as ``TrainConfig`` JSON, written to a new folder among the user's models.

        Args:
            reserved: Folders that running jobs will write (never chosen again).
        """
        from training.jobs import unique_bundle_dir

        return self._make(unique_bundle_dir(user_models_dir(), self.name.text(), reserved)).to_json()

    def _make(self, out: Path) -> Any:
        from training.config import TrainConfig

        return TrainConfig(data=str(Path(self.data.text().strip()).expanduser()), out=str(out),
                           backbone=self.backbone.currentText(), name=out.name, title=out.name,
                           epochs=self.epochs.value(), batch_size=self.batch.value(),
                           learning_rate=self.rate.value(), input_size=self.input_size.value(),
                           box=max(1, round(self.input_size.value() * _BOX_RATIO)),
                           limit=self.limit.value() or None, early_stopping=5)


class FinetuneDialog(QDialog):
    """Fine-tune the current model on the user's samples.

    Labels the model does not know become new classes only with ``MIN_NEW_CLASS_SAMPLES``
    samples each (the dialog lists which do and which do not); the held-out count shown is
    the one the fine-tune will hold out.

    Args:
        sample_labels: The label of every sample (repeated as often as there are samples).
        model_labels: The labels the current model knows.
        model_title: How the current model is called.
        parent: The owning window.
    """

    def __init__(self, sample_labels: Sequence[str], model_labels: Sequence[str], model_title: str,
                 parent: QWidget | None = None) -> None:
        from training.adapt import MIN_NEW_CLASS_SAMPLES, new_classes

        super().__init__(parent)
        self.setWindowTitle(translate("TrainDialog", "Fine-tune on my handwriting"))
        known = set(model_labels)
        self.counts = Counter(sample_labels)
        self.unknown, self.refused = new_classes(sample_labels, known)
        self.total = len(sample_labels)
        self.known_count = sum(1 for label in sample_labels if label in known)
        self.model_title = model_title
        layout = QVBoxLayout(self)
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        shown = " ".join(f"{label} ({self.counts[label]})" for label in self.unknown[:12])
        self.add_labels = QCheckBox(f"Add these {len(self.unknown)} classes to the model ({shown}"
                                    f"{' …' if len(self.unknown) > 12 else ''}): the head grows, old classes keep "
                                    "their weights", self)
        self.add_labels.setChecked(bool(self.unknown))
        self.add_labels.setVisible(bool(self.unknown))
        self.add_labels.toggled.connect(self._update)
        layout.addWidget(self.add_labels)
        self.refused_note = QLabel(self)
        self.refused_note.setWordWrap(True)
        refused = " ".join(f"{label} ({self.counts[label]})" for label in self.refused[:12])
        self.refused_note.setText(
            f"Not added: {len(self.refused)} label(s) the model does not know with fewer than "
            f"{MIN_NEW_CLASS_SAMPLES} samples each: {_html(refused)}{' …' if len(self.refused) > 12 else ''}. "
            f"A new class needs at least {MIN_NEW_CLASS_SAMPLES} samples; until then their samples are not used.")
        self.refused_note.setVisible(bool(self.refused))
        layout.addWidget(self.refused_note)
        form = QFormLayout()
        self.epochs = _spin(self, 1, 200, 12)
        form.addRow(translate("TrainDialog", "Epochs"), self.epochs)
        layout.addLayout(form)
        self.buttons = _buttons(self, translate("TrainDialog", "Start fine-tuning"))
        layout.addWidget(self.buttons)
        self._update()

    def _used_counts(self) -> list[int]:
        """Samples per label that the fine-tune will use."""
        used = set(self.counts) - set(self.unknown) - set(self.refused)
        if self.add_labels.isChecked():
            used |= set(self.unknown)
        return [self.counts[label] for label in sorted(used)]

    @property
    def usable(self) -> int:
        """Samples the fine-tune will use (those of new classes only when they are added)."""
        return sum(self._used_counts())

    @property
    def held_out(self) -> int:
        """Samples the fine-tune will hold out to measure the new model."""
        from training.adapt import HOLDOUT_FRACTION, holdout_total

        return holdout_total(self._used_counts(), HOLDOUT_FRACTION)

    @property
    def needed(self) -> int:
        """How many more samples a fine-tune needs (0 when there are enough)."""
        from training.adapt import MIN_SAMPLES

        return max(0, MIN_SAMPLES - self.usable)

    def _update(self) -> None:
        from training.adapt import MIN_SAMPLES

        held = self.held_out
        measured = (f"{held} of them are held out to measure the new model before you switch to it" if held else
                    "none can be held out to measure the new model (write some characters twice or more)")
        lines = [f"Adapt <b>{_html(self.model_title)}</b> to your {self.usable} samples: {measured}; the current "
                 "model is never changed."]
        if self.unknown and not self.add_labels.isChecked():
            lines.append(f"{sum(self.counts[label] for label in self.unknown)} samples of labels the model does "
                         "not know are left out.")
        if self.needed:
            lines.append(f"<b>{self.needed} more samples are needed</b> (at least {MIN_SAMPLES}). Correct the "
                         "app when it misreads you, or use Samples > Practice.")
        self.info.setText("<br><br>".join(lines))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.needed == 0)


def training_verdict(result: dict[str, Any]) -> str:
    """What a finished training run reached, in one sentence (and what went wrong, when it is near chance)."""
    test = result.get("test_top1")
    tested = f", test top-1 {test:.2%}" if isinstance(test, float) and math.isfinite(test) else ""
    val = result.get("val_top1")
    validated = f"validation top-1 {val:.2%}" if isinstance(val, float) and math.isfinite(val) else \
        "no validation score"
    text = f"Model {result.get('name', '')} trained: {validated}{tested}."
    verdict = run_verdict(result)
    return f"{text}\n\n{verdict.reason}" if verdict is not None and verdict.near_chance else text


def run_verdict(result: dict[str, Any]) -> RunVerdict | None:
    """The job result's verdict on the run (None for a result that carries none)."""
    data = result.get("verdict")
    return RunVerdict.from_json(data) if isinstance(data, dict) else None


def ask_to_switch_after_training(parent: QWidget, result: dict[str, Any]) -> bool:
    """Asks whether to use the newly trained model; True if the user says yes.

    A model no better than guessing is offered only as "Switch anyway", with "Keep current"
    the default; any other model with translate("TrainDialog", "Switch") the default.
    """
    verdict = run_verdict(result)
    good = verdict is None or not verdict.near_chance
    box = QMessageBox(QMessageBox.Icon.Question if good else QMessageBox.Icon.Warning, translate(
            "TrainDialog", "Training finished"),
                      training_verdict(result) + ("\n\n" + translate(
                              "TrainDialog", "Switch to it?") if good else ""), parent=parent)
    box.setObjectName("trainingVerdict")
    return _asks_to_switch(box, good)


def finetune_verdict(result: dict[str, Any]) -> str:
    """Before/after accuracies of a fine-tune and the recommendation, as rich text (never "nan%")."""
    before, after = _fraction(result.get("user_top1_before")), _fraction(result.get("user_top1_after"))
    held = int(result.get("held_out_samples") or 0)
    if before is None or after is None:
        user = "Your held-out samples: <b>no held-out samples</b> to measure the new model on"
    else:
        user = f"Your {held} held-out samples: {before:.1%} → <b>{after:.1%}</b>"
    base_before, base_after = _fraction(result.get("base_top1_before")), _fraction(result.get("base_top1_after"))
    base = ("Original validation data: not measured" if base_before is None or base_after is None else
            f"Original validation data: {base_before:.2%} → <b>{base_after:.2%}</b>")
    added = result.get("new_labels") or []
    grown = f"<br>New classes: {_html(' '.join(added))}" if added else ""
    new_read = _fraction(result.get("new_top1_after"))
    if added and new_read is not None:
        grown += f" (read {new_read:.1%} of their held-out samples)"
    return f"{user}<br>{base}{grown}<br><br>{_html(str(result.get('reason', '')))}"


def _fraction(value: Any) -> float | None:
    """A finite accuracy from a job result, or None (missing, None or NaN)."""
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def ask_to_switch_after_finetune(parent: QWidget, result: dict[str, Any]) -> bool:
    """Shows before/after accuracies and the recommendation; True if the user switches.

    "Switch" is the default only when switching is recommended; otherwise "Keep current"
    is, and translate("TrainDialog", "Switch anyway") lets the user override.
    """
    box = QMessageBox(QMessageBox.Icon.Question, translate(
            "TrainDialog", "Fine-tune finished"), finetune_verdict(result), parent=parent)
    box.setObjectName("finetuneVerdict")
    return _asks_to_switch(box, bool(result.get("recommended")))


def _asks_to_switch(box: QMessageBox, recommended: bool) -> bool:
    """Shows ``box`` with Switch / Keep current; the recommended choice is the default.

    Returns:
        True when the user chose to switch.
    """
    if recommended:
        switch = box.addButton(translate("TrainDialog", "Switch"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(translate("TrainDialog", "Keep current"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(switch)
    else:
        keep = box.addButton(translate("TrainDialog", "Keep current"), QMessageBox.ButtonRole.RejectRole)
        switch = box.addButton(translate("TrainDialog", "Switch anyway"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(keep)
    box.exec()
    return box.clickedButton() is switch


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def _spin(parent: QWidget, low: int, high: int, value: int) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(low, high)
    spin.setValue(value)
    return spin


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
