"""The one error type of the generation pipeline (its own module so the plan and pipeline.py share it)."""

from __future__ import annotations


class GenerationError(RuntimeError):
    """A pipeline step failed; the message names the step and the cause."""
