"""Evaluation reports written beside a bundle: per-class CSV, confusions, misrecognized gallery.

Labels are drawn with OpenCV when they are ASCII. Japanese labels need a font OpenCV does
not have: with Pillow installed and a CJK font under ``/usr/share/fonts`` (or another
usual font folder) they are drawn with it, otherwise as code points (``U+4E00``).
"""

from __future__ import annotations

import csv
import functools
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.atomic import atomic_write_bytes, atomic_write_text
from training.evaluate import confusion_matrix, per_class_scores

#: Up to this many classes the whole confusion matrix is drawn; above, the most confused pairs.
FULL_MATRIX_MAX = 50


def write_reports(folder: Path, labels: Sequence[str], y: np.ndarray, probs: np.ndarray, x: np.ndarray) -> list[Path]:
    """Writes ``per_class.csv``, ``confusion.png`` and ``misrecognized.png`` into ``folder``.

    Args:
        folder: Where to write (created if needed).
        labels: Class labels in output order.
        y: True class indices (N,).
        probs: Predicted probabilities (N, classes).
        x: The model inputs (N, s, s, 1), for the gallery.

    Returns:
        The files written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    pred = probs.argmax(axis=1)
    matrix = confusion_matrix(y, pred, len(labels))
    files = [folder / "per_class.csv", folder / "confusion.png", folder / "misrecognized.png"]
    atomic_write_text(files[0], per_class_csv(labels, matrix))
    small = len(labels) <= FULL_MATRIX_MAX
    picture = confusion_image(labels, matrix) if small else confused_pairs_image(labels, matrix)
    atomic_write_bytes(files[1], _png(picture))
    atomic_write_bytes(files[2], _png(gallery(labels, y, pred, probs, x)))
    return files


def per_class_csv(labels: Sequence[str], matrix: np.ndarray) -> str:
    """label, support, precision, recall, f1 per class."""
    precision, recall, f1, support = per_class_scores(matrix)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["label", "support", "precision", "recall", "f1"])
    for i, label in enumerate(labels):
        writer.writerow([label, int(support[i]), f"{precision[i]:.4f}", f"{recall[i]:.4f}", f"{f1[i]:.4f}"])
    return out.getvalue()


def most_confused(matrix: np.ndarray, n: int = 30) -> list[tuple[int, int, int]]:
    """(true, predicted, count) of the ``n`` largest off-diagonal cells, largest first."""
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    flat = np.argsort(-off, axis=None)[:n]
    pairs = [(int(i // off.shape[1]), int(i % off.shape[1]), int(off.flat[i])) for i in flat]
    return [p for p in pairs if p[2] > 0]


#: Font folders searched for a CJK font, and name fragments of fonts that have Japanese.
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
             "/System/Library/Fonts", "/Library/Fonts", "C:/Windows/Fonts")
CJK_FONT_HINTS = ("notosanscjk", "notoserifcjk", "notosansjp", "sourcehansans", "ipag", "ipaexg", "takao",
                  "droidsansfallback", "wqy", "hiragino", "yugoth", "msgothic", "meiryo")


@functools.lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """A font file that can draw Japanese, or None (searched once per process)."""
    for folder in FONT_DIRS:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for dirpath, _, files in os.walk(root):
            for name in sorted(files):
                key = name.lower().replace("-", "").replace("_", "").replace(" ", "")
                if key.endswith((".ttf", ".otf", ".ttc")) and any(hint in key for hint in CJK_FONT_HINTS):
                    return os.path.join(dirpath, name)
    return None


@functools.lru_cache(maxsize=8)
def _pil_font(size: int) -> Any:
    """A Pillow font of ``size`` pixels for non-ASCII labels, or None without Pillow or a CJK font."""
    path = cjk_font_path()
    if path is None:
        return None
    try:
        from PIL import ImageFont
    except ImportError:
        return None
    return ImageFont.truetype(path, size)


def _text(label: str) -> str:
    """What cv2 can draw: ASCII labels as they are, others as their code points."""
    return label if label.isascii() else " ".join(f"U+{ord(c):04X}" for c in label)


def draw_text(image: np.ndarray, text: str, origin: tuple[int, int], size: int,
              color: tuple[int, int, int]) -> None:
    """Draws ``text`` with its baseline's left end at ``origin``, about ``size`` pixels tall.

    ASCII runs go through ``cv2.putText``; other runs through Pillow and a CJK font when
    both are there (CJK fonts often lack ASCII), else they are written as code points.
    """
    x, y = origin
    for run in _runs(text):
        font = None if run.isascii() else _pil_font(size)
        if font is None:
            shown = run if run.isascii() else f" {_text(run)} "
            scale = cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_SIMPLEX, max(6, int(size * 0.7)))
            cv2.putText(image, shown, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, color, 1, cv2.LINE_AA)
            x += cv2.getTextSize(shown, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0]
        else:
            _blend_pil_text(image, run, (x, y - int(size * 0.85)), font, color)  # PIL draws from the top
            x += int(font.getlength(run))


def _runs(text: str) -> list[str]:
    """``text`` cut into alternating ASCII and non-ASCII pieces."""
    runs: list[str] = []
    for char in text:
        if runs and runs[-1][-1].isascii() == char.isascii():
            runs[-1] += char
        else:
            runs.append(char)
    return runs


def _blend_pil_text(image: np.ndarray, text: str, top_left: tuple[int, int], font: Any,
                    color: tuple[int, int, int]) -> None:
    from PIL import Image, ImageDraw

    _, _, right, bottom = font.getbbox(text)
    mask = Image.new("L", (max(1, right), max(1, bottom)), 0)
    ImageDraw.Draw(mask).text((0, 0), text, fill=255, font=font)
    alpha = np.asarray(mask, np.float32)[..., None] / 255.0
    x0, y0 = top_left
    ys, xs = max(y0, 0), max(x0, 0)
    h = min(alpha.shape[0] - (ys - y0), image.shape[0] - ys)
    w = min(alpha.shape[1] - (xs - x0), image.shape[1] - xs)
    if h <= 0 or w <= 0:
        return
    patch = alpha[ys - y0:ys - y0 + h, xs - x0:xs - x0 + w]
    region = image[ys:ys + h, xs:xs + w].astype(np.float32)
    image[ys:ys + h, xs:xs + w] = (region * (1 - patch) + np.asarray(color, np.float32) * patch).astype(np.uint8)


def _short(label: str, n: int) -> str:
    """A label cut to fit a cell: ``n`` ASCII characters, or one code point's worth otherwise."""
    if label.isascii():
        return label[:n]
    return label[:max(1, n // 3)] if _pil_font(16) is not None else _text(label[:1])[:6]


def _pair(true: str, predicted: str, arrow: str) -> str:
    return f"{true}{arrow}{predicted}"


def confusion_image(labels: Sequence[str], matrix: np.ndarray, cell: int = 28) -> np.ndarray:
    """The whole confusion matrix, rows true and columns predicted, shaded by row share."""
    n = len(labels)
    margin = 60
    image = np.full((margin + n * cell + 10, margin + n * cell + 10, 3), 255, np.uint8)
    rows = matrix.sum(axis=1, keepdims=True).clip(min=1)
    share = matrix / rows
    for i in range(n):
        for j in range(n):
            shade = int(255 * (1 - share[i, j]))
            color = (shade, shade, 255) if i != j else (shade, 255, shade)
            top, left = margin + i * cell, margin + j * cell
            cv2.rectangle(image, (left, top), (left + cell - 1, top + cell - 1), color, -1)
            if matrix[i, j]:
                cv2.putText(image, str(int(matrix[i, j])), (left + 2, top + cell // 2 + 4), cv2.FONT_HERSHEY_PLAIN,
                            0.7, (0, 0, 0), 1, cv2.LINE_AA)
        draw_text(image, _short(labels[i], 6), (4, margin + i * cell + cell // 2 + 6), 16, (0, 0, 0))
        draw_text(image, _short(labels[i], 3), (margin + i * cell + 4, margin - 8), 16, (0, 0, 0))
    cv2.putText(image, "true \\ predicted", (4, 16), cv2.FONT_HERSHEY_PLAIN, 1.0, (0, 0, 0), 1, cv2.LINE_AA)
    return image


def confused_pairs_image(labels: Sequence[str], matrix: np.ndarray, n: int = 30) -> np.ndarray:
    """A table of the most confused pairs (for models with thousands of classes)."""
    pairs = most_confused(matrix, n)
    image = np.full((40 + 22 * max(1, len(pairs)), 520, 3), 255, np.uint8)
    cv2.putText(image, "most confused: true -> predicted (count)", (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                (0, 0, 0), 1, cv2.LINE_AA)
    for k, (i, j, count) in enumerate(pairs):
        draw_text(image, f"{_pair(labels[i], labels[j], ' -> ')}  ({count})", (8, 52 + 22 * k), 18, (0, 0, 120))
    return image


def gallery(labels: Sequence[str], y: np.ndarray, pred: np.ndarray, probs: np.ndarray, x: np.ndarray,
            limit: int = 64, columns: int = 8) -> np.ndarray:
    """Misrecognized samples (most confident mistakes first), each captioned true -> predicted."""
    wrong = np.flatnonzero(pred != y)
    wrong = wrong[np.argsort(-probs[wrong, pred[wrong]])][:limit]
    tile, caption = 84, 18
    rows = max(1, -(-len(wrong) // columns))
    image = np.full((rows * (tile + caption), columns * tile, 3), 255, np.uint8)
    if not len(wrong):
        cv2.putText(image, "no mistakes", (8, 50), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 120, 0), 1, cv2.LINE_AA)
    for k, i in enumerate(wrong):
        top, left = (k // columns) * (tile + caption), (k % columns) * tile
        picture = cv2.resize(255 - x[i, :, :, 0], (tile - 4, tile - 4), interpolation=cv2.INTER_NEAREST)
        image[top + 2:top + tile - 2, left + 2:left + tile - 2] = picture[..., None]
        draw_text(image, _pair(labels[y[i]], labels[pred[i]], " > "), (left + 2, top + tile + 13), 14, (0, 0, 160))
    return image


def _png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise OSError("Could not encode a report picture as PNG.")
    return data.tobytes()
