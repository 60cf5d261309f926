"""The picture view's bar: the picture's name, how its writing runs, and the buttons that mend or leave it.

The strings are the picture view's (translation context ``PictureView``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from core.picture import PictureLayout
from desktop.i18n import translate


def layout_titles() -> dict[PictureLayout, str]:
    """The layouts offered, as the layout box shows them."""
    return {"auto": translate("PictureView", "Layout: automatic"),
            "horizontal": translate("PictureView", "Lines (left to right)"),
            "vertical": translate("PictureView", "Columns (right to left)"),
            "single": translate("PictureView", "One character")}


def add_button(parent: QWidget, layout: QHBoxLayout, text: str, tip: str, slot: Callable[[], object]) -> QPushButton:
    """A button of the picture view, added to ``layout``, that calls ``slot`` and leaves the view its keys."""
    button = QPushButton(text, parent)
    button.setToolTip(tip)
    button.setMinimumWidth(40)  # below its text's width: the window's 480 px minimum must fit the bar
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.clicked.connect(lambda _=False: slot())
    layout.addWidget(button)
    return button


class PictureBar(QWidget):
    """The picture's name, the layout box, Merge, Split, Next picture and Back to writing."""

    def __init__(self, parent: QWidget, *, layout_chosen: Callable[[], object], merge: Callable[[], object],
                 split: Callable[[], object], open_next: Callable[[], object],
                 back: Callable[[], object]) -> None:
        """Builds the bar.

        Args:
            parent: The picture view.
            layout_chosen: Called when the user chooses a layout (the picture is read again).
            merge, split, open_next, back: Called by the buttons of those names.
        """
        super().__init__(parent)
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(self)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # a long name is cut
        bar.addWidget(self.title, 1)
        self.layout_box = QComboBox(self)
        for name, title in layout_titles().items():
            self.layout_box.addItem(title, name)
        self.layout_box.setMinimumContentsLength(12)
        self.layout_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.layout_box.setToolTip(translate("PictureView", "How the writing runs; the picture is read again"))
        self.layout_box.activated.connect(lambda _index: layout_chosen())
        bar.addWidget(self.layout_box)
        self.merge_button = add_button(self, bar, translate("PictureView", "Merge"), translate(
            "PictureView", "Make one character of the selected box and its neighbour on the line (M)"), merge)
        self.split_button = add_button(self, bar, translate("PictureView", "Split"), translate(
            "PictureView", "Cut the selected box in two (S)"), split)
        self.next_button = add_button(self, bar, translate("PictureView", "Next picture"), translate(
            "PictureView", "Read the next picture opened"), open_next)
        self.back_button = add_button(self, bar, translate("PictureView", "Back to writing"), translate(
            "PictureView", "Close the picture and write on the canvas again"), back)

    def picture_layout(self) -> PictureLayout:
        """The layout chosen in the layout box."""
        return self.layout_box.currentData()

    def choose_layout(self, layout: PictureLayout) -> None:
        """Shows ``layout`` in the layout box (an unknown one: the first)."""
        self.layout_box.setCurrentIndex(max(0, self.layout_box.findData(layout)))

    def set_state(self, idle: bool, can_merge: bool, can_split: bool, has_picture: bool, waiting: int) -> None:
        """Enables what can be done now.

        Args:
            idle: No picture is read and no box mended.
            can_merge: A box is selected that has a neighbour on its line.
            can_split: A box is selected.
            has_picture: A picture is shown (it can be read with another layout).
            waiting: How many pictures opened wait to be read (Next picture).
        """
        self.merge_button.setEnabled(idle and can_merge)
        self.split_button.setEnabled(idle and can_split)
        self.layout_box.setEnabled(idle and has_picture)
        self.next_button.setVisible(bool(waiting))
        self.next_button.setEnabled(idle)
        self.next_button.setText(translate("PictureView", "Next picture ({n} more)").format(n=waiting))
