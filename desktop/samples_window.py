"""My samples: the kept samples as thumbnails, filtered by label and date; relabel, delete, undo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractListModel, QDate, QModelIndex, QPersistentModelIndex, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPainterPath, QPen, QPixmap, QShortcut
from PySide6.QtWidgets import (QComboBox, QDateEdit, QFileDialog, QHBoxLayout, QInputDialog, QLabel, QListView,
                               QPushButton, QVBoxLayout, QWidget)

from core.errors import MojiyomiError
from core.ink import Ink
from core.samples import Sample, SampleStore
from desktop import errors

THUMB = 72


def ink_pixmap(ink: Ink, size: int = THUMB) -> QPixmap:
    """A small picture of an ink, fitted and centred."""
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
        if not len(pts):
            continue
        path = QPainterPath(QPointF(*pts[0]))
        for x, y in pts[1:]:
            path.lineTo(x, y)
        painter.drawPath(path) if len(pts) > 1 else painter.drawPoint(QPointF(*pts[0]))
    painter.end()
    return pixmap


class SampleModel(QAbstractListModel):
    """Samples for a list view; thumbnails are drawn on first use and cached."""

    def __init__(self) -> None:
        super().__init__()
        self.samples: list[Sample] = []
        self._thumbs: dict[int, QPixmap] = {}

    def set_samples(self, samples: list[Sample]) -> None:
        self.beginResetModel()
        self.samples = samples
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.samples)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        sample = self.samples[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return sample.label
        if role == Qt.ItemDataRole.DecorationRole:
            if sample.id not in self._thumbs:
                self._thumbs[sample.id] = ink_pixmap(sample.ink)
            return self._thumbs[sample.id]
        if role == Qt.ItemDataRole.ToolTipRole:
            when = dt.datetime.fromtimestamp(sample.created).strftime("%Y-%m-%d %H:%M")
            read = f"; the model read {sample.candidates[0][0]}" if sample.candidates else ""
            return f"{sample.label} — {when}{read} ({sample.model or 'imported'})"
        return None


class SamplesWindow(QWidget):
    """The My samples window."""

    def __init__(self, store: SampleStore, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.store = store
        self.setWindowTitle("mojiyomi — My samples")
        self.resize(760, 520)
        self._undo: list[list[Sample]] = []
        bar = QHBoxLayout()
        self.label_filter = QComboBox(self)
        self.label_filter.currentIndexChanged.connect(lambda _i: self.reload(keep_labels=True))
        bar.addWidget(QLabel("Label:", self))
        bar.addWidget(self.label_filter)
        today = QDate.currentDate()
        self.since = QDateEdit(today.addYears(-5), self)
        self.until = QDateEdit(today, self)
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.dateChanged.connect(lambda _d: self.reload(keep_labels=True))
        bar.addWidget(QLabel("From:", self))
        bar.addWidget(self.since)
        bar.addWidget(QLabel("to:", self))
        bar.addWidget(self.until)
        bar.addStretch(1)
        self.count = QLabel(self)
        bar.addWidget(self.count)
        self.model = SampleModel()
        self.view = QListView(self)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setIconSize(QSize(THUMB, THUMB))
        self.view.setGridSize(QSize(THUMB + 20, THUMB + 30))
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setUniformItemSizes(True)
        self.view.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.view.setModel(self.model)
        buttons = QHBoxLayout()
        for text, slot in (("Relabel…", self.relabel_selected), ("Delete", self.delete_selected),
                           ("Undo delete", self.undo_delete), ("Export…", self.export), ("Import…", self.import_)):
            button = QPushButton(text, self)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        QShortcut(QKeySequence.StandardKey.Delete, self, self.delete_selected)
        QShortcut(QKeySequence.StandardKey.Undo, self, self.undo_delete)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.reload()

    def reload(self, keep_labels: bool = False) -> None:
        """Reads the samples again with the current filters."""
        try:
            if not keep_labels:
                self._fill_labels()
            label = self.label_filter.currentData()
            since = dt.datetime.combine(self.since.date().toPython(), dt.time()).timestamp()
            until = dt.datetime.combine(self.until.date().toPython() + dt.timedelta(days=1), dt.time()).timestamp()
            samples = self.store.list(label=label, since=since, until=until)
        except MojiyomiError as exc:
            errors.show_error(self, "Could not read your samples", exc)
            return
        self.model.set_samples(samples)
        self.count.setText(f"{len(samples)} of {self.store.count()} samples")

    def _fill_labels(self) -> None:
        current = self.label_filter.currentData()
        self.label_filter.blockSignals(True)
        self.label_filter.clear()
        self.label_filter.addItem("All", None)
        for label, n in self.store.labels():
            self.label_filter.addItem(f"{label}  ({n})", label)
        if current is not None and self.label_filter.findData(current) < 0:
            self.label_filter.addItem(f"{current}  (0)", current)  # keep the filter the user chose
        index = self.label_filter.findData(current)
        self.label_filter.setCurrentIndex(max(0, index))
        self.label_filter.blockSignals(False)

    def selected_ids(self) -> list[int]:
        return [self.model.samples[i.row()].id for i in self.view.selectionModel().selectedIndexes()]

    def relabel_selected(self, label: str | None = None) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        if not label:
            label, ok = QInputDialog.getText(self, "Relabel", f"New label for {len(ids)} sample(s):")
            if not ok or not label.strip():
                return
        self._try(lambda: self.store.relabel(ids, label.strip()))
        self.reload()

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if ids:
            self._try(lambda: self._undo.append(self.store.delete(ids)))
            self.reload()

    def undo_delete(self) -> None:
        if self._undo:
            gone = self._undo.pop()
            self._try(lambda: self.store.restore(gone))
            self.reload()

    def export(self, path: str | None = None) -> None:
        path = path or QFileDialog.getSaveFileName(self, "Export samples", "my-samples.jsonl",
                                                   "Ink dataset (*.jsonl)")[0]
        if path:
            ids = [s.id for s in self.model.samples]
            self._try(lambda: self.store.export_jsonl(Path(path), ids))

    def import_(self, path: str | None = None) -> None:
        path = path or QFileDialog.getOpenFileName(self, "Import samples", "", "Ink dataset (*.jsonl *.ndjson)")[0]
        if path:
            self._try(lambda: self.store.import_jsonl(Path(path)))
            self.reload()

    def _try(self, action: Any) -> None:
        try:
            action()
        except (MojiyomiError, OSError) as exc:
            errors.show_error(self, "Could not change your samples", exc)
