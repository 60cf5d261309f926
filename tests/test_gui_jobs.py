"""The Training menu as a user drives it: the Jobs window, the dialogs, the controller."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialogButtonBox, QMainWindow, QMessageBox
from pytestqt.qtbot import QtBot

from core.bundle import load_bundle
from core.ink import Ink, make_stroke
from core.recognizer import Candidate
from desktop.curves import MAX_BATCH_POINTS, CurvesWidget, thin
from desktop.jobs_window import JobProgress, JobsWindow, format_eta
from training.config import TrainConfig
from training.cli_train import TerminalProgress
from training.events import (BatchEvent, EpochEvent, ErrorEvent, Event, FinetuneJobResult, JobResult, StageEvent,
                             StartEvent, TrainJobResult, parse_event)
from training.jobs import FinetuneJobConfig, JobSpec

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.usefixtures("settings_in_tmp")


class FakeJob:
    """Stands in for ``training.jobs.Job``: its events and end are decided by the test."""

    def __init__(self, kind: str = "train") -> None:
        config = TrainConfig(data="d", out="o", epochs=4) if kind == "train" else FinetuneJobConfig(base="b", samples="s")
        self.spec = JobSpec(kind, config, f"fake {kind}")
        self.state, self.error, self.result = "running", None, None
        self.started, self.ended = time.time(), None
        self.cancelled = False
        self.queued: list[Event] = []
        self.ending: tuple[str, JobResult | None, str | None] | None = None

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def cancelling(self) -> bool:
        return self.running and self.cancelled

    def cancel(self) -> None:
        self.cancelled = True

    def kill(self) -> None:
        self.state = "cancelled"

    def poll(self) -> list[Event]:
        events, self.queued = self.queued, []
        if self.ending:  # like a real job, it ends when polled
            self.state, self.result, self.error = self.ending
            self.ended, self.ending = time.time(), None
        return events

    def end(self, state: str, result: JobResult | None = None, error: str | None = None) -> None:
        self.ending = (state, result, error)


def _finetune_result(**fields: Any) -> FinetuneJobResult:
    """A fine-tune job's result: these fields, the rest plain."""
    values: dict[str, Any] = {"bundle": "/models/digits-personal-1", "name": "digits-personal-1",
                              "base": "/models/digits", "user_top1_before": 0.8, "user_top1_after": 0.9,
                              "base_top1_before": 0.99, "base_top1_after": 0.99, "seconds": 5.0, "new_labels": (),
                              "recommended": True, "reason": ""}
    return FinetuneJobResult(**{**values, **fields})


class FakeMain(QMainWindow):
    """The main window's side of the contract with the training controller."""

    def __init__(self, bundle: Any = None) -> None:
        super().__init__()
        self.bundle, self.messages, self.switched, self.refreshed = bundle, [], [], 0

    def current_bundle(self) -> Any:
        return self.bundle

    def status_message(self, text: str) -> None:
        self.messages.append(text)

    def refresh_models(self) -> None:
        self.refreshed += 1

    def choose_model(self, name_or_path: str) -> None:
        self.switched.append(name_or_path)


def _controller(qtbot: QtBot, bundle: Any = None) -> Any:
    from desktop.training_ui import TrainingController

    main = FakeMain(bundle)
    qtbot.addWidget(main)
    return TrainingController(main)


EPOCH = {"loss": 1.2, "accuracy": 0.6, "val_loss": 1.0, "val_accuracy": 0.7}
EVENTS = [parse_event(e) for e in (
    {"event": "stage", "text": "Training on 100 samples"}, {"event": "start", "epochs": 4, "steps": 10},
    {"event": "batch", "batch": 5, "steps": 10, "logs": {"loss": 1.5}}, {"event": "epoch", "epoch": 1, "epochs": 4,
                                                                         "logs": EPOCH},
    {"event": "batch", "batch": 5, "steps": 10, "logs": {"loss": 0.9}})]


