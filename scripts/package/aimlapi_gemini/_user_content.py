"""A user message's content in a form the spec takes, for the callers that build one from plain
input (the CLI's prompt and ``--audio FILE``, a Ray Data prompt column): text as a string or as a
text part, a sound file as an ``input_audio`` part (base64 data, the file's suffix as its
``format`` where the spec requires one).

Which forms the API takes is found by checking each against the request model (the spec's
schema), plainest first, so a revision whose user messages take no text, or no audio, is told
apart from any other misfit (`NotTaken`) and each caller can say what would work instead.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from aimlapi_gemini._validation import ValidationError
from aimlapi_gemini.models.chat_completion_request import ChatCompletionRequest

AUDIO_PART = "input_audio"


class NotTaken(Exception):
    """This API's user messages take no ``what`` ("text" or "audio") at all."""

    def __init__(self, what: str) -> None:
        super().__init__(f"this API's user messages take no {what}")
        self.what = what


class Audio:
    """A sound's bytes and its format (a file's suffix, lower case, without the dot)."""

    def __init__(self, data: bytes, audio_format: str) -> None:
        self.data = data
        self.format = audio_format

    def parts(self) -> Iterator[dict[str, Any]]:
        """The audio as a content part: without a format (nothing the spec may not know of), then
        with one (for specs that require it)."""
        encoded = base64.b64encode(self.data).decode("ascii")
        yield {"type": AUDIO_PART, AUDIO_PART: {"data": encoded}}
        if self.format:
            yield {"type": AUDIO_PART, AUDIO_PART: {"data": encoded, "format": self.format}}


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _forms(prompt: str | None, audio: Audio | None) -> Iterator[Any]:
    """Each form of the content for this prompt and sound, the plainest first."""
    if audio is None:
        if prompt is not None:
            yield prompt
            yield [_text_part(prompt)]
        return
    for part in audio.parts():
        yield [part] if prompt is None else [_text_part(prompt), part]


def _fits(model: str, content: Any) -> bool:
    """Whether a request of one user message with this content is valid (the other fields are
    judged on the whole request, so that their errors name them)."""
    try:
        ChatCompletionRequest.from_dict({"model": model, "messages": [{"role": "user", "content": content}]})
    except ValidationError:
        return False
    return True


def user_content(model: str, prompt: str | None, audio: Audio | None = None) -> Any:
    """The first form of the content a request to ``model`` takes; `NotTaken` when the API takes
    text but no audio, or audio but no text; when no form fits for another reason, the last form
    tried (the fullest, so that the validator's own message on the request says what is wrong)."""
    form: Any = None
    for form in _forms(prompt, audio):
        if _fits(model, form):
            return form
    takes_text = any(_fits(model, each) for each in _forms("Hello", None))
    takes_audio = any(_fits(model, each) for each in _forms(None, Audio(b"", "wav")))
    if prompt is not None and not takes_text and takes_audio:
        raise NotTaken("text")
    if audio is not None and not takes_audio and takes_text:
        raise NotTaken("audio")
    return form
