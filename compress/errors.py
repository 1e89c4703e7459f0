"""Errors the compression toolkit raises for bad recipes, models and calibration data."""
from __future__ import annotations

from indexer.errors import KithError


class CompressionError(KithError):
    """A model cannot be compressed as asked (bad folder, bad calibration text...)."""

    code = "compression_failed"


class RecipeError(CompressionError):
    """A recipe is malformed; the message names the offending field."""

    code = "bad_recipe"

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"recipe field '{field}': {problem}")
