"""Pictures and ink from outside: File > Open, Edit > Paste and drops.

Pictures (files, pasted or dropped images) go to the picture view; ink files (JSON) to the canvas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop import errors
from desktop.canvas import InkCanvas
from desktop.i18n import translate
from desktop.picture_view import PictureView


def open_filter() -> str:
    """The file types File > Open offers, in the interface language."""
    return (translate(
            "MainWindow", "Pictures and ink") + " (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp *.pgm *.json);;"
            + translate("MainWindow", "All files") + " (*)")


def can_drop(mime: QMimeData) -> bool:
    """True for a drag that brings a picture or local files."""
    return mime.hasImage() or (mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()))


class Opener:
    """Opens what the user hands in: picture files and images in the picture view, ink files on the canvas.

    Args:
        parent: The window (dialogs and error messages open over it).
        canvas: Where ink files are shown.
        pictures: Where pictures are read.
    """

    def __init__(self, parent: QWidget, canvas: InkCanvas, pictures: PictureView) -> None:
        self.parent = parent
        self.canvas = canvas
        self.pictures = pictures

    def open_dialog(self) -> None:
        """File > Open: asks for pictures or ink files."""
        paths, _ = QFileDialog.getOpenFileNames(self.parent, translate(
                "MainWindow", "Open pictures or ink"), str(Path.home()), open_filter())
        self.open_files(paths)

    def open_files(self, paths: list[str]) -> None:
        """Recognizes picture files and shows ink JSON files on the canvas."""
        for path in paths:
            if path.lower().endswith((".json", ".ink")):
                self._open_ink(path)
            else:
                self.pictures.open_path(path)

    def _open_ink(self, path: str) -> None:
        from core.errors import MojiyomiError
        from core.ink import load_ink

        try:
            ink = load_ink(path).validate()
        except (MojiyomiError, OSError, ValueError) as exc:
            errors.show_error(self.parent, translate("MainWindow", "Could not open {name}").format(
                name=Path(path).name), exc)
            return
        self.canvas.set_ink(ink)

    def paste(self) -> None:
        """Recognizes a picture (or picture files) from the clipboard."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasImage():
            self._open_qimage(QGuiApplication.clipboard().image(), translate(
                    "MainWindow", "Could not paste the picture"))
        elif mime is not None and mime.hasUrls():
            self.open_files([u.toLocalFile() for u in mime.urls() if u.isLocalFile()])
        else:
            errors.show_error(self.parent, translate("MainWindow", "Nothing to paste"), None, translate(
                "MainWindow", "The clipboard holds no picture. Copy a picture of handwriting (or an image file) "
                "first."))

    def drop(self, mime: QMimeData) -> None:
        """Opens what was dropped: local files, or else a picture."""
        if mime.hasUrls():
            self.open_files([u.toLocalFile() for u in mime.urls() if u.isLocalFile()])
        elif mime.hasImage():
            self._open_qimage(mime.imageData(), translate("MainWindow", "Could not read the dropped picture"))

    def _open_qimage(self, image: Any, title: str) -> None:
        from core.errors import InputError
        from desktop.qtimage import qimage_to_grey

        try:
            self.pictures.open_grey(qimage_to_grey(image))
        except (InputError, TypeError) as exc:  # TypeError: the data was no QImage
            errors.show_error(self.parent, title, exc)
