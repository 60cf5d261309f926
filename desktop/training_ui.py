"""The Training and Samples menus: jobs in the background, samples kept from corrections."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QDialog, QInputDialog, QMainWindow, QMenu, QMessageBox

from core.errors import MojiyomiError
from core.ink import Ink
from core.recognizer import Candidate
from desktop import errors

log = logging.getLogger(__name__)

#: How often running jobs are polled (ms); polling never blocks.
POLL_MS = 100


class TrainingController(QObject):
    """Owns the background jobs, the samples store and the windows that show them."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.jobs: list[Any] = []
        self._jobs_window: Any = None
        self._samples_window: Any = None
        self._store: Any = None
        self._store_failed = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    # -- menus -------------------------------------------------------------------------------------

    def populate_training_menu(self, menu: QMenu) -> None:
        menu.addAction("&Train new model…").triggered.connect(self.train_new)
        menu.addAction("&Fine-tune current model on my handwriting…").triggered.connect(self.finetune)
        menu.addSeparator()
        menu.addAction("&Jobs…").triggered.connect(self.show_jobs)

    def populate_samples_menu(self, menu: QMenu) -> None:
        menu.addAction("&Type the right label…").triggered.connect(self.type_label)
        menu.addAction("&My samples…").triggered.connect(self.show_samples)
        menu.addAction("&Practice…").triggered.connect(self.practice)

    # -- samples -----------------------------------------------------------------------------------

    def store(self) -> Any:
        """The samples database, opened on first use (None if it cannot be opened)."""
        if self._store is None and not self._store_failed:
            from core.samples import SampleStore

            try:
                self._store = SampleStore()
            except MojiyomiError as exc:
                self._store_failed = True
                errors.show_error(self.window, "Your samples cannot be kept", f"{exc}\n\nRecognition still works; "
                                  "corrections are not kept until this is fixed.")
        return self._store

    def record_choice(self, label: str, rank: int, ink: Ink, candidates: list[Candidate]) -> None:
        """Keeps the ink as a sample when the user chose another than the first candidate."""
        if rank == 0 or ink is None:
            return
        self._keep(ink, label, candidates)

    def _keep(self, ink: Ink, label: str, candidates: list[Candidate]) -> None:
        store = self.store()
        if store is None:
            return
        bundle = self.window.current_bundle()
        try:
            store.add(ink, label, bundle.name if bundle else "", [(c.label, c.score) for c in candidates])
        except MojiyomiError as exc:
            errors.show_error(self.window, "Could not keep the sample", exc)
            return
        self.window.status_message(f"Kept your “{label}” as a sample ({store.count()} in all).")
        if self._samples_window is not None and self._samples_window.isVisible():
            self._samples_window.reload()

    def type_label(self) -> None:
        """Labels what is on the canvas by hand (when no candidate is right)."""
        window = self.window
        if window.canvas.is_empty():
            window.status_message("Write something first, then type what it is.")
            return
        label, ok = QInputDialog.getText(window, "Type the right label", "What did you write?")
        label = label.strip()
        if ok and label:
            self._keep(window.canvas.ink(), label, window.candidates.candidates())
            window.text.insert(label)
            window.canvas.clear()

    def show_samples(self) -> None:
        store = self.store()
        if store is None:
            return
        from desktop.samples_window import SamplesWindow

        if self._samples_window is None:
            self._samples_window = SamplesWindow(store, self.window)
        self._samples_window.reload()
        self._samples_window.show()
        self._samples_window.raise_()

    def practice(self) -> None:
        store = self.store()
        bundle = self.window.current_bundle()
        if store is None:
            return
        from desktop.practice import PracticeDialog

        dialog = PracticeDialog(store, bundle.labels if bundle else (), bundle.name if bundle else "", self.window)
        dialog.exec()

    # -- jobs --------------------------------------------------------------------------------------

    def train_new(self) -> None:
        from desktop.train_dialogs import TrainDialog
        from training.jobs import JobSpec

        dialog = TrainDialog(self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        config = dialog.config()
        self.start(JobSpec("train", config, f"Train {config['name']} ({config['backbone']})"))

    def finetune(self) -> None:
        from desktop.train_dialogs import FinetuneDialog
        from training.jobs import JobSpec

        bundle, store = self.window.current_bundle(), self.store()
        if bundle is None or store is None:
            return
        labels = [label for label, n in store.labels() for _ in range(n)]
        dialog = FinetuneDialog(labels, bundle.labels, bundle.title, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        config = {"base": str(bundle.path), "samples": str(store.path), "epochs": dialog.epochs.value(),
                  "add_labels": dialog.add_labels.isChecked()}
        self.start(JobSpec("finetune", config, f"Fine-tune {bundle.name} on my handwriting"))

    def start(self, spec: Any) -> Any:
        """Starts a job in a spawned process and shows it in the Jobs window."""
        from training.jobs import start_job

        job = start_job(spec)
        self.jobs.append(job)
        self.jobs_window().add_job(job)
        self.show_jobs()
        self._timer.start()
        return job

    def jobs_window(self) -> Any:
        if self._jobs_window is None:
            from desktop.jobs_window import JobsWindow

            self._jobs_window = JobsWindow(self.window)
            self._jobs_window.cancelRequested.connect(self.cancel)
        return self._jobs_window

    def show_jobs(self) -> None:
        window = self.jobs_window()
        window.show()
        window.raise_()

    def cancel(self, job: Any) -> None:
        job.cancel()
        self.window.status_message("Cancelling the job… nothing will be written.")

    def poll(self) -> None:
        """Collects new events of running jobs (called by a timer on the GUI thread)."""
        running = [job for job in self.jobs if job.running]
        for job in running:
            events = job.poll()
            if events or not job.running:
                self.jobs_window().feed(job, events)
            if not job.running:
                self._ended(job)
        if not any(job.running for job in self.jobs):
            self._timer.stop()

    def _ended(self, job: Any) -> None:
        if job.state == "failed":
            errors.show_error(self.window, "Training failed", f"{job.error}\n\nNo model was written or replaced.")
        elif job.state == "cancelled":
            self.window.status_message("The job was cancelled; no model was written or replaced.")
        elif job.spec.kind == "finetune":
            from desktop.train_dialogs import ask_to_switch_after_finetune

            self.window.refresh_models()
            if ask_to_switch_after_finetune(self.window, job.result):
                self.window.switch_model(job.result["bundle"])
        else:
            self.window.refresh_models()
            result = job.result or {}
            answer = QMessageBox.question(self.window, "Training finished",
                                          f"The new model reached {result.get('val_top1', 0):.2%} top-1 on its "
                                          f"validation data. Switch to it?")
            if answer == QMessageBox.StandardButton.Yes:
                self.window.switch_model(result["bundle"])

    # -- closing -----------------------------------------------------------------------------------

    def confirm_close(self) -> bool:
        """Asks what to do about running jobs; False keeps the app open."""
        running = [job for job in self.jobs if job.running]
        if not running:
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "A job is running",
                          f"{len(running)} training job(s) still running. Quitting cancels them; nothing "
                          "half-trained is written and your models stay as they are.", parent=self.window)
        quit_button = box.addButton("Cancel the jobs and quit", QMessageBox.ButtonRole.DestructiveRole)
        stay = box.addButton("Keep training", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(stay)
        box.exec()
        return box.clickedButton() is quit_button

    def shutdown(self) -> None:
        """Stops every job and closes the samples database."""
        for job in self.jobs:
            if job.running:
                job.cancel()
                job.process.terminate()
                job.process.join(5)
        if self._store is not None:
            self._store.close()
