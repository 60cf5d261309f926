"""My samples: the kept samples as thumbnails, filtered by label and date; relabel, delete, undo."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractListModel, QDate, QModelIndex, QPersistentModelIndex, QPoint, QPointF, QSize, Qt
from PySide6.QtGui import QAction, QColor, QImage, QKeySequence, QPainter, QPainterPath, QPen, QPixmap, QShortcut
from PySide6.QtWidgets import (QComboBox, QDateEdit, QFileDialog, QHBoxLayout, QInputDialog, QLabel, QListView,
                               QMenu, QMessageBox, QPushButton, QVBoxLayout, QWidget)

from core.errors import MojiyomiError
from core.ink import Ink
from core.samples import Sample, SampleInfo, SamplesDamagedError, SampleStore, default_path
from desktop import errors
from desktop.i18n import translate, translate_error
from desktop.label_prompt import confirm_label

THUMB = 72
#: Thumbnails kept drawn; the view asks only for the visible ones, so this bounds memory
#: (about 20 kB each) without redrawing while scrolling back and forth.
THUMB_CACHE = 3000
#: Thumbnails read from the database at once.
THUMB_PAGE = 48


def ink_pixmap(ink: Ink, size: int = THUMB) -> QPixmap:
    """A small picture of an ink, fitted and centred on white."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor("white"))
    if ink.is_empty:
        return pixmap
    x0, y0, x1, y1 = ink.bounds()
    scale = (size - 12) / max(x1 - x0, y1 - y0, 1e-6)
    dx, dy = size / 2 - (x0 + x1) / 2 * scale, size / 2 - (y0 + y1) / 2 * scale
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#202020"), 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                        Qt.PenJoinStyle.RoundJoin))
    for stroke in ink.strokes:
        pts = stroke[np.isfinite(stroke[:, :2]).all(axis=1), :2] * scale + (dx, dy)
        if len(pts) == 1:
            painter.drawPoint(QPointF(*pts[0]))
        elif len(pts) > 1:
            path = QPainterPath(QPointF(*pts[0]))
            for x, y in pts[1:]:
                path.lineTo(x, y)
            painter.drawPath(path)
    painter.end()
    return pixmap