def test_the_jobs_window_shows_bars_eta_curves_and_log(qtbot: QtBot) -> None:
    window = JobsWindow()
    qtbot.addWidget(window)
    job = FakeJob()
    window.add_job(job)
    window.feed(job, EVENTS)
    assert (window.overall_bar.value(), window.epoch_bar.value(), window.batch_bar.value()) == (38, 1, 5)
    assert window.epoch_bar.text() == "1 / 4" and window.batch_bar.text() == "5 / 10"
    assert window.eta.text().startswith("ETA")
    assert len(window.curves.epochs) == 1 and len(window.curves.batch_loss) == 2
    log = window.log.toPlainText().splitlines()
    assert log[0] == "Training on 100 samples" and log[1].startswith("epoch 1/4: loss 1.2000")
    window.feed(job, [EpochEvent(2, 4, EPOCH)])
    assert window.log.toPlainText().count("epoch") == 2  # appended, not repeated
    job.end("failed", error="The dataset is empty.")
    window.feed(job, job.poll() + [ErrorEvent("The dataset is empty.")])
    assert window.list.item(0).text() == "fake train — failed"
    assert window.list.item(0).toolTip() == "The dataset is empty." and "dataset is empty" in window.title.text()
    assert not window.cancel_button.isEnabled() and window.eta.text().startswith("Failed after")


def test_a_finished_job_shows_its_finished_state_and_full_bars(qtbot: QtBot) -> None:
    window = JobsWindow()
    qtbot.addWidget(window)
    job = FakeJob()
    window.add_job(job)
    window.feed(job, EVENTS + [EpochEvent(2, 2, EPOCH), StageEvent("Exporting and evaluating")])
    assert "Exporting and evaluating" in window.title.text()
    job.end("finished", TrainJobResult("/models/mine", "mine", 1.0))
    window.feed(job, job.poll())
    assert "Exporting" not in window.title.text() and "Finished" in window.title.text()
    assert window.batch_bar.text() == "10 / 10" and window.batch_bar.value() == window.batch_bar.maximum()
    assert window.epoch_bar.value() == window.epoch_bar.maximum() and window.overall_bar.value() == 100


def test_a_finetune_accuracy_curve_draws(qtbot: QtBot) -> None:
    from desktop.jobs_window import curve_logs

    window = JobsWindow()
    qtbot.addWidget(window)
    job = FakeJob("finetune")
    window.add_job(job)
    # What a fine-tune on probability targets reports (Keras' name for its accuracy there).
    window.feed(job, [StartEvent(8, 4), EpochEvent(1, 8, {"loss": 1.0, "categorical_accuracy": 0.5})])
    assert window.curves.epochs[0]["accuracy"] == 0.5
    assert curve_logs({"val_categorical_accuracy": 0.25})["val_accuracy"] == 0.25


def test_selecting_another_job_shows_its_own_progress(qtbot: QtBot) -> None:
    window = JobsWindow()
    qtbot.addWidget(window)
    first, second = FakeJob(), FakeJob("finetune")
    window.add_job(first)
    window.feed(first, EVENTS)
    window.add_job(second)
    assert window.list.currentRow() == 1 and window.overall_bar.value() == 0 and not window.curves.epochs
    assert window.log.toPlainText() == ""
    window.list.setCurrentRow(0)
    assert window.overall_bar.value() == 38 and len(window.curves.epochs) == 1
    assert "Training on 100 samples" in window.log.toPlainText()


def test_two_stage_progress_never_runs_backwards() -> None:
    progress = JobProgress(started=0.0, planned=5)
    progress.apply(StartEvent(3, 10, stage=1))
    for epoch in (1, 2, 3):
        progress.apply(EpochEvent(epoch, 3, EPOCH, stage=1))
    assert progress.overall == pytest.approx(3 / 5)
    progress.apply(StartEvent(2, 10, stage=2))
    progress.apply(parse_event({"event": "batch", "batch": 5, "steps": 10, "logs": {"loss": 0.5}}))
    assert progress.overall == pytest.approx(3.5 / 5)
    assert progress.batch_losses[-1] == (3.5, 0.5) and progress.total_epochs == 5


