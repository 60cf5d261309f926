"""The Jobs window: every background job with progress bars, ETA, live curves, log and Cancel."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit,
                               QProgressBar, QPushButton, QSplitter, QVBoxLayout, QWidget)

from desktop.curves import CurvesWidget
from desktop.i18n import translate, translate_error
from training.events import (BatchEvent, CancelledEvent, DoneEvent, EpochEvent, ErrorEvent, Event, FinishedEvent,
                             LogEvent, StageEvent, StartEvent, fraction_done, seconds_left)

#: Events that add a line to the job's log.
_LOGGED = (StageEvent, EpochEvent, LogEvent, CancelledEvent, ErrorEvent, FinishedEvent, DoneEvent)


@dataclass
class JobProgress:
    """What a job has reported so far, reduced to what the window shows (no Qt: easy to test).

    Multi-stage runs (an ImageNet backbone's head stage, then its fine-tuning stage) count
    as one run: ``planned`` is the epochs of all stages, and epochs of finished stages stay
    counted when the next stage starts again at epoch 1.

    Attributes:
        started: When the job started (unix time).
        planned: Epochs of all stages as configured (0: take the ``start`` event's count).
    """

    started: float = field(default_factory=time.time)
    planned: int = 0
    stage: str = "Starting"
    stage_no: int = 0
    done_before: int = 0
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    steps: int = 0
    epoch_logs: list[dict[str, float]] = field(default_factory=list)
    batch_losses: list[tuple[float, float]] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    fitting_since: float | None = None
    fitting_from: float = 0.0

    def apply(self, event: Event) -> None:
        """Folds one event from ``training.jobs`` into the progress."""
        if isinstance(event, StageEvent):
            self.stage = event.text
        elif isinstance(event, StartEvent):
            self._start(event)
        elif isinstance(event, BatchEvent):
            self.batch = event.batch
            self.steps = event.steps or self.steps
            loss = event.logs.get("loss")  # a metric a run may not report
            if loss is not None and self.steps:
                self.batch_losses.append((self.done_before + self.epoch + self.batch / self.steps, loss))
        elif isinstance(event, EpochEvent):
            self.epoch = event.epoch
            self.epochs = event.epochs or self.epochs
            self.batch = 0
            self.epoch_logs.append(curve_logs(event.logs))
        if isinstance(event, _LOGGED):
            self.log.append(log_line(event, self.done_before))

    def _start(self, event: StartEvent) -> None:
        stage = event.stage or 0
        if stage != self.stage_no and self.epoch:  # a new stage counts its epochs from 1 again
            self.done_before += self.epoch
        # A resumed fit starts where its run stood (the app resumes none, the CLI's runs do).
        self.stage_no, self.epoch, self.batch = stage, event.first_epoch, event.first_batch
        self.epochs = event.epochs or 0
        self.steps = event.steps or 0
        if self.fitting_since is None and event.t is not None:
            # The ETA counts from when fitting started (the child's clock), not from the
            # job's start: importing TensorFlow and reading data say nothing about the rest.
            self.fitting_since = event.t
            self.fitting_from = self.overall

    @property
    def total_epochs(self) -> int:
        """Epochs of the whole run (all stages)."""
        return max(self.planned, self.done_before + self.epochs)

    @property
    def overall(self) -> float:
        """Fraction of the whole run done (0..1)."""
        return fraction_done(self.done_before + self.epoch, self.batch, self.steps, self.total_epochs)

    def eta_seconds(self, now: float | None = None) -> float | None:
        """Seconds left, extrapolated from the progress so far (None until there is some)."""
        since, origin = (self.fitting_since, self.fitting_from) if self.fitting_since else (self.started, 0.0)
        return seconds_left((now or time.time()) - since, self.overall, origin)


def curve_logs(logs: dict[str, float]) -> dict[str, float]:
    """An epoch's logs under the names the curves draw.

    A fine-tune trained on probability targets reported ``categorical_accuracy``: its
    accuracy curve waited for ``accuracy`` forever.
    """
    out = {str(k): float(v) for k, v in logs.items()}
    for prefix in ("", "val_"):
        if f"{prefix}accuracy" not in out and f"{prefix}categorical_accuracy" in out:
            out[f"{prefix}accuracy"] = out[f"{prefix}categorical_accuracy"]
    return out


def log_line(event: Event, epoch_offset: int = 0) -> str:
    """The line the log shows for an event."""
    if isinstance(event, EpochEvent):
        return (f"epoch {event.epoch}/{event.epochs}: "
                + "  ".join(f"{k} {v:.4f}" for k, v in event.logs.items()))
    if isinstance(event, (StageEvent, LogEvent)):
        return event.text
    if isinstance(event, DoneEvent):
        return translate("JobsWindow", "Done in {s} s").format(s=f"{event.seconds:.0f}")
    if isinstance(event, FinishedEvent):
        return translate("JobsWindow", "Finished:") + " " + ", ".join(
                f"{k} {_short(v)}" for k, v in event.result.to_json().items() if k not in ("kind", "verdict"))
    if isinstance(event, (ErrorEvent, CancelledEvent)):
        return event.message
    return ""


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def format_eta(seconds: float | None) -> str:
    """``"ETA 3 min 05 s"`` or a placeholder."""
    if seconds is None:
        return translate("JobsWindow", "ETA: estimating…")
    seconds = int(round(seconds))
    if seconds >= 3600:
        return translate(
                "JobsWindow", "ETA {h} h {min} min").format(h=seconds // 3600, min=f"{seconds % 3600 // 60:02d}")
    if seconds >= 60:
        return translate("JobsWindow", "ETA {min} min {s} s").format(min=seconds // 60, s=f"{seconds % 60:02d}")
    return translate("JobsWindow", "ETA {s} s").format(s=seconds)


def state_text(job: Any) -> str:
    """The job's state as the list shows it, with the reason when it did not finish."""
    if job.state == "running":
        return (translate("JobsWindow", "cancelling…") if getattr(job, "cancelling", False)
                else translate("JobsWindow", "running"))
    return state_title(job.state).lower()


def state_title(state: str) -> str:
    """A job state (``finished``, ``failed``, ``cancelled``…) as the window shows it."""
    titles = {"finished": translate("JobsWindow", "Finished"), "failed": translate("JobsWindow", "Failed"),
              "cancelled": translate("JobsWindow", "Cancelled"), "running": translate("JobsWindow", "Running"),
              "queued": translate("JobsWindow", "Queued")}
    return titles.get(state, state.capitalize())


class JobsWindow(QWidget):
    """Lists jobs; shows the selected one's progress. ``cancelRequested(job)`` asks to stop one."""

    cancelRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(translate("JobsWindow", "Jobs"))
        self.resize(860, 600)
        self._jobs: list[Any] = []
        self._progress: dict[int, JobProgress] = {}
        self._log_shown = 0
        splitter = QSplitter(self)
        self.list = QListWidget(splitter)
        self.list.currentRowChanged.connect(lambda _row: self._show_selected())
        splitter.addWidget(self._build_detail(splitter))
        splitter.setSizes([220, 640])
        QVBoxLayout(self).addWidget(splitter)
        self._show_selected()

    def _build_detail(self, parent: QWidget) -> QWidget:
        detail = QWidget(parent)
        layout = QVBoxLayout(detail)
        self.title = QLabel(translate("JobsWindow", "No jobs yet: start one from the Training menu."), detail)
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        form = QFormLayout()
        self.overall_bar, self.epoch_bar, self.batch_bar = (QProgressBar(detail) for _ in range(3))
        form.addRow(translate("JobsWindow", "Overall"), self.overall_bar)
        form.addRow(translate("JobsWindow", "Epochs"), self.epoch_bar)
        form.addRow(translate("JobsWindow", "Batches"), self.batch_bar)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.eta = QLabel("", detail)
        row.addWidget(self.eta, 1)
        self.cancel_button = QPushButton(translate("JobsWindow", "Cancel job"), detail)
        self.cancel_button.clicked.connect(self._cancel_selected)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.curves = CurvesWidget(detail)
        layout.addWidget(self.curves, 2)
        self.log = QPlainTextEdit(detail)
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)
        layout.addWidget(self.log, 1)
        return detail

    def add_job(self, job: Any) -> None:
        """Shows a new job and selects it."""
        self._jobs.append(job)
        self._progress[id(job)] = JobProgress(started=getattr(job, "started", time.time()),
                                              planned=job.spec.planned_epochs)
        self.list.addItem(QListWidgetItem(self._item_text(job)))
        self.list.setCurrentRow(len(self._jobs) - 1)

    def jobs(self) -> list[Any]:
        """Every job shown, oldest first."""
        return list(self._jobs)

    def progress_of(self, job: Any) -> JobProgress:
        """What ``job`` has reported so far."""
        return self._progress[id(job)]

    def feed(self, job: Any, events: list[Event]) -> None:
        """Applies new events of ``job`` and refreshes what is shown."""
        progress = self._progress.get(id(job))
        if progress is None:
            return
        for event in events:
            progress.apply(event)
        row = self._jobs.index(job)
        item = self.list.item(row)
        item.setText(self._item_text(job))
        item.setToolTip(translate_error(job.error) if job.error else "")
        if row == self.list.currentRow():
            self._refresh(job, progress)

    def _item_text(self, job: Any) -> str:
        return f"{job.spec.title or job.spec.kind} — {state_text(job)}"

    def _selected(self) -> Any:
        row = self.list.currentRow()
        return self._jobs[row] if 0 <= row < len(self._jobs) else None

    def _show_selected(self) -> None:
        job = self._selected()
        self.log.clear()
        self._log_shown = 0
        if job is None:
            self.curves.set_series([], [])
            self.cancel_button.setEnabled(False)
            return
        progress = self._progress[id(job)]
        self.curves.set_series(progress.epoch_logs, progress.batch_losses)
        self._refresh(job, progress)

    def _refresh(self, job: Any, progress: JobProgress) -> None:
        state = job.state
        reason = f"<br>{escape(translate_error(job.error), quote=False)}" if job.error else ""
        # A job that ended says so, not its last stage ("Exporting and evaluating").
        shown = progress.stage if state == "running" else state_title(state)
        title = escape(job.spec.title or job.spec.kind, quote=False)
        self.title.setText(f"<b>{title}</b> — {escape(shown, quote=False)}{reason}")
        self.overall_bar.setValue(int(round(100 * (1.0 if state == "finished" else progress.overall))))
        if state == "finished":  # every epoch and batch done, not the 0 an epoch's end resets to
            total = max(progress.total_epochs, progress.done_before + progress.epoch)
            _set_bar(self.epoch_bar, total, total)
            _set_bar(self.batch_bar, progress.steps, progress.steps)
        else:
            _set_bar(self.epoch_bar, progress.done_before + progress.epoch, progress.total_epochs)
            _set_bar(self.batch_bar, progress.batch, progress.steps)
        if state == "running":
            self.eta.setText(translate("JobsWindow", "Cancelling…") if getattr(job, "cancelling", False) else
                             format_eta(progress.eta_seconds()))
        else:
            ended = getattr(job, "ended", None) or time.time()
            self.eta.setText(translate("JobsWindow", "{state} after {s} s").format(
                state=state_title(state), s=f"{ended - progress.started:.0f}"))
        self.cancel_button.setEnabled(state == "running" and not getattr(job, "cancelling", False))
        self.curves.update()
        for line in progress.log[self._log_shown:]:
            self.log.appendPlainText(line)
        self._log_shown = len(progress.log)

    def _cancel_selected(self) -> None:
        job = self._selected()
        if job is not None and job.state == "running":
            self.cancelRequested.emit(job)
            self.feed(job, [])


def _set_bar(bar: QProgressBar, value: int, maximum: int) -> None:
    bar.setMaximum(max(1, maximum))
    bar.setValue(min(value, max(1, maximum)))
    bar.setFormat(f"{value} / {maximum}" if maximum else "—")
