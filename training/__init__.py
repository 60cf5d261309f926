"""Training: datasets, augmentation, backbones, jobs, evaluation and export. No Qt here.

Modules import Keras (and through it TensorFlow or PyTorch) only inside the functions that
need it, so that reading datasets stays cheap.
"""

from __future__ import annotations

import importlib.util

#: Top-level modules of the optional ``train`` extra (``pip install 'mojiyomi[train]'``).
EXTRA_MODULES = ("keras", "tensorflow")


def missing_extra() -> list[str]:
    """The modules of the ``train`` extra that are not installed (looked up, not imported)."""
    return [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is None]