def test_the_eta_counts_from_when_fitting_started() -> None:
    progress = JobProgress(started=100.0)
    progress.apply(StartEvent(4, 10, t=160.0))  # a minute of start-up
    progress.apply(EpochEvent(1, 4, EPOCH))
    assert progress.eta_seconds(now=170.0) == pytest.approx(30.0)  # 10 s an epoch, 3 to go
    assert format_eta(125) == "ETA 2 min 05 s" and format_eta(3725) == "ETA 1 h 02 min"
    assert format_eta(None) == "ETA: estimating…"


def test_a_resumed_fit_shows_where_its_run_stood() -> None:
    progress = JobProgress(started=900.0)
    progress.apply(StartEvent(10, 100, first_epoch=3, first_batch=50, t=1000.0))  # resumed inside epoch 4
    assert progress.overall == pytest.approx(0.35) and progress.eta_seconds(now=1005.0) is None
    progress.apply(BatchEvent(60, 100, {"loss": 0.5}))  # batches count within the whole epoch
    assert progress.overall == pytest.approx(0.36) and progress.batch_losses[-1] == (3.6, 0.5)
    assert progress.eta_seconds(now=1010.0) == pytest.approx(640.0)  # 10 s for 10 batches, 640 to go
    stream = io.StringIO()  # the terminal's line says the same
    line = TerminalProgress(stream)
    line(StartEvent(10, 100, first_epoch=3, first_batch=50))
    line(BatchEvent(60, 100, {"loss": 0.5}))
    assert "epoch 4/10" in stream.getvalue() and " 36.0%" in stream.getvalue()


def test_cancel_in_the_jobs_window_cancels_the_job(qtbot: QtBot) -> None:
    controller = _controller(qtbot)
    job = FakeJob()
    controller.jobs.append(job)
    controller.jobs_window().add_job(job)
    controller.jobs_window().cancel_button.click()
    assert job.cancelled and "Cancelling" in controller.window.messages[-1]
    assert not controller.jobs_window().cancel_button.isEnabled()  # no second cancel while it stops
    assert controller.jobs_window().list.item(0).text().endswith("cancelling…")


def test_long_runs_keep_their_curve_cheap_to_paint(qtbot: QtBot) -> None:
    curves = CurvesWidget()
    qtbot.addWidget(curves)
    curves.resize(600, 200)
    losses = [(i / 100, 2.0 / (1 + i / 1000)) for i in range(20000)]
    epochs = [dict(EPOCH, loss=2.0 - 0.1 * i) for i in range(20)]
    curves.set_series(epochs, losses[:MAX_BATCH_POINTS])
    start = time.perf_counter()
    curves.grab()
    baseline = time.perf_counter() - start  # the most points a curve ever draws
    curves.set_series(epochs, losses)
    start = time.perf_counter()
    image = curves.grab().toImage()
    # Measured against a baseline in the same run, so a busy machine does not fail it.
    assert time.perf_counter() - start < 3 * baseline + 0.03
    thinned = thin(losses, MAX_BATCH_POINTS)
    assert len(thinned) == MAX_BATCH_POINTS and thinned[0][1] > thinned[-1][1]
    colours = {image.pixelColor(x, y).name() for x in range(0, 600, 2) for y in range(0, 200, 2)}
    assert QColor("#1f77b4").name() in colours and QColor("#ff7f0e").name() in colours  # both curves drawn


