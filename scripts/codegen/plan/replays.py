"""Replies the API takes back as requests (x-replay-as), and how a model is imported."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import GenerationError
from .streams import ModelName


@dataclass(frozen=True)
class Replays:
    """Which reply model the API takes back as which request model (a schema's `x-replay-as`)."""

    target: Mapping[str, ModelName]
    """Reply model name -> the request model it is replayed as."""
    replied: Mapping[str, tuple[ModelName, ...]]
    """Request model name -> the reply models replayed as it, in the models' order."""

    def target_of(self, name: str) -> ModelName | None:
        return self.target.get(name)

    def replies_to(self, name: str) -> tuple[ModelName, ...]:
        return self.replied.get(name, ())


def replays(models: Sequence[tuple[ModelName, str | None]]) -> Replays:
    """The replays of the generated models, each given with its `x-replay-as` (or None). Raises
    ``GenerationError`` when one names no model."""
    by_name = {model.name: model for model, _ in models}
    target: dict[str, ModelName] = {}
    replied: dict[str, tuple[ModelName, ...]] = {}
    for model, replay_as in models:
        if not replay_as:
            continue
        if replay_as not in by_name:
            raise GenerationError(f"x-replay-as of {model.name} names {replay_as}, which is no model")
        target[model.name] = by_name[replay_as]
        replied[replay_as] = (*replied.get(replay_as, ()), model)
    return Replays(target, replied)


def model_import(model: ModelName, package: str = ".") -> str:
    """The import line of a generated model from the package (``.``) or a subpackage (``..``)."""
    return f"from {package}models.{model.module} import {model.name}"
