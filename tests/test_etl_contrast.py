"""Issue 12, item 8: the ETL reader stretches a faint scan's ink as the picture path does."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.binarize import picture_input
from core.preprocess import Preprocessing, normalize_image
from training.datasets.etl import FORMATS, encode_record, iter_etl

SPEC = Preprocessing()


def faint_scan() -> np.ndarray:
    """An ETL8G-like 4-bit sheet (levels 0..15): paper at 2 (1 or 3 here and there), a faint pencil
    cross at 6."""
    rng = np.random.default_rng(0)
    levels = rng.choice(np.array([1, 2, 3], np.uint8), (127, 128), p=[0.1, 0.8, 0.1])
    levels[60:66, 30:100] = 6
    levels[25:105, 62:68] = 6
    return levels


def test_a_faint_etl_scan_is_stretched_to_solid_ink(tmp_path: Path) -> None:
    levels = faint_scan()
    path = tmp_path / "ETL9G_01"
    path.write_bytes(encode_record(FORMATS["ETL9G"], levels * 17, "十", 1))
    image, label, _ = next(iter_etl(path))
    assert label == "十"
    # Unstretched, the cross would be (6 - 3) * 17 = 51 over the paper: a dim grey to the model.
    assert image[levels == 6].min() == 255 and image[levels < 6].max() < 40


def test_the_etl_reader_draws_the_ink_as_firmly_as_the_picture_path(tmp_path: Path) -> None:
    levels = faint_scan()
    path = tmp_path / "ETL9G_01"
    path.write_bytes(encode_record(FORMATS["ETL9G"], levels * 17, "十", 1))
    from_etl = normalize_image(next(iter_etl(path))[0], SPEC)
    # The same sheet as a picture file would come: dark pencil on light paper.
    from_picture = picture_input((255 - levels * 17).astype(np.uint8), SPEC)
    # The picture path also evens the stroke width towards the models' pen: its strokes are wider.
    solid_etl, solid_picture = from_etl > 127, from_picture > 127
    assert (solid_etl & solid_picture).sum() > 0.9 * solid_etl.sum() > 0
    assert np.percentile(from_etl[from_etl > 8], 75) > 200 and np.percentile(from_picture[from_picture > 8], 75) > 200