def test_finetune_dialog_says_how_many_more_samples_are_needed(qtbot: QtBot) -> None:
    from desktop.finetune_dialog import FinetuneDialog

    dialog = FinetuneDialog(["1", "2", "3"] + ["字"] * 5, list("0123456789"), "Digits")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert "2 more samples are needed" in dialog.info.text() and not ok.isEnabled()
    assert not dialog.add_labels.isHidden() and "字 (5)" in dialog.add_labels.text()
    dialog.add_labels.setChecked(False)  # the unknown label's samples no longer count
    assert "7 more samples are needed" in dialog.info.text()
    enough = FinetuneDialog(list("0123456789") * 2, list("0123456789"), "Digits")
    qtbot.addWidget(enough)
    assert enough.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled() and enough.add_labels.isHidden()
    assert "more samples are needed" not in enough.info.text()
    assert "5 of them are held out" in enough.info.text()  # a quarter of 20, as the fine-tune holds out


def test_a_new_class_needs_five_samples_and_the_dialog_says_so(qtbot: QtBot) -> None:
    from desktop.finetune_dialog import FinetuneDialog
    from training.adapt import MIN_NEW_CLASS_SAMPLES, holdout_counts

    # The flow: ten practice samples and two corrections typed as new labels, one sample each.
    labels = list("日木") * 5 + ["ab", "鷗"]
    dialog = FinetuneDialog(labels, ["日", "木", "本"], "Japanese")
    qtbot.addWidget(dialog)
    assert MIN_NEW_CLASS_SAMPLES == 5 and dialog.add_labels.isHidden()  # nothing to add: both are refused
    assert not dialog.refused_note.isHidden()
    assert "ab (1) 鷗 (1)" in dialog.refused_note.text() and "at least 5 samples" in dialog.refused_note.text()
    assert dialog.usable == 10
    # 14 samples, each label once or twice: "a quarter are held out" now means what the fine-tune does.
    few = FinetuneDialog(list("日木本") * 2 + list("abcdefgh"), list("日木本abcdefgh"), "Japanese")
    qtbot.addWidget(few)
    assert f"{few.held_out} of them are held out" in few.info.text()
    assert few.held_out == sum(holdout_counts([2, 2, 2] + [1] * 8, 0.25, 1)) == 3


def test_train_dialog_checks_values_inline_and_never_reuses_a_name(qtbot: QtBot, tmp_path: Path,
                                                                   isolated_data_dir: Path) -> None:
    from core.errors import InputError
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
    assert not ok.isEnabled() and "Received: 'bad name!'" in dialog.problem.text()
    dialog.name.setText("mine")
    dialog.limit.setValue(1)  # TrainConfig's own check speaks through the dialog
    assert not ok.isEnabled() and "limit=1" in dialog.problem.text()
    dialog.limit.setValue(0)
    assert ok.isEnabled() and dialog.problem.text() == ""
    (isolated_data_dir / "models" / "mine").mkdir(parents=True)
    with pytest.raises(InputError, match="already exists"):  # taken meanwhile: refused, never renamed silently
        dialog.config(reserved={isolated_data_dir / "models" / "mine-2"})
    dialog.name.setText("mine-3")
    config = dialog.config(reserved={isolated_data_dir / "models" / "mine-2"})
    assert config["out"] == str(isolated_data_dir / "models" / "mine-3") and config["backbone"] == "simple-cnn"
    assert config["name"] == "mine-3" and config["epochs"] == dialog.epochs.value()


def test_corrections_are_kept_as_samples_and_first_choices_are_not(qtbot: QtBot, tiny_bundle: Path) -> None:
    from core.samples import SampleStore

    controller = _controller(qtbot, load_bundle(tiny_bundle))
    ink = Ink([make_stroke([(0, 0), (10, 40), (20, 80)])])
    shown = [Candidate("1", 0.6), Candidate("7", 0.3)]
    controller.record_choice("1", 0, ink, shown)
    controller.record_choice("7", 1, ink, shown)
    controller.shutdown()
    with SampleStore() as store:
        samples = store.list()
    assert [(s.label, s.model) for s in samples] == [("7", "tiny")]
    assert samples[0].candidates[0] == ("1", pytest.approx(0.6)) and len(samples[0].ink.strokes) == 1
    assert "Kept as a sample of “7”" in controller.sample_notice().label.text()  # said with an Undo button


