"""Evaluation reports written beside a bundle: per-class CSV, confusions, misrecognized gallery."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

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
    picture = confusion_image(labels, matrix) if len(labels) <= FULL_MATRIX_MAX else confused_pairs_image(labels, matrix)
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


def _text(label: str) -> str:
    """What cv2 can draw: ASCII labels as they are, others as their code points."""
    return label if label.isascii() else " ".join(f"U+{ord(c):04X}" for c in label)


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
        cv2.putText(image, _text(labels[i])[:6], (4, margin + i * cell + cell // 2 + 4), cv2.FONT_HERSHEY_PLAIN,
                    0.8, (0, 0, 0), 1, cv2.LINE_AA)
        cv2.putText(image, _text(labels[i])[:3], (margin + i * cell + 4, margin - 8), cv2.FONT_HERSHEY_PLAIN,
                    0.8, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(image, "true \\ predicted", (4, 16), cv2.FONT_HERSHEY_PLAIN, 1.0, (0, 0, 0), 1, cv2.LINE_AA)
    return image


def confused_pairs_image(labels: Sequence[str], matrix: np.ndarray, n: int = 30) -> np.ndarray:
    """A table of the most confused pairs (for models with thousands of classes)."""
    pairs = most_confused(matrix, n)
    image = np.full((40 + 22 * max(1, len(pairs)), 520, 3), 255, np.uint8)
    cv2.putText(image, "most confused: true -> predicted (count)", (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                (0, 0, 0), 1, cv2.LINE_AA)
    for k, (i, j, count) in enumerate(pairs):
        cv2.putText(image, f"{_text(labels[i])} -> {_text(labels[j])}  ({count})", (8, 52 + 22 * k),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 120), 1, cv2.LINE_AA)
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
        cv2.putText(image, f"{_text(labels[y[i]])}>{_text(labels[pred[i]])}", (left + 2, top + tile + 12),
                    cv2.FONT_HERSHEY_PLAIN, 0.8, (0, 0, 160), 1, cv2.LINE_AA)
    return image


def _png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise OSError("Could not encode a report picture as PNG.")
    return data.tobytes()
