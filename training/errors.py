"""Errors raised while training adapters."""
from __future__ import annotations

from indexer.errors import KithError


class TrainingError(KithError):
    """Training cannot start or continue (bad model folder, mismatched checkpoint...)."""

    code = "training_failed"