def _press_default(shown: list[tuple[str, list[str], str]]) -> Any:
    def press(box: QMessageBox) -> int:  # what pressing Enter does
        shown.append((box.text(), [b.text() for b in box.buttons()], box.defaultButton().text()))
        box.defaultButton().click()
        return 0

    return press


def test_a_finished_training_offers_to_switch(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from training.evaluate import judge_run

    shown: list[tuple[str, list[str], str]] = []
    monkeypatch.setattr(QMessageBox, "exec", _press_default(shown))
    controller = _controller(qtbot)
    job = FakeJob()
    controller.jobs.append(job)
    controller.jobs_window().add_job(job)
    job.end("finished", TrainJobResult("/models/mine", "mine", 60.0, val_top1=0.991, test_top1=None,
                                       verdict=judge_run(0.991, 10, 2400, 2, 32)))
    controller.poll()
    assert shown == [("Model mine trained: validation top-1 99.10%.\n\nSwitch to it?", ["Switch", "Keep current"],
                      "Switch")]
    assert controller.window.switched == ["/models/mine"] and controller.window.refreshed == 1
    assert controller.jobs_window().overall_bar.value() == 100


def test_a_model_no_better_than_guessing_is_not_offered_by_default(qtbot: QtBot,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from training.evaluate import judge_run

    shown: list[tuple[str, list[str], str]] = []
    monkeypatch.setattr(QMessageBox, "exec", _press_default(shown))
    controller = _controller(qtbot)
    job = FakeJob()
    controller.jobs.append(job)
    controller.jobs_window().add_job(job)
    # The run: "validation top-1 9.83%, test 11.39%. Switch to it?" with Yes the default.
    job.end("finished", TrainJobResult("/models/small", "small", 9.0, val_top1=0.0983, test_top1=0.1139,
                                       verdict=judge_run(0.1139, 10, 150, 3, 32)))
    controller.poll()
    text, buttons, default = shown[0]
    assert (default, sorted(buttons)) == ("Keep current", ["Keep current", "Switch anyway"])
    assert "no better than guessing among 10 classes" in text
    assert "too few samples (15 per class" in text and "too short a run (3 epochs" in text
    assert controller.window.switched == []


def test_a_failed_job_says_why_and_switches_nothing(qtbot: QtBot, shown_errors: list[str]) -> None:
    controller = _controller(qtbot)
    job = FakeJob("finetune")
    controller.jobs.append(job)
    controller.jobs_window().add_job(job)
    job.end("failed", error="A fine-tune needs at least 10 labelled samples; there are 4.")
    controller.poll()
    assert shown_errors == ["Fine-tuning failed: A fine-tune needs at least 10 labelled samples; there are 4."
                            "\n\nNo model was written or replaced."]
    assert controller.window.switched == []


@pytest.mark.parametrize("recommended, switches", [(True, True), (False, False)])
def test_the_finetune_verdict_shows_both_accuracies_and_defaults_to_the_advice(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, recommended: bool, switches: bool) -> None:
    shown: list[tuple[str, list[str], str]] = []

    def press_default(box: QMessageBox) -> int:  # what pressing Enter does
        shown.append((box.text(), [b.text() for b in box.buttons()], box.defaultButton().text()))
        box.defaultButton().click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", press_default)
    controller = _controller(qtbot)
    job = FakeJob("finetune")
    controller.jobs.append(job)
    controller.jobs_window().add_job(job)
    job.end("finished", _finetune_result(user_top1_before=0.8, user_top1_after=0.95, base_top1_before=0.99,
                                         base_top1_after=0.988 if recommended else 0.97, recommended=recommended,
                                         reason="because"))
    controller.poll()
    text, buttons, default = shown[0]
    assert "80.0%" in text and "95.0%" in text and "99.00%" in text and "because" in text
    assert (default, sorted(buttons)) == (("Switch", ["Keep current", "Switch"]) if recommended else
                                          ("Keep current", ["Keep current", "Switch anyway"]))
    assert controller.window.switched == (["/models/digits-personal-1"] if switches else [])


def test_quitting_with_a_running_job_asks_first(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["Don't quit", "Cancel job and quit"])
    asked: list[str] = []

    def answer(box: QMessageBox) -> int:
        asked.append(box.text())
        wanted = next(answers)
        next(b for b in box.buttons() if b.text() == wanted).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)
    controller = _controller(qtbot)
    assert controller.confirm_close()  # nothing running: nothing to ask
    job = FakeJob()
    controller.jobs.append(job)
    assert not controller.confirm_close()
    assert controller.confirm_close() and "1 training job(s) still running" in asked[0]
    controller.shutdown()
    assert job.state == "cancelled"


def test_the_training_dialogs_do_not_load_tensorflow(tmp_path: Path) -> None:
    code = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop.finetune_dialog import FinetuneDialog
from desktop.train_dialogs import TrainDialog
from desktop.jobs_window import JobsWindow
from desktop.training_ui import TrainingController
TrainDialog().problems(); FinetuneDialog(["1"], ["1"], "m"); JobsWindow()
print("HEAVY", sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras")))
"""
    env = {"QT_QPA_PLATFORM": "offscreen", "MOJIYOMI_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout


@pytest.mark.slow  # trains a model: tens of seconds on 2 cores
def test_a_job_from_the_menu_trains_in_the_background_and_switches(qtbot: QtBot, tiny_bundle: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.main_window import MainWindow
    from tests.datagen import write_mnist_like
    from training.config import TrainConfig

    def switch(box: QMessageBox) -> int:  # whatever the verdict on a 1-epoch model, the user switches
        next(b for b in box.buttons() if b.text().startswith("Switch")).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", switch)
    window = MainWindow(str(tiny_bundle))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.current_bundle() is not None, timeout=10000)
    data = write_mnist_like(tmp_path / "mnist", 300, 50)
    config = TrainConfig(data=str(data), out=str(tmp_path / "new"), epochs=1, batch_size=32, validation_size=50)
    job = window.training.start(JobSpec("train", config, "test"))
    assert window.training.jobs_window().isVisible()
    qtbot.waitUntil(lambda: not job.running, timeout=180000)
    assert job.state == "finished", job.error
    assert isinstance(job.result, TrainJobResult) and job.result.name == "new"
    verdict = job.result.verdict  # the job judged its model against guessing
    assert verdict is not None and verdict.chance == 0.1 and verdict.near_chance == (verdict.top1 < 0.2)
    jobs_window = window.training.jobs_window()
    assert jobs_window.overall_bar.value() == 100 and len(jobs_window.curves.epochs) == 1
    assert "Finished" in jobs_window.log.toPlainText()
    qtbot.waitUntil(lambda: window.current_bundle() is not None and window.current_bundle().name == "new",
                    timeout=20000)


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_the_finetune_verdict_never_shows_nan(missing: float | None) -> None:
    from desktop.job_verdicts import finetune_verdict

    text = finetune_verdict(_finetune_result(user_top1_before=missing, user_top1_after=missing, base_top1_before=0.97,
                                             base_top1_after=0.969, held_out_samples=0, new_labels=("鷗",),
                                             new_top1_after=missing, reason="No held-out samples of yours."))
    assert "no held-out samples" in text and "nan" not in text.lower()
    assert "97.00% → <b>96.90%</b>" in text
    measured = finetune_verdict(_finetune_result(user_top1_before=0.5, user_top1_after=0.9, base_top1_before=0.97,
                                                 base_top1_after=0.97, held_out_samples=12, new_labels=("鷗",),
                                                 new_top1_after=1.0, reason=""))
    assert "Your 12 held-out samples: 50.0% → <b>90.0%</b>" in measured and "read 100.0%" in measured
