"""Checking a label the user typed: one character, and a new class only when confirmed once."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from PySide6.QtWidgets import QMessageBox, QWidget

from core.errors import InputError
from core.labels import MultiCharacterLabel, check_label
from desktop import errors
from desktop.i18n import translate
from training.newclasses import MIN_NEW_CLASS_SAMPLES  # not training.adapt: start-up stays light


def confirm_label(parent: QWidget, text: str, model_labels: Collection[str], counts: Mapping[str, int],
                  model_title: str = "the model") -> str | None:
    """The label to use for ``text``, or None when the user backs out (or it cannot be a label).

    A label is one character, NFC-normalized (``core.labels.check_label``). Several
    characters are accepted only when the user says they make a multi-character class; a
    label neither the model nor the user's samples know yet is confirmed as a new class,
    with its count of samples shown. A label already among the samples was confirmed
    before: no question is asked again.

    Args:
        parent: The window the questions belong to.
        text: What the user typed.
        model_labels: The labels the current model knows.
        counts: Samples kept so far per label.
        model_title: How the current model is called.
    """
    try:
        label = check_label(text)
    except MultiCharacterLabel as exc:
        if exc.label in counts or exc.label in model_labels:
            label = exc.label
        elif not _ask(parent, translate("LabelPrompt", "Several characters"), translate(
                "LabelPrompt", "“{label}” is {n} characters, and a label is one character: what you wrote on the "
                "canvas. Create a class of several characters “{label}” all the same?").format(
                    label=exc.label, n=exc.count), translate("LabelPrompt", "Create multi-character class")):
            return None
        else:
            try:
                label = check_label(text, multi=True)
            except InputError as again:
                errors.show_error(parent, translate("LabelPrompt", "Not a label"), again)
                return None
    except InputError as exc:
        errors.show_error(parent, translate("LabelPrompt", "Not a label"), exc)
        return None
    if label in model_labels or counts.get(label, 0):
        return label
    question = translate("LabelPrompt", "{model} does not know “{label}”. Keep this as a sample of a new class "
                         "“{label}”? It has no sample yet; a fine-tune adds a new class once it has {n} samples.")
    if not _ask(parent, translate("LabelPrompt", "A new class"),
                question.format(model=model_title, label=label, n=MIN_NEW_CLASS_SAMPLES),
                translate("LabelPrompt", "Keep as new class")):
        return None
    return label


def _ask(parent: QWidget, title: str, text: str, yes: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    box.setObjectName("confirmLabel")
    accept = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(translate("LabelPrompt", "Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is accept
