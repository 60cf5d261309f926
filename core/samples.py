"""The user's handwriting samples, kept in an SQLite database in the user's data folder.

Durability: every change is one transaction in a WAL journal with ``synchronous=FULL``, so
the WAL is synced at each commit. A crash or a power cut loses at most the sample being
written, never one already kept, and never corrupts the others. (``NORMAL`` would also keep
the database consistent in WAL mode but may lose the last few commits on a power cut; a
sample is a user's correction, and one fsync per sample costs well under a millisecond on
an SSD, so we pay for it.)

Bad files: a database that cannot be opened (damaged, not a database, written by a newer
mojiyomi, locked by another program) raises ``SamplesError`` saying what to do. The file is
never overwritten; ``SampleStore.quarantine`` moves it aside so that a new one can start.
A row whose strokes cannot be read (written by another program, or damaged) is listed
without strokes and with its ``problem``, and logged; malformed candidates are dropped.

Kinds: a sample is ``ink`` (strokes written on the canvas) or ``picture`` (a character of an
opened picture, corrected by the user). A picture sample keeps the model input the picture
path made of it (white ink on black, the recognizer's input size, as PNG) and where it came
from (``source``: the picture's name and the character's box); a fine-tune trains on that
image as it is (``labelled_samples``, ``LabelledImage``).

Modules: ``core.samples_store`` (``SampleStore``), ``core.samples_rows`` (``Sample``,
``SampleInfo`` and their database rows), ``core.samples_db`` (the file, its schema and
migrations). Import their public names from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.ink import Ink
from core.preprocess import Preprocessing, normalize_image
from core.samples_db import (DB_NAME, DB_SUFFIXES, MIGRATIONS, SCHEMA_VERSION, SamplesDamagedError,
                             default_path)
from core.samples_rows import MAX_PICTURE_BYTES, MAX_PICTURE_SIDE, Sample, SampleInfo, SampleKind
from core.samples_store import SampleStore

__all__ = ["DB_NAME", "DB_SUFFIXES", "MAX_PICTURE_BYTES", "MAX_PICTURE_SIDE", "MIGRATIONS", "SCHEMA_VERSION",
           "LabelledImage", "Sample", "SampleInfo", "SampleKind", "SampleStore", "SamplesDamagedError",
           "TrainingSample", "default_path", "labelled_inks", "labelled_samples"]


@dataclass(frozen=True)
class LabelledImage:
    """A picture sample as training data: its model input and its label.

    Attributes:
        image: The model input the picture path made (uint8, white ink on black).
        label: What the user said it is.
    """

    image: np.ndarray = field(compare=False, repr=False)
    label: str

    @property
    def is_empty(self) -> bool:
        """True when the image holds no ink."""
        return not bool(self.image.any())

    def model_input(self, spec: Preprocessing) -> np.ndarray:
        """The (size, size, 1) float32 input of a model with ``spec``: the image as it is when it
        has that size already (what the recognizer saw), else fitted again.

        Raises:
            InputError: if it holds no ink.
        """
        if self.image.shape == (spec.size, spec.size):
            return self.image.astype(np.float32)[..., None]
        return normalize_image(self.image, spec)


#: A labelled sample for a fine-tune: strokes, or a picture's model input.
TrainingSample = Ink | LabelledImage


def labelled_inks(path: Path | str) -> list[Ink]:
    """The ink samples of a database as inks carrying their labels, oldest first (picture
    samples are left out: see ``labelled_samples``).

    A sample whose strokes cannot be read is an empty ink, which a dataset counts as
    unreadable and a fine-tune leaves out.

    Raises:
        SamplesError: as ``SampleStore``.
    """
    with SampleStore(path, read_only=True) as store:
        return [sample.ink.with_label(sample.label) for sample in store.list() if sample.kind == "ink"]


def labelled_samples(path: Path | str) -> list[TrainingSample]:
    """Every sample of a database with its label, oldest first: inks, and picture samples as
    ``LabelledImage`` (one whose picture cannot be read is an empty image, left out by a fine-tune).

    Raises:
        SamplesError: as ``SampleStore``.
    """
    with SampleStore(path, read_only=True) as store:
        return [_training_sample(sample) for sample in store.list()]


def _training_sample(sample: Sample) -> TrainingSample:
    if sample.kind == "picture":
        image = sample.image if sample.image is not None else np.zeros((1, 1), np.uint8)
        return LabelledImage(image, sample.label)
    return sample.ink.with_label(sample.label)
