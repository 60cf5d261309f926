"""Cancellation of a training run or fine-tune by its owner (the app, a job, Ctrl+C)."""

from __future__ import annotations


class Cancelled(Exception):
    """The run was cancelled by its owner; nothing was written."""