def image_pixmap(image: np.ndarray, size: int = THUMB) -> QPixmap:
    """A small picture of a picture sample's model input (white ink on black), drawn dark on white."""
    grey = np.ascontiguousarray(255 - image.astype(np.uint8))
    h, w = grey.shape
    picture = QImage(grey.data, w, h, grey.strides[0], QImage.Format.Format_Grayscale8).copy()
    inner = picture.scaled(size - 8, size - 8, Qt.AspectRatioMode.KeepAspectRatio,
                           Qt.TransformationMode.SmoothTransformation)
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    painter.drawImage((size - inner.width()) // 2, (size - inner.height()) // 2, inner)
    painter.end()
    return pixmap


def sample_pixmap(sample: Sample, size: int = THUMB) -> QPixmap:
    """A sample's thumbnail: its ink, or a picture sample's model input (blank if unreadable)."""
    if sample.kind == "picture":
        return image_pixmap(sample.image, size) if sample.image is not None else ink_pixmap(Ink(), size)
    return ink_pixmap(sample.ink, size)


class SampleModel(QAbstractListModel):
    """Samples for a list view. Strokes are read and drawn only for the thumbnails on screen, so
    thousands of samples open at once: the list itself holds ``SampleInfo`` (no strokes)."""

    def __init__(self, store: SampleStore) -> None:
        super().__init__()
        self.store = store
        self.samples: list[SampleInfo] = []
        self._thumbs: OrderedDict[int, QPixmap] = OrderedDict()

    def set_samples(self, samples: list[SampleInfo]) -> None:
        """Shows these samples instead (ids are never reused, so cached thumbnails stay right)."""
        self.beginResetModel()
        self.samples = samples
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Qt's row count: one row per sample."""
        return 0 if parent.isValid() else len(self.samples)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Qt's data: the label, the thumbnail and a tooltip with the date and the model's reading."""
        if not index.isValid() or index.row() >= len(self.samples):
            return None
        sample = self.samples[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return sample.label
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnail(index.row())
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(sample)
        return None

    def thumbnail(self, row: int) -> QPixmap:
        """The thumbnail of a row, drawn once and kept while recently used."""
        sample_id = self.samples[row].id
        if sample_id not in self._thumbs:
            self._draw_page(row)
        pixmap = self._thumbs.pop(sample_id, None) or ink_pixmap(Ink())  # gone meanwhile: blank
        self._thumbs[sample_id] = pixmap
        while len(self._thumbs) > THUMB_CACHE:
            self._thumbs.popitem(last=False)
        return pixmap

    def _draw_page(self, row: int) -> None:
        # One query for the rows that are about to be shown too, not one per thumbnail.
        ids = [s.id for s in self.samples[row:row + THUMB_PAGE] if s.id not in self._thumbs]
        try:
            found = self.store.get(ids)
        except MojiyomiError:
            errors.log.warning("could not read samples for thumbnails", exc_info=True)
            return
        for sample in found:
            self._thumbs[sample.id] = sample_pixmap(sample)


def _tooltip(sample: SampleInfo) -> str:
    when = dt.datetime.fromtimestamp(sample.created).strftime("%Y-%m-%d %H:%M")
    read = translate("SamplesWindow", "; the model read “{label}”").format(
        label=sample.candidates[0][0]) if sample.candidates else ""
    model = sample.model or translate("SamplesWindow", "no model")
    if sample.kind == "picture":
        where = translate("SamplesWindow", "from a picture: {source}").format(source=sample.source)
        return f"“{sample.label}”, {when}{read} ({model}; {where})"
    return f"“{sample.label}”, {when}{read} ({model})"


class SamplesWindow(QWidget):
    """The My samples window: a grid of thumbnails, filters, relabel, undoable delete, JSONL.

    Args:
        store: The open samples database (the window does not close it).
        parent: The main window.
        model_labels: Gives the current model's labels (a relabel to another label is
            confirmed as a new class once); None: no model.
    """

    def __init__(self, store: SampleStore, parent: QWidget | None = None,
                 model_labels: Callable[[], Collection[str]] | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.store = store
        self._model_labels = model_labels or (lambda: ())
        self.setWindowTitle(translate("SamplesWindow", "My samples"))
        self.resize(760, 520)
        for keys in (QKeySequence(Qt.Key.Key_Escape), QKeySequence("Ctrl+W")):
            QShortcut(keys, self, self.close)
        self._undo: list[list[Sample]] = []
        self._until_is_today = True
        self.model = SampleModel(store)
        self.view = self._make_view()
        self.count = QLabel(self)
        self.actions_ = self._make_actions()
        layout = QVBoxLayout(self)
        layout.addLayout(self._make_filters())
        layout.addWidget(self.view, 1)
        layout.addLayout(self._make_buttons())
        self._show_from_oldest()
        self.reload()

    # -- building --------------------------------------------------------------------------------

    def _make_view(self) -> QListView:
        view = QListView(self)
        view.setViewMode(QListView.ViewMode.IconMode)
        view.setIconSize(QSize(THUMB, THUMB))
        view.setGridSize(QSize(THUMB + 20, THUMB + 30))
        view.setResizeMode(QListView.ResizeMode.Adjust)
        view.setMovement(QListView.Movement.Static)
        view.setUniformItemSizes(True)
        view.setLayoutMode(QListView.LayoutMode.Batched)  # thousands of samples: lay out in steps
        view.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._context_menu)
        view.setModel(self.model)
        view.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        return view

    def _make_filters(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.label_filter = QComboBox(self)
        self.label_filter.currentIndexChanged.connect(lambda _i: self.reload(keep_labels=True))
        today = QDate.currentDate()
        self.since = QDateEdit(today, self)
        self.until = QDateEdit(today, self)
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.since.dateChanged.connect(lambda _d: self.reload(keep_labels=True))
        self.until.dateChanged.connect(self._until_changed)
        for widget in (QLabel(translate("SamplesWindow", "Label:"), self), self.label_filter, QLabel(translate(
                "SamplesWindow", "From:"), self), self.since,
                       QLabel("to:", self), self.until):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.count)
        return bar

    def _make_actions(self) -> dict[str, QAction]:
        specs: list[tuple[str, str, Callable[[], Any], QKeySequence | None]] = [
            ("relabel", translate("SamplesWindow", "Relabel…"), self.relabel_selected, QKeySequence(Qt.Key.Key_F2)),
            ("delete", translate(
                    "SamplesWindow", "Delete"), self.delete_selected, QKeySequence(QKeySequence.StandardKey.Delete)),
            ("undo", translate(
                    "SamplesWindow", "Undo delete"), self.undo_delete, QKeySequence(QKeySequence.StandardKey.Undo)),
            ("export", translate("SamplesWindow", "Export…"), self.export, None),
            ("import", translate("SamplesWindow", "Import…"), self.import_, None),
        ]
        actions = {}
        for key, text, slot, shortcut in specs:
            action = QAction(text, self)
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
            if shortcut is not None:
                action.setShortcut(shortcut)
            # Del and F2 act on the grid only, so that they still edit a date being typed.
            on_grid = key in ("relabel", "delete")
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut if on_grid
                                      else Qt.ShortcutContext.WindowShortcut)
            (self.view if on_grid else self).addAction(action)
            actions[key] = action
        return actions

    def _make_buttons(self) -> QHBoxLayout:
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, action in self.actions_.items():
            button = QPushButton(action.text(), self)
            button.clicked.connect(action.trigger)
            action.changed.connect(lambda button=button, action=action: button.setEnabled(action.isEnabled()))
            self.buttons[key] = button
            buttons.addWidget(button)
        return buttons

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if index.isValid() and not self.view.selectionModel().isSelected(index):
            self.view.setCurrentIndex(index)
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for key in ("relabel", "delete", "undo", "export"):
            menu.addAction(self.actions_[key])
        menu.popup(self.view.viewport().mapToGlobal(pos))

    # -- reading ---------------------------------------------------------------------------------

    def reload(self, keep_labels: bool = False) -> None:
        """Reads the samples again with the current filters.

        Args:
            keep_labels: Leave the label list as it is (only a filter changed).
        """
        try:
            if not keep_labels:
                self._fill_labels()
                if self._until_is_today and self.until.date() != QDate.currentDate():
                    self.until.blockSignals(True)  # the window stayed open past midnight
                    self.until.setDate(QDate.currentDate())
                    self.until.blockSignals(False)
            samples = self.store.infos(label=self.label_filter.currentData(), since=_start_of(self.since.date()),
                                      until=_start_of(self.until.date().addDays(1)))
            total = self.store.count()
        except MojiyomiError as exc:
            errors.show_error(self, translate("SamplesWindow", "Could not read your samples"), exc)
            return
        self.model.set_samples(samples)
        self.count.setText(translate("SamplesWindow", "{n} of {total} samples").format(n=len(samples), total=total))
        self._update_actions()

    def _fill_labels(self) -> None:
        current = self.label_filter.currentData()
        self.label_filter.blockSignals(True)
        self.label_filter.clear()
        self.label_filter.addItem(translate("SamplesWindow", "All") + f"  ({self.store.count()})", None)
        for label, n in self.store.labels():
            self.label_filter.addItem(f"{label}  ({n})", label)
        if current is not None and self.label_filter.findData(current) < 0:
            self.label_filter.addItem(f"{current}  (0)", current)  # keep the filter the user chose
        self.label_filter.setCurrentIndex(max(0, self.label_filter.findData(current)))
        self.label_filter.blockSignals(False)

    def _show_from_oldest(self) -> None:
        """Moves the From date back to the oldest sample, so that none is hidden by default."""
        try:
            oldest = self.store.oldest()
        except MojiyomiError:
            return  # reload() reports it
        day = dt.date.fromtimestamp(oldest) if oldest is not None else None
        date = QDate(day.year, day.month, day.day) if day is not None else QDate.currentDate()
        if date < self.since.date():
            self.since.blockSignals(True)
            self.since.setDate(date)
            self.since.blockSignals(False)

    def _until_changed(self, date: QDate) -> None:
        self._until_is_today = date == QDate.currentDate()
        self.reload(keep_labels=True)

    def _update_actions(self) -> None:
        selected = bool(self.view.selectionModel().hasSelection())
        for key, enabled in (("relabel", selected), ("delete", selected), ("undo", bool(self._undo))):
            self.actions_[key].setEnabled(enabled)

    def selected_ids(self) -> list[int]:
        """The ids of the selected samples, in grid order."""
        rows = sorted(i.row() for i in self.view.selectionModel().selectedIndexes())
        return [self.model.samples[r].id for r in rows]

    # -- changing --------------------------------------------------------------------------------

    def relabel_selected(self, label: str | None = None) -> None:
        """Gives the selected samples another label (asks for it when ``label`` is None)."""
        ids = self.selected_ids()
        if not ids:
            return
        if label is None:
            first = self.model.samples[self.view.selectionModel().selectedIndexes()[0].row()].label
            label, ok = QInputDialog.getText(self, translate("SamplesWindow", "Relabel"), translate(
                "SamplesWindow", "New label for {n} sample(s):").format(n=len(ids)), text=first)
            if not ok:
                return
        if not label.strip():
            return
        checked = confirm_label(self, label, self._model_labels(), dict(self.store.labels()))
        if checked is not None and self._try(translate(
                "SamplesWindow", "Could not relabel"), lambda: self.store.relabel(ids, checked)):
            self.reload()

    def delete_selected(self) -> None:
        """Deletes the selected samples; ``undo_delete`` (Ctrl+Z) brings them back."""
        ids = self.selected_ids()
        if ids and self._try(translate(
                "SamplesWindow", "Could not delete"), lambda: self._undo.append(self.store.delete(ids))):
            self.reload()

    def undo_delete(self) -> None:
        """Restores the samples of the last deletion, with their ids, labels and dates."""
        if not self._undo:
            return
        gone = self._undo[-1]
        if self._try(translate("SamplesWindow", "Could not undo"), lambda: self.store.restore(gone)):
            self._undo.pop()
            self.reload()

    def export(self, path: str | None = None) -> None:
        """Writes the selected samples, or all those shown, as an ink dataset (JSONL)."""
        ids = self.selected_ids() or [s.id for s in self.model.samples]
        if path is None:
            path = QFileDialog.getSaveFileName(
                self, translate("SamplesWindow", "Export {n} samples").format(n=len(ids)),
                str(Path.home() / "my-samples.jsonl"), translate("SamplesWindow", "Ink dataset") + " (*.jsonl)")[0]
        if path:
            written: list[int] = []
            if self._try(translate("SamplesWindow", "Could not export"),
                         lambda: written.append(self.store.export_jsonl(Path(path), ids))):
                self.count.setText(translate("SamplesWindow", "Exported {n} samples to {name}").format(
                    n=written[0], name=Path(path).name))

    def import_(self, path: str | None = None) -> None:
        """Adds the labelled inks of an ink dataset (JSONL) as samples."""
        if path is None:
            path = QFileDialog.getOpenFileName(self, translate("SamplesWindow", "Import samples"), str(Path.home()),
                                               translate("SamplesWindow", "Ink dataset") + " (*.jsonl *.ndjson)")[0]
        if path:
            added: list[int] = []
            if self._try(translate(
                    "SamplesWindow", "Could not import"), lambda: added.append(self.store.import_jsonl(Path(path)))):
                self._show_from_oldest()  # imported samples keep their dates, often older
                self.reload()
                done = (translate("SamplesWindow", "Imported {n} samples").format(n=added[0]) if added[0] else
                        translate("SamplesWindow", "Imported 0 samples: every ink in the file is already here "
                                  "(same label and strokes)"))
                self.count.setText(f"{done}; {self.count.text()}")

    def _try(self, title: str, action: Callable[[], Any]) -> bool:
        try:
            action()
        except (MojiyomiError, OSError) as exc:
            errors.show_error(self, title, exc)
            return False
        return True


def _start_of(date: QDate) -> float:
    return dt.datetime(date.year(), date.month(), date.day()).timestamp()


def open_store(parent: QWidget | None, path: Path | None = None) -> SampleStore | None:
    """Opens the samples database; if it is damaged, offers to move it aside and start anew.

    Args:
        parent: The window that asks.
        path: The database; default the user's.

    Returns:
        The open store, or None when it cannot be opened (the user was told why).
    """
    try:
        return SampleStore(path)
    except SamplesDamagedError as exc:
        answer = QMessageBox.question(parent, translate("SamplesWindow", "Your samples database is damaged"),
                                      f"{translate_error(exc)}\n\n" + translate(
                                          "SamplesWindow", "Move the damaged file aside (it is kept) and start a new "
                                                           "one?"))
        if answer != QMessageBox.StandardButton.Yes:
            return None
        try:
            moved = SampleStore.quarantine(path or default_path())
            store = SampleStore(path)
        except MojiyomiError as again:
            errors.show_error(parent, translate("SamplesWindow", "Your samples cannot be kept"), again)
            return None
        errors.log.warning("moved the damaged samples database to %s", moved)
        return store
    except MojiyomiError as exc:
        errors.show_error(parent, translate("SamplesWindow", "Your samples cannot be kept"), exc, translate(
                "SamplesWindow", "Recognition still works; corrections are not kept until this is fixed."))
        return None
