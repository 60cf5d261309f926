"""The fine-tune dialog: adapt the current model to the user's samples, new classes included."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from html import escape

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from desktop.i18n import translate
from desktop.train_dialogs import dialog_buttons, spin_box


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
        more = " …" if len(self.unknown) > 12 else ""
        self.add_labels = QCheckBox(translate("FinetuneDialog", "Add these {n} classes to the model ({shown}): the "
                                              "head grows, old classes keep their weights").format(
                n=len(self.unknown), shown=shown + more), self)
        self.add_labels.setChecked(bool(self.unknown))
        self.add_labels.setVisible(bool(self.unknown))
        self.add_labels.toggled.connect(self._update)
        layout.addWidget(self.add_labels)
        self.refused_note = QLabel(self)
        self.refused_note.setWordWrap(True)
        refused = " ".join(f"{label} ({self.counts[label]})" for label in self.refused[:12])
        self.refused_note.setText(translate(
                "FinetuneDialog", "Not added: {n} label(s) the model does not know with fewer than {need} samples "
                "each: {labels}. A new class needs at least {need} samples; until then their samples are not used.")
                .format(n=len(self.refused), need=MIN_NEW_CLASS_SAMPLES,
                        labels=escape(refused, quote=False) + (" …" if len(self.refused) > 12 else "")))
        self.refused_note.setVisible(bool(self.refused))
        layout.addWidget(self.refused_note)
        form = QFormLayout()
        self.epochs = spin_box(self, 1, 200, 12)
        form.addRow(translate("TrainDialog", "Epochs"), self.epochs)
        layout.addLayout(form)
        self.buttons = dialog_buttons(self, translate("TrainDialog", "Start fine-tuning"))
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
        measured = (translate("FinetuneDialog", "{n} of them are held out to measure the new model before you "
                              "switch to it").format(n=held) if held else
                    translate("FinetuneDialog", "none can be held out to measure the new model (write some "
                              "characters twice or more)"))
        lines = [translate("FinetuneDialog", "Adapt <b>{title}</b> to your {n} samples: {measured}; the current "
                           "model is never changed.").format(title=escape(self.model_title, quote=False), n=self.usable,
                                                             measured=measured)]
        if self.unknown and not self.add_labels.isChecked():
            lines.append(translate("FinetuneDialog", "{n} samples of labels the model does not know are left out.")
                         .format(n=sum(self.counts[label] for label in self.unknown)))
        if self.needed:
            lines.append(translate("FinetuneDialog", "<b>{n} more samples are needed</b> (at least {need}). Correct "
                                   "the app when it misreads you, or use Samples > Practice.").format(
                    n=self.needed, need=MIN_SAMPLES))
        self.info.setText("<br><br>".join(lines))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.needed == 0)
