"""The Jobs window: every background job with progress bars, ETA, live curves, log and Cancel."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit,
                               QProgressBar, QPushButton, QSplitter, QVBoxLayout, QWidget)

from desktop.curves import CurvesWidget

_STATE_TEXT = {"running": "running", "finished": "finished", "failed": "failed", "cancelled": "cancelled"}


@dataclass
class JobProgress:
    """What a job has reported so far, reduced to what the window shows (no Qt: easy to test)."""

    started: float = field(default_factory=time.time)
    stage: str = "Starting"
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    steps: int = 0
    epoch_logs: list[dict[str, float]] = field(default_factory=list)
    batch_losses: list[tuple[float, float]] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def apply(self, event: dict[str, Any]) -> None:
        """Folds one event from ``training.jobs`` into the progress."""
        kind = event.get("event")
        if kind == "stage":
            self.stage = str(event.get("text", ""))
            self.log.append(self.stage)
        elif kind == "start":
            self.epochs = int(event.get("epochs") or 0)
            self.steps = int(event.get("steps") or 0)
        elif kind == "batch":
            self.batch = int(event.get("batch") or 0)
            self.steps = int(event.get("steps") or self.steps)
            loss = (event.get("logs") or {}).get("loss")
            if loss is not None and self.steps:
                self.batch_losses.append((self.epoch + self.batch / self.steps, float(loss)))
        elif kind == "epoch":
            self.epoch = int(event.get("epoch") or self.epoch + 1)
            self.epochs = int(event.get("epochs") or self.epochs)
            self.batch = 0
            logs = {k: float(v) for k, v in (event.get("logs") or {}).items()}
            self.epoch_logs.append(logs)
            self.log.append(f"epoch {self.epoch}/{self.epochs}: " +
                            "  ".join(f"{k} {v:.4f}" for k, v in logs.items()))
        elif kind in ("log", "cancelled", "error"):
            self.log.append(str(event.get("text") or event.get("message") or ""))
        elif kind == "finished":
            self.log.append("Finished: " + ", ".join(f"{k} {v}" for k, v in (event.get("result") or {}).items()))

    @property
    def overall(self) -> float:
        """Fraction of the whole run done (0..1)."""
        if not self.epochs:
            return 0.0
        within = self.batch / self.steps if self.steps else 0.0
        return min(1.0, (self.epoch + within) / self.epochs)

    def eta_seconds(self, now: float | None = None) -> float | None:
        """Seconds left, extrapolated from the time so far (None until there is progress)."""
        done = self.overall
        if done <= 0.0:
            return None
        elapsed = (now or time.time()) - self.started
        return elapsed * (1.0 - done) / done


def format_eta(seconds: float | None) -> str:
    """``"ETA 3 min 05 s"`` or a placeholder."""
    if seconds is None:
        return "ETA: estimating…"
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"ETA {seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"ETA {seconds // 60} min {seconds % 60:02d} s"
    return f"ETA {seconds} s"


class JobsWindow(QWidget):
    """Lists jobs; shows the selected one's progress. ``cancelRequested(job)`` asks to stop one."""

    cancelRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("mojiyomi — Jobs")
        self.resize(820, 560)
        self._jobs: list[Any] = []
        self._progress: dict[int, JobProgress] = {}
        splitter = QSplitter(self)
        self.list = QListWidget(splitter)
        self.list.currentRowChanged.connect(lambda _row: self._show_selected())
        detail = QWidget(splitter)
        layout = QVBoxLayout(detail)
        self.title = QLabel("No jobs yet: start one from the Training menu.", detail)
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        form = QFormLayout()
        self.overall_bar, self.epoch_bar, self.batch_bar = (QProgressBar(detail) for _ in range(3))
        form.addRow("Overall", self.overall_bar)
        form.addRow("Epochs", self.epoch_bar)
        form.addRow("Batches", self.batch_bar)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.eta = QLabel("", detail)
        row.addWidget(self.eta, 1)
        self.cancel_button = QPushButton("Cancel job", detail)
        self.cancel_button.clicked.connect(self._cancel_selected)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.curves = CurvesWidget(detail)
        layout.addWidget(self.curves, 2)
        self.log = QPlainTextEdit(detail)
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)
        layout.addWidget(self.log, 1)
        splitter.setSizes([200, 620])
        outer = QVBoxLayout(self)
        outer.addWidget(splitter)
        self._show_selected()

    def add_job(self, job: Any) -> None:
        """Shows a new job and selects it."""
        self._jobs.append(job)
        self._progress[id(job)] = JobProgress(started=getattr(job, "started", time.time()))
        self.list.addItem(QListWidgetItem(self._item_text(job)))
        self.list.setCurrentRow(len(self._jobs) - 1)

    def progress_of(self, job: Any) -> JobProgress:
        return self._progress[id(job)]

    def feed(self, job: Any, events: list[dict[str, Any]]) -> None:
        """Applies new events of ``job`` and refreshes what is shown."""
        progress = self._progress.get(id(job))
        if progress is None:
            return
        for event in events:
            progress.apply(event)
        row = self._jobs.index(job)
        self.list.item(row).setText(self._item_text(job))
        if row == self.list.currentRow():
            self._refresh(job, progress, events)

    def _item_text(self, job: Any) -> str:
        return f"{job.spec.title or job.spec.kind} — {_STATE_TEXT.get(job.state, job.state)}"

    def _selected(self) -> Any:
        row = self.list.currentRow()
        return self._jobs[row] if 0 <= row < len(self._jobs) else None

    def _show_selected(self) -> None:
        job = self._selected()
        self.curves.clear()
        self.log.clear()
        if job is None:
            self.cancel_button.setEnabled(False)
            return
        progress = self._progress[id(job)]
        for logs in progress.epoch_logs:
            self.curves.epochs.append(logs)
        self.curves.batch_loss.extend(progress.batch_losses)
        self.log.setPlainText("\n".join(progress.log))
        self._refresh(job, progress, [])

    def _refresh(self, job: Any, progress: JobProgress, events: list[dict[str, Any]]) -> None:
        state = job.state
        self.title.setText(f"<b>{job.spec.title or job.spec.kind}</b> — {progress.stage}" +
                           (f"<br>{job.error}" if job.error else ""))
        self.overall_bar.setValue(int(round(100 * (1.0 if state == "finished" else progress.overall))))
        self.epoch_bar.setMaximum(max(1, progress.epochs))
        self.epoch_bar.setValue(progress.epoch)
        self.epoch_bar.setFormat(f"{progress.epoch} / {progress.epochs}")
        self.batch_bar.setMaximum(max(1, progress.steps))
        self.batch_bar.setValue(progress.batch)
        self.batch_bar.setFormat(f"{progress.batch} / {progress.steps}")
        self.eta.setText(format_eta(progress.eta_seconds()) if state == "running" else
                         f"{state.capitalize()} after {time.time() - progress.started:.0f} s")
        self.cancel_button.setEnabled(state == "running")
        for event in events:
            if event.get("event") == "epoch":
                self.curves.add_epoch({k: float(v) for k, v in (event.get("logs") or {}).items()})
            elif event.get("event") == "batch" and progress.batch_losses:
                self.curves.add_batch(*progress.batch_losses[-1])
        new_lines = sum(1 for e in events if e.get("event") in ("stage", "epoch", "log", "cancelled", "error",
                                                               "finished"))
        for line in progress.log[len(progress.log) - new_lines:] if new_lines else []:
            self.log.appendPlainText(line)

    def _cancel_selected(self) -> None:
        job = self._selected()
        if job is not None and job.state == "running":
            self.cancelRequested.emit(job)
