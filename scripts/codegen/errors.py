"""The one error type of the generation pipeline (its own module so plan.py and pipeline.py share it)."""

from __future__ import annotations


class GenerationError(RuntimeError):
    """A pipeline step failed; the message names the step and the cause."""
