"""Is this run of pieces two characters taken for one? A small network looks at it in its line.

The decoder (``core.decode``) chooses how a line's pieces group into characters by the
recognizer's confidence, the run's geometry and the language model. Where neighbours touch,
two of them cut out together often still read as one confident character (自動的に read as
自動的, a tiny し between 行 and て swallowed): the recognizer only ever saw whole characters,
fitted to its frame, and never learnt to say "this is not one". This network does: it sees
the run at the line's own scale, in a window ``WINDOW_ALONG`` line sizes long centred on it,
with two channels (the run's own ink, and all the ink around it), and tells what the run is:
one whole character, characters merged (two or more, or one and part of the next), or part
of one character (``KINDS``). The decoder adds ``DecodeConfig.check_weight`` times the log of
the probability that the run is not merged to each run's score (``core.picture`` passes the
check for pictures). Only merging is judged: a part of a character the recognizer and the
run's geometry already tell well.

The network is ``resources/runcheck/runcheck.tflite`` (LiteRT), made by
``training/runcheck.py`` from generated lines of KanjiVG characters (never Tomoe, the
benchmark's writer), with its commands, its held-out scores and its data's credit in
``metadata.json``; pictures are read without it when the file is absent.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from core.contacts import LiteNetwork, members_mask, network_credit, window
from core.decode import Piece

log = logging.getLogger(__name__)

#: The line's size across it in the window (pixels).
SIZE = 32
#: The window across the line, in pixels: the line and an eighth of a line size either side.
ACROSS = 40
#: The window along the line, in line sizes (a character and a bit of both neighbours at
#: its usual width; a wide run is squeezed to fit, see ``run_window``).
WINDOW_ALONG = 2.5
#: The window along the line, in pixels.
ALONG = int(round(WINDOW_ALONG * SIZE))
#: The bundled network.
MODEL_PATH = Path(__file__).resolve().parent.parent / "resources" / "runcheck" / "runcheck.tflite"
#: Probabilities are kept inside [FLOOR, 1 - FLOOR] before their log is taken.
FLOOR = 1e-4
#: What the network tells a run is, in the order of its outputs.
KINDS = ("whole", "merged", "part")


def run_window(ink: np.ndarray, labels: np.ndarray, members: Sequence[int], box: Sequence[float],
               centre_across: float, size: float, along: int) -> np.ndarray:
    """The network's input for one run: (``ACROSS``, ``ALONG``, 2) uint8.

    Channel 0 holds the run's own ink (pixels of ``labels`` in ``members``), channel 1 all of
    ``ink`` (white on black), in a window centred on the run along the line and on
    ``centre_across`` across it, ``WINDOW_ALONG`` line sizes long (longer for a run that is
    longer, then squeezed) and ``ACROSS / SIZE`` line sizes across; a column is turned so
    that it runs along the window's rows, as a line does.
    """
    size = max(float(size), 1.0)
    half_across = size * ACROSS / SIZE / 2
    extent = float(box[along + 2] - box[along])
    half_along = max(size * WINDOW_ALONG, extent + size * 0.5) / 2
    middle = (box[along] + box[along + 2]) / 2
    if along == 0:
        shown = (int(np.floor(middle - half_along)), int(np.floor(centre_across - half_across)),
                 int(np.ceil(middle + half_along)), int(np.ceil(centre_across + half_across)))
    else:
        shown = (int(np.floor(centre_across - half_across)), int(np.floor(middle - half_along)),
                 int(np.ceil(centre_across + half_across)), int(np.ceil(middle + half_along)))
    all_ink = window(ink, shown)
    ids = window(labels, shown)
    own = members_mask(ids, members)
    planes = np.stack([np.where(own, all_ink, 0), all_ink], axis=-1).astype(np.uint8)
    if along == 1:
        planes = np.ascontiguousarray(planes.transpose(1, 0, 2))
    return cv2.resize(planes, (ALONG, ACROSS), interpolation=cv2.INTER_AREA)


def line_windows(ink: np.ndarray, labels: np.ndarray, pieces: Sequence[Piece], size: float, along: int,
                 runs: Sequence[tuple[Sequence[int], Sequence[float]]]) -> np.ndarray:
    """The ``run_window`` of each of ``runs`` (members and box) of one line of ``pieces``, centred
    across on the line's pieces: (N, ``ACROSS``, ``ALONG``, 2) uint8. The one way the picture path
    and the network's training data make its inputs."""
    if not runs:
        return np.zeros((0, ACROSS, ALONG, 2), np.uint8)
    boxes = [p.box for p in pieces]
    centre = (min(b[1 - along] for b in boxes) + max(b[3 - along] for b in boxes)) / 2
    return np.stack([run_window(ink, labels, members, box, centre, size, along) for members, box in runs])


class RunCheckModel(LiteNetwork):
    """The network, run with the LiteRT interpreter on batches of ``run_window`` inputs."""

    def __init__(self, path: str | Path = MODEL_PATH, num_threads: int = 2) -> None:
        super().__init__(path, num_threads)

    def log_prob(self, windows: np.ndarray) -> np.ndarray:
        """Per window (N, ``ACROSS``, ``ALONG``, 2 uint8), the log-probability that its run is not merged."""
        if len(windows) == 0:
            return np.zeros(0, np.float32)
        prob = self.run(windows.astype(np.float32) / 255.0).reshape(len(windows), len(KINDS))
        return np.log(np.clip(1 - prob[:, KINDS.index("merged")], FLOOR, 1 - FLOOR)).astype(np.float32)


def runcheck_credit(path: Path | None = None) -> str:
    """One line crediting the data the network was trained from ("" if it cannot be read)."""
    return network_credit(path or MODEL_PATH.with_name("metadata.json"))


@functools.cache
def bundled_model() -> RunCheckModel | None:
    """The bundled network, loaded once; None (runs are judged without it) when it is absent or broken."""
    if not MODEL_PATH.is_file():
        return None
    try:
        return RunCheckModel(MODEL_PATH)
    except (ValueError, RuntimeError) as exc:
        log.warning("The run check network %s cannot be loaded: %s", MODEL_PATH, exc)
        return None
