"""The About box: what mojiyomi is, the model in use and the credits of every source it draws on."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from core.bundle import ModelBundle
from core.contacts import contacts_credit
from core.runcheck import runcheck_credit
from core.strokeorder import strokes_credit
from desktop.i18n import translate


def show_about(parent: QWidget, bundle: ModelBundle | None) -> None:
    """Help > About mojiyomi."""
    QMessageBox.about(parent, translate("MainWindow", "About mojiyomi"), about_text(bundle))


def about_text(bundle: ModelBundle | None) -> str:
    """The About box: what mojiyomi is, and the current model with its sources' credits."""
    lines = ["mojiyomi 文字読み — " + translate("MainWindow", "handwriting recognition for Japanese and digits."),
             translate("MainWindow", "Write on the canvas, open a picture, or train your own model.")]
    if bundle is not None:
        lines += ["", translate("MainWindow", "Model: {title} ({name} {version}, {n} classes)").format(
            title=bundle.title, name=bundle.name, version=bundle.version, n=len(bundle.labels))]
        trained = bundle.metadata.get("training", {})
        if trained.get("hardware"):
            lines.append(translate("MainWindow", "Trained on {hardware} in {time}.").format(
                hardware=trained["hardware"], time=training_minutes(trained)))
        if bundle.metadata.get("attribution"):
            lines.append(str(bundle.metadata["attribution"]))
    from core.lm import lm_credit  # reads the language model's metadata only
    from core.dictionary import dictionary_credit  # reads the kanji file's first line only

    credit = lm_credit()
    if credit:
        lines += ["", translate("MainWindow", "Language model (reading several characters): {credit}").format(
            credit=credit)]
    credit = dictionary_credit()
    if credit:
        lines += ["", translate("MainWindow", "Readings and meanings: {credit}").format(credit=credit)]
    credit = strokes_credit()
    if credit:
        lines += ["", translate("MainWindow", "Stroke order: {credit}").format(credit=credit)]
    credit = contacts_credit()
    if credit:
        lines += ["", translate("MainWindow", "Touching characters in pictures: {credit}").format(credit=credit)]
    credit = runcheck_credit()
    if credit:
        lines += ["", translate("MainWindow", "Whole characters in pictures: {credit}").format(credit=credit)]
    return "\n".join(lines)


def training_minutes(trained: dict) -> str:
    """How long a model's training took, its earlier stages included ("116 min (72 + 44)").

    A model trained on from another bundle (``init_from``) carries that bundle's training.
    """
    stages: list[int] = []
    while trained:
        stages.insert(0, round(float(trained.get("seconds", 0)) / 60))
        trained = (trained.get("init_from") or {}).get("training") or {}
    total = translate("MainWindow", "{n} min").format(n=sum(stages))

    return total if len(stages) == 1 else f"{total} ({' + '.join(map(str, stages))})"
