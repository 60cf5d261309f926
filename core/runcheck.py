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
#: ``line_windows`` draws a window from the shrunk line when it is at most 1 / ``MIN_SHRINK`` times
#: as long there as the network's (bilinear from a longer one would skip its pixels).
MIN_SHRINK = 0.7


def run_window(ink: np.ndarray, labels: np.ndarray, members: Sequence[int], box: Sequence[float],
               centre_across: float, size: float, along: int) -> np.ndarray:
    """The network's input for one run: (``ACROSS``, ``ALONG``, 2) uint8.

    Channel 0 holds the run's own ink (pixels of ``labels`` in ``members``), channel 1 all of
    ``ink`` (white on black), in a window centred on the run along the line and on
    ``centre_across`` across it, ``WINDOW_ALONG`` line sizes long (longer for a run that is
    longer, then squeezed) and ``ACROSS / SIZE`` line sizes across; a column is turned so
    that it runs along the window's rows, as a line does.
    """
    shown = _shown(box, centre_across, size, along)
    all_ink = window(ink, shown)
    ids = window(labels, shown)
    own = members_mask(ids, members)
    planes = np.stack([np.where(own, all_ink, 0), all_ink], axis=-1).astype(np.uint8)
    if along == 1:
        planes = np.ascontiguousarray(planes.transpose(1, 0, 2))
    return cv2.resize(planes, (ALONG, ACROSS), interpolation=cv2.INTER_AREA)


def _shown(box: Sequence[float], centre_across: float, size: float, along: int) -> tuple[int, int, int, int]:
    """The working pixels (x0, y0, x1, y1) of a run's window (``run_window``)."""
    size = max(float(size), 1.0)
    half_across = size * ACROSS / SIZE / 2
    extent = float(box[along + 2] - box[along])
    half_along = max(size * WINDOW_ALONG, extent + size * 0.5) / 2
    middle = (box[along] + box[along + 2]) / 2
    if along == 0:
        return (int(np.floor(middle - half_along)), int(np.floor(centre_across - half_across)),
                int(np.ceil(middle + half_along)), int(np.ceil(centre_across + half_across)))
    return (int(np.floor(centre_across - half_across)), int(np.floor(middle - half_along)),
            int(np.ceil(centre_across + half_across)), int(np.ceil(middle + half_along)))


def line_windows(ink: np.ndarray, labels: np.ndarray, pieces: Sequence[Piece], size: float, along: int,
                 runs: Sequence[tuple[Sequence[int], Sequence[float]]]) -> np.ndarray:
    """The ``run_window`` of each of ``runs`` (members and box) of one line of ``pieces``, centred
    across on the line's pieces: (N, ``ACROSS``, ``ALONG``, 2) uint8. The one way the picture path
    and the network's training data make its inputs.

    A line at least twice ``SIZE`` is first shrunk by a whole factor (an average over blocks of
    pixels: once for the line's ink, once per run for its own ink, over the run's box), and
    each window is drawn from that at its exact place (bilinear), instead of shrinking each
    window of working pixels on its own: a 2-megapixel line's 86 windows took 23 ms, now 7.
    The windows differ from ``run_window``'s by 1.5-1.8 levels of 255 on average, and the
    network's log-probability of "not merged" by 0.07-0.14, less than moving the run by one
    working pixel does (0.08-0.19; ``bench_pictures``' timing line and page).
    """
    if not runs:
        return np.zeros((0, ACROSS, ALONG, 2), np.uint8)
    boxes = [p.box for p in pieces]
    centre = (min(b[1 - along] for b in boxes) + max(b[3 - along] for b in boxes)) / 2
    factor = max(1, int(max(float(size), 1.0) // SIZE))
    if factor == 1:
        return np.stack([run_window(ink, labels, members, box, centre, size, along) for members, box in runs])
    shown = [_shown(box, centre, size, along) for _, box in runs]
    region = _aligned((min(s[0] for s in shown), min(s[1] for s in shown), max(s[2] for s in shown),
                       max(s[3] for s in shown)), factor)
    every = _shrunk(window(ink, region), factor)
    out = np.empty((len(runs), ACROSS, ALONG, 2), np.uint8)
    for i, ((members, box), place) in enumerate(zip(runs, shown)):
        if factor * ALONG < MIN_SHRINK * (place[2 + along] - place[along]):
            # A run much longer than usual: bilinear from the shrunk line would skip pixels.
            out[i] = run_window(ink, labels, members, box, centre, size, along)
            continue
        x0, y0 = int(np.floor(box[0])), int(np.floor(box[1]))
        own_box = _aligned((x0, y0, max(int(np.ceil(box[2])), x0 + 1), max(int(np.ceil(box[3])), y0 + 1)), factor)
        own = _shrunk(np.where(members_mask(window(labels, own_box), members), window(ink, own_box), 0), factor)
        planes = np.stack([_drawn(own, own_box, factor, place, along),
                           _drawn(every, region, factor, place, along)], axis=-1)
        out[i] = np.clip(np.round(planes), 0, 255)
    return out


def _aligned(box: tuple[int, int, int, int], factor: int) -> tuple[int, int, int, int]:
    """``box`` grown to whole blocks of ``factor`` pixels (from the working picture's corner)."""
    x0, y0, x1, y1 = box
    return x0 // factor * factor, y0 // factor * factor, -(-x1 // factor) * factor, -(-y1 // factor) * factor


def _shrunk(values: np.ndarray, factor: int) -> np.ndarray:
    """``values`` (sides a multiple of ``factor``) averaged over blocks of ``factor`` pixels (float32)."""
    h, w = values.shape
    return cv2.resize(values.astype(np.float32), (w // factor, h // factor), interpolation=cv2.INTER_AREA)


def _drawn(plane: np.ndarray, box: tuple[int, int, int, int], factor: int, place: tuple[int, int, int, int],
           along: int) -> np.ndarray:
    """The window over working pixels ``place`` (``_shown``) drawn from ``plane``, working pixels
    ``box`` shrunk by ``factor``: (``ACROSS``, ``ALONG``) float32, a column turned."""
    x0, y0, x1, y1 = place
    # Working pixels per window pixel, and where window pixel 0's centre falls in ``plane``.
    if along == 0:
        step_x, step_y = (x1 - x0) / ALONG, (y1 - y0) / ACROSS
    else:
        step_x, step_y = (x1 - x0) / ACROSS, (y1 - y0) / ALONG
    start_x = (x0 + 0.5 * step_x - box[0]) / factor - 0.5
    start_y = (y0 + 0.5 * step_y - box[1]) / factor - 0.5
    if along == 0:
        matrix = [[step_x / factor, 0.0, start_x], [0.0, step_y / factor, start_y]]
    else:  # the window's columns run down the picture
        matrix = [[0.0, step_x / factor, start_x], [step_y / factor, 0.0, start_y]]
    return cv2.warpAffine(plane, np.array(matrix), (ALONG, ACROSS), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


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
