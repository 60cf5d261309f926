"""Training menu, jobs window, samples window and practice, as a user drives them."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from core.errors import InputError
from core.samples import SampleStore
from desktop.jobs_window import JobProgress, JobsWindow, format_eta
from tests.guihelpers import drag, write_digit
from tests.strokefont import writer_samples
from training.config import TrainConfig
from training.evaluate import judge_run
from training.events import ErrorEvent, FinetuneJobResult, TrainJobResult, parse_event

pytestmark = pytest.mark.usefixtures("settings_in_tmp")


class FakeJob:
    def __init__(self) -> None:
        from training.jobs import JobSpec

        self.spec = JobSpec("train", TrainConfig(data="data", out="out", epochs=4), "fake")
        self.state = "running"
        self.error = None
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


EVENTS = [parse_event(e) for e in (
    {"event": "stage", "text": "Training on 100 samples"}, {"event": "start", "epochs": 4, "steps": 10},
    {"event": "batch", "batch": 5, "steps": 10, "logs": {"loss": 1.5}},
    {"event": "epoch", "epoch": 1, "epochs": 4, "logs": {"loss": 1.2, "accuracy": 0.6, "val_loss": 1.0,
                                                         "val_accuracy": 0.7}},
    {"event": "batch", "batch": 5, "steps": 10, "logs": {"loss": 0.9}})]


def test_progress_and_eta() -> None:
    progress = JobProgress(started=100.0)
    for event in EVENTS:
        progress.apply(event)
    assert (progress.epoch, progress.epochs, progress.batch, progress.steps) == (1, 4, 5, 10)
    assert progress.overall == pytest.approx(1.5 / 4)
    assert progress.eta_seconds(now=130.0) == pytest.approx(30 * (1 - 0.375) / 0.375)
    assert format_eta(125) == "ETA 2 min 05 s" and format_eta(None).startswith("ETA")


def test_jobs_window_shows_bars_curves_log_and_cancels(qtbot: QtBot) -> None:
    window = JobsWindow()
    qtbot.addWidget(window)
    job = FakeJob()
    window.add_job(job)
    window.feed(job, EVENTS)
    assert window.overall_bar.value() == 38 and window.epoch_bar.value() == 1 and window.batch_bar.value() == 5
    assert window.eta.text().startswith("ETA")
    assert len(window.curves.epochs) == 1 and len(window.curves.batch_loss) == 2
    assert "epoch 1/4" in window.log.toPlainText()
    with qtbot.waitSignal(window.cancelRequested) as blocker:
        window.cancel_button.click()
    assert blocker.args[0] is job
    job.state, job.error = "failed", "The dataset is empty."
    window.feed(job, [ErrorEvent("The dataset is empty.")])
    assert "failed" in window.list.item(0).text() and not window.cancel_button.isEnabled()


def test_the_jobs_window_logs_a_finished_job_s_result_as_the_child_sent_it(qtbot: QtBot) -> None:
    window = JobsWindow()
    qtbot.addWidget(window)
    job = FakeJob()
    window.add_job(job)
    finished = {"event": "finished", "t": 5.0, "result": {
        "kind": "train", "bundle": "/models/out", "name": "out", "seconds": 61.25, "val_top1": 0.98765,
        "test_top1": None, "verdict": judge_run(0.98765, 10, 600, 2, 32).to_json()}}
    window.feed(job, EVENTS + [parse_event(finished)])
    line = window.log.toPlainText().splitlines()[-1]
    assert line == "Finished: bundle /models/out, name out, seconds 61.25, val_top1 0.9877, test_top1 None", line


def test_finetune_dialog_says_how_many_more_samples(qtbot: QtBot) -> None:
    from desktop.finetune_dialog import FinetuneDialog

    dialog = FinetuneDialog(["1", "2", "3", "字"], list("0123456789"), "Digits")
    qtbot.addWidget(dialog)
    # One sample of 字 cannot make a new class (5 are needed): it does not count.
    assert "7 more samples are needed" in dialog.info.text()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert dialog.add_labels.isHidden() and "字 (1)" in dialog.refused_note.text()
    enough = FinetuneDialog(list("0123456789") * 2, list("0123456789"), "Digits")
    qtbot.addWidget(enough)
    assert enough.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled() and enough.add_labels.isHidden()


def test_train_dialog_checks_its_values(qtbot: QtBot, tmp_path: Path, isolated_data_dir: Path) -> None:
    from desktop.train_dialogs import TrainDialog
    from tests.datagen import write_mnist_like

    dialog = TrainDialog()
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "Choose a dataset" in dialog.problem.text()
    dialog.data.setText(str(tmp_path / "missing"))
    assert "does not exist" in dialog.problem.text()
    dialog.data.setText(str(write_mnist_like(tmp_path / "mnist", 20, 10)))
    dialog.name.setText("bad name!")
    assert not ok.isEnabled()
    dialog.name.setText("mine")
    assert ok.isEnabled()
    config = dialog.config()
    assert config["out"] == str(isolated_data_dir / "models" / "mine") and config["backbone"] == "simple-cnn"
    (isolated_data_dir / "models" / "mine").mkdir(parents=True)
    with pytest.raises(InputError, match="already exists"):  # taken meanwhile: refused, never renamed
        dialog.config()


def test_train_dialog_refuses_a_name_that_is_taken(qtbot: QtBot, tmp_path: Path, isolated_data_dir: Path) -> None:
    from desktop.train_dialogs import TrainDialog
    from tests.datagen import write_mnist_like

    (isolated_data_dir / "models" / "mine").mkdir(parents=True)
    dialog = TrainDialog(reserved=[isolated_data_dir / "models" / "running"])
    qtbot.addWidget(dialog)
    dialog.data.setText(str(write_mnist_like(tmp_path / "mnist", 20, 10)))
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    for taken in ("mine", "running", "digits"):  # a folder, a running job's target, a bundled model
        dialog.name.setText(taken)
        assert not ok.isEnabled() and "already exists" in dialog.problem.text(), taken
    dialog.name.setText("mine")
    assert "“mine-2”" in dialog.problem.text()  # a free name is proposed, not taken silently
    dialog.name.setText("mine-2")
    assert ok.isEnabled()


def test_train_dialog_remembers_its_settings_and_names_the_dataset_kind(qtbot: QtBot, tmp_path: Path) -> None:
    from desktop.train_dialogs import TrainDialog
    from tests.datagen import write_mnist_like

    data = write_mnist_like(tmp_path / "mnist", 20, 10)
    first = TrainDialog()
    qtbot.addWidget(first)
    assert first.kind.text() == ""
    first.data.setText(str(data))
    assert "MNIST IDX" in first.kind.text()
    first.epochs.setValue(7)
    first.backbone.setCurrentText("mobilenet-v2")
    first.rate.setValue(0.01)
    first.accept()
    second = TrainDialog()
    qtbot.addWidget(second)
    assert (second.data.text(), second.epochs.value(), second.backbone.currentText()) == (str(data), 7,
                                                                                        "mobilenet-v2")
    assert second.rate.value() == pytest.approx(0.01) and "MNIST IDX" in second.kind.text()
    cancelled = TrainDialog()
    qtbot.addWidget(cancelled)
    cancelled.epochs.setValue(99)
    cancelled.reject()
    assert TrainDialog().epochs.value() == 7  # only a started run's settings are kept


def _generated_npz(folder: Path, size: int, box: int, ratio: float) -> Path:
    import json

    import numpy as np

    folder.mkdir(parents=True)
    np.savez(folder / "data.npz", x=np.zeros((2, size, size), np.uint8), y=np.array([0, 1]))
    manifest = {"preprocessing": {"size": size, "box": box, "stroke_ratio": ratio, "render_size": 112}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder / "data.npz"


def test_train_dialog_adopts_a_generated_datasets_preprocessing(qtbot: QtBot, tmp_path: Path) -> None:
    from desktop.train_dialogs import TrainDialog

    dialog = TrainDialog()
    qtbot.addWidget(dialog)
    dialog.data.setText(str(_generated_npz(tmp_path / "gen", 32, 24, 0.08)))
    assert dialog.input_size.value() == 32 and "32" in dialog.kind.text()
    config = dialog.config()
    assert (config["input_size"], config["box"], config["stroke_ratio"]) == (32, 24, 0.08)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.input_size.setValue(28)  # set by the user, and not what the data was made with: refused, said why
    assert not ok.isEnabled() and "made with input size 32: set the input size to 32" in dialog.problem.text()
    dialog.input_size.setValue(32)
    assert ok.isEnabled() and dialog.config()["box"] == 24


def test_the_train_dialogs_problems_read_on_a_dark_theme(qtbot: QtBot) -> None:
    from PySide6.QtGui import QColor, QPalette

    from desktop.train_dialogs import TrainDialog, error_palette

    dark, light = QPalette(), QPalette()
    dark.setColor(QPalette.ColorRole.Window, QColor(32, 32, 32))
    light.setColor(QPalette.ColorRole.Window, QColor(240, 240, 240))
    on_dark = error_palette(dark).color(QPalette.ColorRole.WindowText)
    on_light = error_palette(light).color(QPalette.ColorRole.WindowText)
    assert on_dark.lightness() - 32 > 100 and 240 - on_light.lightness() > 100
    dialog = TrainDialog()
    qtbot.addWidget(dialog)
    assert dialog.problem.styleSheet() == ""  # a fixed color sheet would override the palette


def test_a_trained_model_can_be_deleted_but_not_a_bundled_one(qtbot: QtBot, tiny_bundle: Path,
                                                              isolated_data_dir: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from core.bundle import default_model_name
    from core.errors import BundleError
    from core.paths import bundled_models_dir
    from desktop import model_delete
    from desktop.main_window import MainWindow

    mine = isolated_data_dir / "models" / "mine"
    shutil.copytree(tiny_bundle, mine)
    window = MainWindow(str(mine))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.current_bundle() is not None, timeout=15000)
    titles = [a.text() for a in window.model_menu.actions()]
    assert "&Delete a trained model…" in titles
    offered: list[list[str]] = []

    def pick(parent: object, models: list, current: object) -> object:
        offered.append([str(m.path) for m in models])
        return models[0]

    monkeypatch.setattr(model_delete, "ask_which", pick)
    monkeypatch.setattr(model_delete, "confirm", lambda parent, bundle, current: False)
    model_delete.delete_trained_model(window)
    assert offered == [[str(mine)]] and mine.is_dir()  # only the trained one offered; "Cancel" keeps it
    monkeypatch.setattr(model_delete, "confirm", lambda parent, bundle, current: True)
    model_delete.delete_trained_model(window)  # the current model: switch to the default first, then delete
    qtbot.waitUntil(lambda: not mine.exists(), timeout=15000)
    now = window.current_bundle()
    assert now is not None and now.path == bundled_models_dir() / default_model_name()
    assert not any(a.data() == str(mine) for a in window.model_menu.actions())
    with pytest.raises(BundleError):
        model_delete.remove_trained_bundle(bundled_models_dir() / default_model_name())
    assert (bundled_models_dir() / default_model_name()).is_dir()


def test_the_finetune_dialog_and_verdicts_speak_japanese(qtbot: QtBot) -> None:
    import re

    from desktop import i18n
    from desktop.finetune_dialog import FinetuneDialog
    from desktop.job_verdicts import finetune_verdict, training_verdict

    translators = i18n.install_translators("ja")
    try:
        dialog = FinetuneDialog(["1"] * 3 + ["あ"] * 6 + ["い"] * 2, ["1", "2"], "MNIST")
        qtbot.addWidget(dialog)
        texts = [dialog.info.text(), dialog.add_labels.text(), dialog.refused_note.text(),
                 training_verdict(TrainJobResult("/models/mine", "mine", 1.0, val_top1=0.9, test_top1=0.8)),
                 finetune_verdict(FinetuneJobResult(0.5, 0.9, 0.99, 0.98, 1.0, ("あ",), True, "", held_out_samples=4,
                                                    new_top1_after=1.0, bundle="/models/m-personal-1",
                                                    name="m-personal-1", base="/models/m"))]
    finally:
        i18n.remove_translators(translators)
    for text in texts:
        words = re.sub(r"<[^>]+>|MNIST|mine|top-1", "", text)
        assert not re.search(r"[A-Za-z]{3,}", words), text


def test_corrections_become_samples(qtbot: QtBot, tiny_bundle: Path, isolated_data_dir: Path) -> None:
    from desktop.main_window import MainWindow

    window = MainWindow(str(tiny_bundle))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.current_bundle() is not None, timeout=10000)
    for rank in (0, 3):
        with qtbot.waitSignal(window.candidatesShown, timeout=5000):
            write_digit(window.canvas, "4")
        qtbot.waitUntil(lambda: not window.service._busy)
        shown = window.candidates.candidates()
        window.candidates.buttons[rank].click()
    with SampleStore() as store:
        samples = store.list()
    assert len(samples) == 1  # the first candidate was right the first time: nothing to learn
    assert samples[0].label == shown[3].label and samples[0].candidates[0][0] == shown[0].label
    assert samples[0].model == "tiny" and len(samples[0].ink.strokes) == 1


def test_a_corrupt_samples_database_does_not_stop_recognition(qtbot: QtBot, tiny_bundle: Path,
                                                              isolated_data_dir: Path,
                                                              shown_errors: list[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.main_window import MainWindow

    from PySide6.QtWidgets import QMessageBox

    isolated_data_dir.mkdir(parents=True, exist_ok=True)
    (isolated_data_dir / "samples.sqlite3").write_bytes(b"garbage" * 1000)
    asked: list[str] = []
    # The user is offered to move the damaged file aside, and says no: nothing is kept, nothing lost.
    monkeypatch.setattr(QMessageBox, "question",
                        lambda parent, title, text, *a, **k: asked.append(f"{title}: {text}")
                        or QMessageBox.StandardButton.No)
    window = MainWindow(str(tiny_bundle))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.current_bundle() is not None, timeout=10000)
    for _ in range(2):
        with qtbot.waitSignal(window.candidatesShown, timeout=5000):
            write_digit(window.canvas, "1")
        qtbot.waitUntil(lambda: not window.service._busy)
        window.candidates.buttons[1].click()
    assert len(asked) == 1 and "damaged" in asked[0] and not shown_errors  # asked once, not at every choice
    assert window.text.text() and window.current_bundle() is not None
    assert (isolated_data_dir / "samples.sqlite3").read_bytes() == b"garbage" * 1000


def test_samples_window_filters_deletes_and_undoes(qtbot: QtBot, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from desktop.samples_window import SamplesWindow

    asked: list[str] = []

    def keep_new_class(box: QMessageBox) -> int:
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == "Keep as new class").click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", keep_new_class)

    store = SampleStore(tmp_path / "s.sqlite3")
    for ink in writer_samples(2, seed=0, slant=0.0, squash=1.0):
        store.add(ink, str(ink.label), "digits", [("1", 0.5)])
    window = SamplesWindow(store)
    qtbot.addWidget(window)
    assert window.model.rowCount() == 20
    assert not window.model.data(window.model.index(0), 1).isNull()  # a thumbnail
    window.label_filter.setCurrentIndex(window.label_filter.findData("7"))
    assert window.model.rowCount() == 2
    window.view.selectAll()
    window.delete_selected()
    assert store.count() == 18 and window.model.rowCount() == 0
    window.undo_delete()
    assert store.count() == 20 and window.model.rowCount() == 2
    window.view.selectAll()
    window.relabel_selected("T")
    assert dict(store.labels())["T"] == 2 and "“T”" in asked[0]  # a new label is confirmed once
    window.export(str(tmp_path / "shown.jsonl"))  # exports what is shown: the filter is still "7"
    assert (tmp_path / "shown.jsonl").read_text() == ""
    window.label_filter.setCurrentIndex(0)
    window.export(str(tmp_path / "out.jsonl"))
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 20
    store.close()


def test_practice_keeps_what_is_written(qtbot: QtBot, tmp_path: Path) -> None:
    from desktop.practice import PracticeDialog

    store = SampleStore(tmp_path / "s.sqlite3")
    dialog = PracticeDialog(store, list("0123456789"), "digits")
    qtbot.addWidget(dialog)
    dialog.characters.setText("12")
    dialog.repeats.setValue(2)
    dialog.start()
    dialog.show()
    assert dialog.current == "1" and "1 / 4" in dialog.progress.text()
    dialog.save()  # nothing written: nothing kept
    assert store.count() == 0
    drag(dialog.canvas, [(100, 40), (100, 200)])
    dialog.save()
    drag(dialog.canvas, [(90, 40), (110, 200)])
    dialog.save()
    assert dialog.current == "2" and dialog.canvas.is_empty()
    assert [s.label for s in store.list()] == ["1", "1"]
    store.close()


@pytest.mark.slow  # trains a model: tens of seconds on 2 cores
def test_a_job_started_from_the_menu_runs_in_the_background(qtbot: QtBot, tiny_bundle: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.main_window import MainWindow
    from tests.datagen import write_mnist_like
    from training.config import TrainConfig
    from training.jobs import JobSpec

    asked: list[str] = []

    def keep_current(box: QMessageBox) -> int:
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == "Keep current").click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", keep_current)
    window = MainWindow(str(tiny_bundle))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.current_bundle() is not None, timeout=10000)
    data = write_mnist_like(tmp_path / "mnist", 300, 50)
    config = TrainConfig(data=str(data), out=str(tmp_path / "new"), epochs=1, batch_size=32, validation_size=50)
    job = window.training.start(JobSpec("train", config, "test"))
    qtbot.waitUntil(lambda: not job.running, timeout=180000)
    assert job.state == "finished", job.error
    assert window.training.jobs_window().overall_bar.value() == 100
    assert asked and asked[0].startswith("Model new trained: validation top-1")  # offered, whatever its verdict
    assert (tmp_path / "new" / "model.tflite").exists()
