"""The picture view's picks kept as training samples, with the notice that says so and its Undo.

A pick that corrects what the recognizer read in a box keeps the character as a picture sample
in the samples database (the model input the recognizer saw; listed in My samples, used by a
fine-tune). A new pick in the same box replaces its sample; Undo takes it back. The strings are
the picture view's (translation context ``PictureView``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from core.bundle import ModelBundle
from core.decode import Box
from core.errors import MojiyomiError
from core.picture_edit import PictureReading, char_model_input
from core.samples import SampleStore
from desktop import errors
from desktop.i18n import translate, translate_error
from desktop.sample_notice import SampleNotice
from desktop.samples_window import open_store


class PictureSamples(QObject):
    """Keeps the picture view's corrections as samples and takes them back.

    Attributes:
        store: Gives the samples database (the training UI's, where the window shares it; else
            one opened on first use), or None where it cannot be opened.
        notice: Says that a sample was kept (or why not), with Undo; the view places it.

    Signals:
        sampleSaved(int): a picture sample was kept or taken back (its id): My samples shows it.
    """

    sampleSaved = Signal(int)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._widget = parent  # the parent of the dialogs
        self.store: Callable[[], SampleStore | None] = self._own_store
        self._store: SampleStore | None = None
        self._store_failed = False
        self._kept: list[int] = []  # ids of the samples kept (and not undone)
        self._kept_in: dict[Box, int] = {}
        self.notice = SampleNotice(parent)
        self.notice.undoRequested.connect(self.forget)

    def kept(self) -> list[int]:
        """The ids of the picture samples kept (and not undone) since the app started."""
        return list(self._kept)

    def new_picture(self) -> None:
        """A picture is read afresh: its boxes are new, so a pick in one keeps a new sample."""
        self._kept_in = {}

    def keep(self, reading: PictureReading, index: int, label: str, read_as: str, bundle: ModelBundle | None,
             source: str) -> None:
        """Keeps character ``index`` of ``reading`` as a sample of ``label`` if that corrects ``read_as``.

        An earlier sample of the same box is taken back first (the pick replaces it).

        Args:
            reading: The reading picked in (before the pick).
            index: The character picked.
            label: The label picked.
            read_as: What the recognizer read in the box.
            bundle: The model that read it (None: nothing is kept).
            source: The picture's path ("picture": pasted), named in the sample's note.
        """
        char = reading.chars[index]
        earlier = self._kept_in.pop(char.box, None)
        if earlier is not None:
            self.forget(earlier, quiet=True)
        if label == read_as or bundle is None:
            return
        store = self.store()
        if store is None:
            return
        # The model's candidates as read: what it read first, so the sample counts as a correction.
        candidates = sorted(char.candidates, key=lambda c: c.label != read_as)
        x0, y0, x1, y1 = (round(v) for v in char.box)
        name = Path(source).name if source != "picture" else "pasted"
        try:
            image = char_model_input(reading, index, bundle.preprocessing)
            sample = store.add_picture(image, label, bundle.name, [(c.label, c.score) for c in candidates],
                                       f"{name} x={x0} y={y0} w={x1 - x0} h={y1 - y0}")
        except MojiyomiError as exc:
            self.notice.label.setText(translate("PictureView", "Not kept as a sample: {error}").format(
                error=translate_error(exc)))
            self.notice.undo_button.setEnabled(False)
            self.notice.show()
            return
        self._kept.append(sample)
        self._kept_in[char.box] = sample
        self.notice.show_kept(sample, label, translate("PictureView", "from the picture; see My samples"))
        self.sampleSaved.emit(sample)

    @Slot(int)
    def forget(self, sample: int, quiet: bool = False) -> None:
        """Takes the sample ``sample`` back (Undo); ``quiet``: a failure is not shown."""
        if sample in self._kept:
            self._kept.remove(sample)
        self._kept_in = {box: s for box, s in self._kept_in.items() if s != sample}
        if self.notice.sample_id == sample:
            self.notice.hide()
        store = self.store()
        if store is None:
            return
        try:
            store.delete([sample])
        except MojiyomiError as exc:
            if not quiet:
                errors.show_error(self._widget, translate("PictureView", "Could not remove the sample"), exc)
            return
        self.sampleSaved.emit(sample)

    def _own_store(self) -> SampleStore | None:
        """The samples database, opened on first use (None, said once, if it cannot be)."""
        if self._store is None and not self._store_failed:
            self._store = open_store(self._widget)  # offers to move a damaged database aside
            self._store_failed = self._store is None
        return self._store
