"""What a finished training or fine-tune job reached, and the question whether to switch to its model."""

from __future__ import annotations

import math
from html import escape

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.i18n import translate
from training.evaluate import FEW_SAMPLES_PER_CLASS, RunVerdict
from training.events import FinetuneJobResult, TrainJobResult
from training.newclasses import MIN_NEW_CLASS_SAMPLES


def training_verdict(result: TrainJobResult) -> str:
    """What a finished training run reached, in one sentence (and what went wrong, when it is near chance)."""
    test, val = _fraction(result.test_top1), _fraction(result.val_top1)
    tested = translate("TrainDialog", ", test top-1 {top1}").format(top1=f"{test:.2%}") if test is not None else ""
    validated = translate("TrainDialog", "validation top-1 {top1}").format(
            top1=f"{val:.2%}") if val is not None else translate("TrainDialog", "no validation score")
    text = translate("TrainDialog", "Model {name} trained: {validated}{tested}.").format(
            name=result.name, validated=validated, tested=tested)
    verdict = result.verdict
    return f"{text}\n\n{near_chance_text(verdict)}" if verdict is not None and verdict.near_chance else text


def near_chance_text(verdict: RunVerdict) -> str:
    """What a run no better than guessing reached and what probably went wrong, in the interface language."""
    if verdict.measured:
        head = translate("TrainDialog", "The model reads {top1}, no better than guessing among {classes} classes "
                         "({chance}; a useful model reaches {threshold} at least)").format(
                top1=f"{verdict.top1:.2%}", classes=verdict.classes, chance=f"{verdict.chance:.2%}",
                threshold=f"{verdict.threshold:.2%}")
    else:
        head = translate("TrainDialog", "The model's accuracy could not be measured")
    words = {"few_samples": translate("TrainDialog", "too few samples ({n} per class; at least {need} help)").format(
                 n=f"{verdict.samples_per_class:.0f}", need=FEW_SAMPLES_PER_CLASS),
             "short_run": translate("TrainDialog", "too short a run ({epochs} epochs of {samples} samples are {steps} "
                                    "training steps; more epochs help)").format(
                 epochs=verdict.epochs, samples=verdict.train_samples, steps=verdict.steps),
             "data_or_settings": translate("TrainDialog", "the data or the settings (check the labels, or try a "
                                           "lower learning rate)")}
    causes = translate("TrainDialog", " and ").join(words[cause] for cause in verdict.causes)
    return translate("TrainDialog", "{head}. Probably {causes}.").format(head=head, causes=causes)


def ask_to_switch_after_training(parent: QWidget, result: TrainJobResult) -> bool:
    """Asks whether to use the newly trained model; True if the user says yes.

    A model no better than guessing is offered only as "Switch anyway", with "Keep current"
    the default; any other model with translate("TrainDialog", "Switch") the default.
    """
    verdict = result.verdict
    good = verdict is None or not verdict.near_chance
    box = QMessageBox(QMessageBox.Icon.Question if good else QMessageBox.Icon.Warning, translate(
            "TrainDialog", "Training finished"),
                      training_verdict(result) + ("\n\n" + translate(
                              "TrainDialog", "Switch to it?") if good else ""), parent=parent)
    box.setObjectName("trainingVerdict")
    return _asks_to_switch(box, good)


def finetune_verdict(result: FinetuneJobResult) -> str:
    """Before/after accuracies of a fine-tune and the recommendation, as rich text (never "nan%")."""
    before, after = _fraction(result.user_top1_before), _fraction(result.user_top1_after)
    held = result.held_out_samples
    if before is None or after is None:
        user = translate("FinetuneDialog", "Your held-out samples: <b>no held-out samples</b> to measure the new "
                         "model on")
    else:
        user = translate("FinetuneDialog", "Your {n} held-out samples: {before} → <b>{after}</b>").format(
                n=held, before=f"{before:.1%}", after=f"{after:.1%}")
    base_before, base_after = _fraction(result.base_top1_before), _fraction(result.base_top1_after)
    base = (translate("FinetuneDialog", "Original validation data: not measured") if base_before is None or
            base_after is None else translate("FinetuneDialog", "Original validation data: {before} → <b>{after}</b>")
            .format(before=f"{base_before:.2%}", after=f"{base_after:.2%}"))
    added = result.new_labels
    grown = "<br>" + translate("FinetuneDialog", "New classes: {labels}").format(
            labels=escape(" ".join(added), quote=False)) if added else ""
    new_read = _fraction(result.new_top1_after)
    if added and new_read is not None:
        grown += translate("FinetuneDialog", " (read {share} of their held-out samples)").format(
                share=f"{new_read:.1%}")
    return f"{user}<br>{base}{grown}<br><br>{finetune_reason(result)}"


def finetune_reason(result: FinetuneJobResult) -> str:
    """Why switching is advised or not (``AdaptResult.judgement``), in the interface language, as rich text."""
    before, after = _fraction(result.user_top1_before), _fraction(result.user_top1_after)
    base_before, base_after = _fraction(result.base_top1_before) or 0.0, _fraction(result.base_top1_after) or 0.0
    kind = result.judgement
    if kind == "forgets":
        text = translate("FinetuneDialog", "Accuracy on the original data fell by {drop} points ({before} → {after}), "
                         "more than {allowed} allowed.").format(
                drop=f"{100 * (base_before - base_after):.2f}", before=f"{base_before:.2%}",
                after=f"{base_after:.2%}", allowed=f"{result.max_drop:g}")
    elif kind == "no_held_out" or (kind in ("no_gain", "better") and (before is None or after is None)):
        text = translate("FinetuneDialog", "No held-out samples of yours to measure the new model on: write a few "
                         "more of each character (a quarter of them is held out).")
    elif kind == "no_gain":
        text = translate("FinetuneDialog", "Your accuracy did not improve ({before} → {after}).").format(
                before=f"{before:.1%}", after=f"{after:.1%}")
    elif kind == "better":
        text = translate("FinetuneDialog", "Your accuracy {before} → {after}; original data {base_before} → "
                         "{base_after}.").format(before=f"{before:.1%}", after=f"{after:.1%}",
                                                 base_before=f"{base_before:.2%}", base_after=f"{base_after:.2%}")
    else:  # a result without a judgement: its words as given
        return escape(result.reason, quote=False)
    refused = result.refused_labels
    if refused:
        shown = " ".join(refused[:12]) + (" …" if len(refused) > 12 else "")
        text += " " + translate("FinetuneDialog", "Not added as new classes ({n}: {labels}): a new class needs at "
                                "least {need} samples; their samples were not used.").format(
                n=len(refused), labels=shown, need=MIN_NEW_CLASS_SAMPLES)
    return escape(text, quote=False)


def _fraction(value: float | None) -> float | None:
    """A finite accuracy from a job result, or None (None or NaN: not measured, or a diverged run)."""
    return value if value is not None and math.isfinite(value) else None


def ask_to_switch_after_finetune(parent: QWidget, result: FinetuneJobResult) -> bool:
    """Shows before/after accuracies and the recommendation; True if the user switches.

    "Switch" is the default only when switching is recommended; otherwise "Keep current"
    is, and translate("TrainDialog", "Switch anyway") lets the user override.
    """
    box = QMessageBox(QMessageBox.Icon.Question, translate(
            "TrainDialog", "Fine-tune finished"), finetune_verdict(result), parent=parent)
    box.setObjectName("finetuneVerdict")
    return _asks_to_switch(box, result.recommended)


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
