"""Dialogs that set up a job: train a new model, fine-tune on my handwriting, and the verdict."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from core.paths import user_models_dir

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class TrainDialog(QDialog):
    """Train a new model: dataset, backbone, epochs... ``config()`` gives a ``TrainConfig`` as JSON."""

    def __init__(self, parent: QWidget | None = None) -> None:
        from training.backbones import BACKBONES

        super().__init__(parent)
        self.setWindowTitle("Train a new model")
        form = QFormLayout()
        self.data = QLineEdit(self)
        self.data.setPlaceholderText("MNIST folder, image folder, .jsonl, .npz, .tdic or ETL files")
        self.data.textChanged.connect(self._check)
        pick = QHBoxLayout()
        pick.addWidget(self.data, 1)
        for text, folder in (("Folder…", True), ("File…", False)):
            button = QPushButton(text, self)
            button.clicked.connect(lambda _=False, f=folder: self._browse(f))
            pick.addWidget(button)
        form.addRow("Dataset", pick)
        self.backbone = QComboBox(self)
        self.backbone.addItems(sorted(BACKBONES))
        self.backbone.setCurrentText("simple-cnn")
        form.addRow("Model", self.backbone)
        self.epochs = _spin(self, 1, 500, 15)
        form.addRow("Epochs", self.epochs)
        self.batch = _spin(self, 1, 4096, 128)
        form.addRow("Batch size", self.batch)
        self.size = _spin(self, 16, 256, 28)
        form.addRow("Input size (pixels)", self.size)
        self.limit = _spin(self, 0, 100_000_000, 0)
        self.limit.setSpecialValueText("all samples")
        form.addRow("Read at most", self.limit)
        self.rate = QDoubleSpinBox(self)
        self.rate.setDecimals(5)
        self.rate.setRange(1e-5, 0.5)
        self.rate.setValue(2e-3)
        form.addRow("Learning rate", self.rate)
        self.name = QLineEdit("my-model", self)
        self.name.textChanged.connect(self._check)
        form.addRow("Name", self.name)
        self.problem = QLabel(self)
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start training")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._check()

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
            found.append("Choose a dataset.")
        else:
            try:
                detect_kind(Path(text).expanduser())
            except DatasetError as exc:
                found.append(str(exc))
        if not _NAME.match(self.name.text()):
            found.append("The name may use letters, digits, '.', '_' and '-' (at most 64).")
        return found

    def _check(self) -> None:
        problems = self.problems()
        self.problem.setText("\n".join(problems))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problems)

    def config(self) -> dict[str, Any]:
        """The chosen training run, as ``TrainConfig`` JSON (written to a new user model folder)."""
        from training.config import TrainConfig
        from training.jobs import unique_bundle_dir

        out = unique_bundle_dir(user_models_dir(), self.name.text())
        config = TrainConfig(data=str(Path(self.data.text().strip()).expanduser()), out=str(out),
                             backbone=self.backbone.currentText(), name=out.name, title=out.name,
                             epochs=self.epochs.value(), batch_size=self.batch.value(),
                             learning_rate=self.rate.value(), input_size=self.size.value(),
                             box=max(8, round(self.size.value() * 20 / 28)),
                             limit=self.limit.value() or None, early_stopping=5)
        return config.to_json()


class FinetuneDialog(QDialog):
    """Fine-tune the current model on the user's samples."""

    def __init__(self, sample_labels: Sequence[str], model_labels: Sequence[str], model_title: str,
                 parent: QWidget | None = None) -> None:
        from training.adapt import MIN_SAMPLES

        super().__init__(parent)
        self.setWindowTitle("Fine-tune on my handwriting")
        layout = QVBoxLayout(self)
        known = set(model_labels)
        unknown = sorted(set(sample_labels) - known)
        count = len(sample_labels)
        self.needed = max(0, MIN_SAMPLES - count)
        lines = [f"Adapt <b>{model_title}</b> to your {count} samples. A quarter are held out to measure "
                 "the new model before you switch to it; the original model is never changed."]
        if self.needed:
            lines.append(f"<b>{self.needed} more samples are needed</b> (at least {MIN_SAMPLES}). Correct the "
                         "app when it misreads you, or use Samples > Practice.")
        self.info = QLabel("<br><br>".join(lines), self)
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        self.add_labels = QCheckBox(f"Add the {len(unknown)} new classes the model does not know "
                                    f"({' '.join(unknown[:12])}{' …' if len(unknown) > 12 else ''}): the "
                                    "head grows, old classes keep their weights", self)
        self.add_labels.setChecked(bool(unknown))
        self.add_labels.setVisible(bool(unknown))
        layout.addWidget(self.add_labels)
        form = QFormLayout()
        self.epochs = _spin(self, 1, 200, 12)
        form.addRow("Epochs", self.epochs)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start fine-tuning")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.needed == 0)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)


def ask_to_switch_after_finetune(parent: QWidget, result: dict[str, Any]) -> bool:
    """Shows before/after accuracies and the recommendation; True if the user switches."""
    text = (f"Your held-out samples: {result['user_top1_before']:.1%} → <b>{result['user_top1_after']:.1%}</b><br>"
            f"Original validation data: {result['base_top1_before']:.2%} → "
            f"<b>{result['base_top1_after']:.2%}</b><br><br>{result.get('reason', '')}")
    box = QMessageBox(QMessageBox.Icon.Question, "Fine-tune finished", text, parent=parent)
    if result.get("recommended"):
        switch = box.addButton("Switch to the new model", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Keep the current model", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(switch)
    else:
        keep = box.addButton("Keep the current model", QMessageBox.ButtonRole.RejectRole)
        switch = box.addButton("Switch anyway", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(keep)
    box.exec()
    return box.clickedButton() is switch


def _spin(parent: QWidget, low: int, high: int, value: int) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(low, high)
    spin.setValue(value)
    return spin
