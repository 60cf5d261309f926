"""The Training and Samples menus: jobs in the background, samples kept from corrections."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QDialog, QInputDialog, QMenu, QMessageBox

from core.errors import MojiyomiError
from core.ink import Ink
from core.recognizer import Candidate
from desktop import errors
from desktop.i18n import translate, translate_error
from desktop.label_prompt import confirm_label
from desktop.protocols import AppWindow
from desktop.sample_notice import SampleNotice
from training import missing_extra
from training.newclasses import MIN_NEW_CLASS_SAMPLES  # not training.adapt: start-up stays light

if TYPE_CHECKING:  # the job machinery loads with the first job, not at start-up
    from training.events import JobResult


log = logging.getLogger(__name__)

#: How often running jobs are polled (ms); polling never blocks.
POLL_MS = 100


class TrainingController(QObject):
    """Owns the background jobs, the samples store and the windows that show them."""

    def __init__(self, window: AppWindow) -> None:
        super().__init__(window)
        self.window = window
        self.jobs: list[Any] = []
        self._jobs_window: Any = None
        self._samples_window: Any = None
        self._store: Any = None
        self._store_failed = False
        self._asking = False
        self._to_ask: list[Any] = []
        self._notice: SampleNotice | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    # -- menus -------------------------------------------------------------------------------------

    def populate_training_menu(self, menu: QMenu) -> None:
        """Adds "Train new model…", "Fine-tune current model…" (on the user's samples) and "Jobs"."""
        menu.addAction(translate("TrainingController", "&Train new model…")).triggered.connect(self.train_new)
        finetune = menu.addAction(translate("TrainingController", "&Fine-tune current model on my handwriting…"))
        finetune.setStatusTip(translate(
                "TrainingController", "Adapt the current model to the samples kept from your corrections"))
        finetune.triggered.connect(self.finetune)
        menu.addSeparator()
        menu.addAction(translate("TrainingController", "&Jobs")).triggered.connect(self.show_jobs)

    def populate_samples_menu(self, menu: QMenu) -> None:
        """Adds "Type the right label…", "My samples…" and "Practice…"."""
        menu.addAction(translate("TrainingController", "&Type the right label…")).triggered.connect(self.type_label)
        menu.addAction(translate("TrainingController", "&My samples…")).triggered.connect(self.show_samples)
        menu.addAction(translate("TrainingController", "&Practice…")).triggered.connect(self.practice)

    # -- samples -----------------------------------------------------------------------------------

    def store(self) -> Any:
        """The samples database, opened on first use (None if it cannot be opened)."""
        if self._store is None and not self._store_failed:
            from desktop.samples_window import open_store

            self._store = open_store(self.window)  # offers to move a damaged database aside
            self._store_failed = self._store is None
        return self._store

    def record_choice(self, label: str, rank: int, ink: Ink, candidates: list[Candidate]) -> int | None:
        """Keeps the ink as a sample when the user chose another than the first candidate.

        The sample is kept visibly: the status bar says so, with an Undo button for a few seconds.

        Returns:
            The new sample's id, or None when nothing was kept.
        """
        if rank <= 0 or ink is None:
            return None
        kept = self._keep(ink, label, candidates, announce=False)
        if kept is not None:
            self.sample_notice().show_kept(kept[0], label, kept[1])
        return kept[0] if kept else None

    def sample_notice(self) -> SampleNotice:
        """The status bar's "Kept as a sample" notice with its Undo button (created on first use)."""
        if self._notice is None:
            self._notice = SampleNotice(self.window)
            self._notice.undoRequested.connect(self.forget_sample)
            self.window.statusBar().insertPermanentWidget(0, self._notice)
        return self._notice

    def forget_sample(self, sample_id: int, quiet: bool = False) -> None:
        """Removes a sample just kept (the notice's Undo, or a pick changed again); ``quiet``: says nothing."""
        store = self.store()
        if store is None:
            return
        if self._notice is not None and self._notice.sample_id == sample_id:
            self._notice.hide()
        try:
            gone = store.delete([sample_id])
        except MojiyomiError as exc:
            errors.show_error(self.window, translate("TrainingController", "Could not remove the sample"), exc)
            return
        if gone and not quiet:
            text = translate("TrainingController", "The sample of “{label}” was not kept.")
            self.window.status_message(text.format(label=gone[0].label), 4000)
        self.sample_saved(sample_id)

    def _keep(self, ink: Ink, label: str, candidates: list[Candidate],
              announce: bool = True) -> tuple[int, str] | None:
        """Adds a sample; returns its id and a note on the count (said in the status bar if ``announce``)."""
        store = self.store()
        if store is None:
            return None
        bundle = self.window.current_bundle()
        try:
            sample_id = store.add(ink, label, bundle.name if bundle else "", [(c.label, c.score) for c in candidates])
        except MojiyomiError as exc:
            errors.show_error(self.window, translate("TrainingController", "Could not keep the sample"), exc)
            return None
        if bundle is not None and label not in bundle.labels:
            have = dict(store.labels()).get(label, 0)
            note = translate("TrainingController", "a new class: {have} of the {need} samples a fine-tune needs to "
                             "add it").format(have=have, need=MIN_NEW_CLASS_SAMPLES)
        else:
            note = translate("TrainingController", "{n} in all").format(n=store.count())
        if announce:
            self.window.status_message(translate("TrainingController", "Kept your “{label}” as a sample ({note}).")
                                       .format(label=label, note=note))
        self.sample_saved(sample_id)
        return sample_id, note

    def type_label(self) -> None:
        """Labels what is on the canvas by hand (when no candidate is right)."""
        window = self.window
        if window.canvas.is_empty():
            window.status_message(translate("TrainingController", "Write something first, then type what it is."))
            return
        text, ok = QInputDialog.getText(window, translate("TrainingController", "Type the right label"), translate(
                "TrainingController", "What did you write?"))
        if not ok or not text.strip():
            return
        store, bundle = self.store(), window.current_bundle()
        counts = dict(store.labels()) if store is not None else {}
        label = confirm_label(window, text, bundle.labels if bundle else (), counts,
                              bundle.title if bundle else translate("TrainingController", "The model"))
        if label is not None:
            self._keep(window.canvas.ink(), label, window.candidates.candidates())
            window.text.insert(label)
            window.canvas.clear()

    def show_samples(self) -> None:
        """Opens the My samples window."""
        store = self.store()
        if store is None:
            return
        from desktop.samples_window import SamplesWindow

        if self._samples_window is None:
            self._samples_window = SamplesWindow(store, self.window, self._model_labels)
        self._samples_window.reload()
        self._samples_window.show()
        self._samples_window.raise_()

    def _model_labels(self) -> tuple[str, ...]:
        bundle = self.window.current_bundle()
        return bundle.labels if bundle else ()

    def practice(self) -> None:
        """Opens the practice dialog for the current model's labels."""
        self.practice_characters("")

    def practice_characters(self, characters: str, guide: bool = False) -> None:
        """Opens the practice dialog on ``characters`` (empty: the user chooses), drawn faintly when ``guide``."""
        store = self.store()
        bundle = self.window.current_bundle()
        if store is None:
            return
        from desktop.practice import PracticeDialog

        dialog = PracticeDialog(store, bundle.labels if bundle else (), bundle.name if bundle else "", self.window,
                                characters, guide)
        dialog.sampleSaved.connect(self.sample_saved)
        dialog.exec()

    def sample_saved(self, sample_id: int) -> None:
        """A sample kept or removed (here, in practice or in the picture view): an open My samples window shows it."""
        if self._samples_window is not None and self._samples_window.isVisible():
            self._samples_window.reload()

    # -- jobs --------------------------------------------------------------------------------------

    def train_new(self) -> None:
        """Asks for a dataset and settings, then trains a new model in the background."""
        from desktop.train_dialogs import TrainDialog
        from training.config import TrainConfig
        from training.jobs import JobSpec

        if not self._training_installed():
            return
        dialog = TrainDialog(self.window, self._reserved())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        config = TrainConfig.from_json(dialog.config(self._reserved()))
        self.start(JobSpec("train", config, f"Train {config.name} ({config.backbone})"))

    def finetune(self) -> None:
        """Adapts the current model to the user's samples in the background (a new personal bundle)."""
        from core.paths import user_models_dir
        from desktop.finetune_dialog import FinetuneDialog
        from training.jobs import FinetuneJobConfig, JobSpec, personal_bundle_out

        if not self._training_installed():
            return
        bundle, store = self.window.current_bundle(), self.store()
        if bundle is None or store is None:
            if bundle is None:
                self.window.status_message(translate(
                        "TrainingController", "Open a model first: there is no current model to fine-tune."))
            return
        labels = [label for label, n in store.labels() for _ in range(n)]
        dialog = FinetuneDialog(labels, bundle.labels, bundle.title, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        out = personal_bundle_out(bundle.metadata.get("base_name", bundle.name), user_models_dir(), self._reserved())
        config = FinetuneJobConfig(base=str(bundle.path), samples=str(store.path), epochs=dialog.epochs.value(),
                                   add_labels=dialog.add_labels.isChecked(), out=str(out))
        self.start(JobSpec("finetune", config, f"Fine-tune {bundle.name} on my handwriting → {out.name}"))

    def _training_installed(self) -> bool:
        """True when TensorFlow and Keras (the ``train`` extra) are installed; else says how to add them."""
        missing = missing_extra()
        if missing:
            QMessageBox.information(self.window, translate("TrainingController", "Training is not installed"),
                                    translate("TrainingController",
                                              "Training and fine-tuning need TensorFlow and Keras, which are not "
                                              "installed with this copy of mojiyomi. To add them, run:\n\n"
                                              "    pip install 'mojiyomi[train]'\n\nand start mojiyomi again."))
            return False
        return True

    def _reserved(self) -> set[Path]:
        """Bundle folders that running jobs will write: a new job must not pick them too."""
        return {job.spec.out for job in self.jobs if job.running and job.spec.out is not None}

    def start(self, spec: Any) -> Any:
        """Starts a job in a spawned process and shows it in the Jobs window.

        Args:
            spec: A ``training.jobs.JobSpec``.

        Returns:
            The running ``training.jobs.Job``.
        """
        from training.jobs import start_job

        job = start_job(spec)
        self.jobs.append(job)
        self.jobs_window().add_job(job)
        self.show_jobs()
        self._timer.start()
        return job

    def jobs_window(self) -> Any:
        """The Jobs window (created on first use)."""
        if self._jobs_window is None:
            from desktop.jobs_window import JobsWindow

            self._jobs_window = JobsWindow(self.window)
            self._jobs_window.cancelRequested.connect(self.cancel)
        return self._jobs_window

    def show_jobs(self) -> None:
        """Shows the Jobs window."""
        window = self.jobs_window()
        window.show()
        window.raise_()

    def cancel(self, job: Any) -> None:
        """Asks ``job`` to stop (it is terminated if it has not stopped within its grace period)."""
        job.cancel()
        self.window.status_message(translate(
                "TrainingController", "Cancelling the job… no model will be written or replaced."))

    def poll(self) -> None:
        """Collects new events of running jobs (called by a timer on the GUI thread; never blocks)."""
        for job in [job for job in self.jobs if job.running]:
            events = job.poll()
            if events or not job.running:
                self.jobs_window().feed(job, events)
            if not job.running:
                self._ended(job)
        if not any(job.running for job in self.jobs):
            self._timer.stop()

    def _ended(self, job: Any) -> None:
        if job.state == "failed":
            title = translate("TrainingController", "Fine-tuning failed") if job.spec.kind == "finetune" else translate(
                    "TrainingController", "Training failed")
            errors.show_error(self.window, title, job.error or "", translate(
                    "TrainingController", "No model was written or replaced."))
        elif job.state == "cancelled":
            self.window.status_message(translate_error(job.error) if job.error else translate(
                    "TrainingController", "The job was cancelled; no model was written or replaced."))
        else:
            self.window.refresh_models()
            self._to_ask.append(job)
            self._ask_pending()

    def _ask_pending(self) -> None:
        """Offers to switch to each finished job's model, one question at a time.

        The question is modal: the poll timer keeps running inside it (other jobs stay
        live), so a job that ends meanwhile waits here instead of opening a second question.
        """
        if self._asking:
            return
        self._asking = True
        try:
            while self._to_ask:
                job = self._to_ask.pop(0)
                if job.result is not None and self._wants_switch(job.result):
                    self.window.choose_model(job.result.bundle)
        finally:
            self._asking = False

    def _wants_switch(self, result: JobResult) -> bool:
        from desktop.job_verdicts import ask_to_switch_after_finetune, ask_to_switch_after_training
        from training.events import FinetuneJobResult  # loaded by the job that made ``result``: costs nothing

        if isinstance(result, FinetuneJobResult):
            return ask_to_switch_after_finetune(self.window, result)
        return ask_to_switch_after_training(self.window, result)

    # -- closing -----------------------------------------------------------------------------------

    def confirm_close(self) -> bool:
        """Asks what to do about running jobs; False keeps the app open."""
        running = [job for job in self.jobs if job.running]
        if not running:
            return True
        # A spawned job dies with the app, so "keep training in the background" is not offered.
        box = QMessageBox(QMessageBox.Icon.Question, translate("TrainingController", "A job is running"),
                          translate("TrainingController", "{n} training job(s) still running. Quitting cancels "
                                    "them; nothing half-trained is written and your models stay as they are.")
                          .format(n=len(running)), parent=self.window)

        box.setObjectName("confirmQuit")
        quit_button = box.addButton(translate(
                "TrainingController", "Cancel job and quit"), QMessageBox.ButtonRole.DestructiveRole)
        stay = box.addButton(translate("TrainingController", "Don't quit"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(stay)
        box.exec()
        return box.clickedButton() is quit_button

    def shutdown(self) -> None:
        """Stops every job and closes the samples database."""
        self._timer.stop()
        for job in self.jobs:
            job.kill()
        if self._store is not None:
            self._store.close()
