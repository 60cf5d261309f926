"""The status-bar notice that a pick was kept as a training sample, with an Undo button.

Picking a lower candidate is a correction, and corrections teach a fine-tune; a wrong key
would teach the wrong thing, so the sample is never kept silently: this notice says so for a
few seconds and lets the user take it back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget
from desktop.i18n import translate

#: How long the notice stays (ms).
NOTICE_MS = 8000


class SampleNotice(QWidget):
    """"Kept as a sample of X  [Undo]", shown for ``NOTICE_MS``.

    Signals:
        undoRequested(int): Undo was clicked for the sample with this id.
    """

    undoRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None, shown_ms: int = NOTICE_MS) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self)
        layout.addWidget(self.label)
        self.undo_button = QPushButton(translate("SampleNotice", "Undo"), self)
        self.undo_button.setToolTip(translate("SampleNotice", "Do not keep this sample"))
        self.undo_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.undo_button.clicked.connect(self._undo)
        layout.addWidget(self.undo_button)
        self.sample_id: int | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(shown_ms)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_kept(self, sample_id: int, label: str, detail: str = "") -> None:
        """Says that the sample ``sample_id`` of ``label`` was kept (replacing any earlier notice)."""
        self.sample_id = sample_id
        text = translate("SampleNotice", "Kept as a sample of “{label}”").format(label=label)
        self.label.setText(text + (f" ({detail})" if detail else ""))

        self.undo_button.setEnabled(True)
        self.show()
        self._timer.start()

    def _undo(self) -> None:
        if self.sample_id is not None:
            sample_id, self.sample_id = self.sample_id, None
            self.hide()
            self._timer.stop()
            self.undoRequested.emit(sample_id)
