"""The status bar's permanent labels: the candidate filter on, the last recognition time, the model."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QLabel, QMainWindow

from desktop.i18n import translate

#: The status bar's room around a message (its margins and the size grip) and between its labels, in pixels.
_STATUS_MARGINS = 32
_STATUS_SPACING = 8


class StatusLabels(QObject):
    """The filter, time and model labels of ``window``'s status bar, which give way to a message.

    Attributes:
        filter: The candidate filter on (hidden when all candidates are shown).
        time: The last recognition's time.
        model: The model in use (or being loaded).
    """

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        bar = window.statusBar()
        self.time = QLabel("")
        self.filter = QLabel("")
        self.filter.setVisible(False)
        bar.addPermanentWidget(self.filter)
        self.model = QLabel(translate("MainWindow", "Loading model…"))
        bar.addPermanentWidget(self.time)
        bar.addPermanentWidget(self.model)
        bar.messageChanged.connect(self.fit)

    @Slot(str)
    def fit(self, message: str) -> None:
        """A transient message takes the model's (and if need be the time's) place while it would be cut.

        The status bar draws a message left of its permanent labels and cuts it there; in a
        480 px window "Model: Japanese: kana, kanji, digits" leaves it about 150 px.
        """
        bar = self.window.statusBar()
        room = bar.width() - bar.fontMetrics().horizontalAdvance(message) - _STATUS_MARGINS
        if self.filter.isVisibleTo(self.window):
            room -= self.filter.sizeHint().width() + _STATUS_SPACING
        time_width = self.time.sizeHint().width() + _STATUS_SPACING
        model_width = self.model.sizeHint().width() + _STATUS_SPACING
        self.model.setVisible(not message or room >= time_width + model_width)
        self.time.setVisible(not message or room >= time_width)
