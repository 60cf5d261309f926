"""Dataset readers: every format mojiyomi trains on or evaluates with, behind one interface.

``open_dataset(path, spec, limit=None, format=None)`` detects the format and returns a
``Dataset`` that knows its ``labels`` and length and streams normalized samples;
``read_samples`` fills arrays (or a memory-mapped file) from it.
"""

from training.datasets.dataset import Dataset, Samples, open_dataset, read_samples

__all__ = ["Dataset", "Samples", "open_dataset", "read_samples"]
