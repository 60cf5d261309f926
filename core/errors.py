"""Exceptions a user can cause. Each message says what was wrong and what was received."""

from __future__ import annotations


class MojiyomiError(Exception):
    """Base class of every error that is shown to the user as a message, not a traceback."""


class InputError(MojiyomiError, ValueError):
    """An image or ink file that cannot be recognized (corrupt, empty, too large, NaN...)."""


class BundleError(MojiyomiError):
    """A model bundle that is missing, incomplete or inconsistent."""


class ModelNotFoundError(BundleError, LookupError):
    """A model name that matches no installed bundle."""


class DatasetError(MojiyomiError, ValueError):
    """A dataset that cannot be read or is unusable for the requested job."""


class SamplesError(MojiyomiError):
    """The samples database cannot be opened or written (corrupt, locked, full disk)."""
