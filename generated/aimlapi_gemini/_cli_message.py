# Copied from scripts/package/aimlapi_gemini/_cli_message.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""The chat command's user message, in a form the spec takes: the prompt as a string or as a text
part, a sound file (``--audio FILE``) as an ``input_audio`` part (base64 data, the file's suffix as
its ``format`` where the spec has one).

Which forms the API takes is found by checking each against the request model (the spec's schema),
plainest first, so a revision whose user messages take no text, or no audio, gets a usage error
that says so and names the option that would work.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

AUDIO_PART = "input_audio"

# Judges one user message's content: whether a request holding only that message is valid.
ContentCheck = Callable[[Any], bool]


class MessageError(Exception):
    """The message cannot be sent as given; str(self) says why and what to do instead."""


class Audio:
    """A sound file's bytes and its format (the file's suffix, lower case, without the dot)."""

    def __init__(self, data: bytes, audio_format: str) -> None:
        self.data = data
        self.format = audio_format

    @classmethod
    def read(cls, path: str) -> Audio:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise MessageError(f"--audio: cannot read {path!r}: {exc.strerror or exc}") from None
        return cls(data, Path(path).suffix.lstrip(".").lower())

    def parts(self) -> Iterator[dict[str, Any]]:
        """The audio as a content part: without a format (nothing the spec may not know of), then
        with the file's suffix as its format (for specs that require one)."""
        encoded = base64.b64encode(self.data).decode("ascii")
        yield {"type": AUDIO_PART, AUDIO_PART: {"data": encoded}}
        if self.format:
            yield {"type": AUDIO_PART, AUDIO_PART: {"data": encoded, "format": self.format}}


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _forms(prompt: str | None, audio: Audio | None) -> Iterator[Any]:
    """Each form of the content for this prompt and sound file, the plainest first."""
    if audio is None:
        if prompt is not None:
            yield prompt
            yield [_text_part(prompt)]
        return
    for part in audio.parts():
        yield [part] if prompt is None else [_text_part(prompt), part]


def user_content(prompt: str | None, audio: Audio | None, fits: ContentCheck) -> Any:
    """The first form of the content that ``fits``; a `MessageError` when the API takes text but
    no audio, or audio but no text; when no form fits for another reason, the last form tried (the
    fullest, so that the validator's own message says what is wrong with it)."""
    if prompt is None and audio is None:
        raise MessageError("chat: give the message: a PROMPT (- reads it from stdin) or --audio FILE")
    form: Any = None
    for form in _forms(prompt, audio):
        if fits(form):
            return form
    takes_text = any(fits(each) for each in _forms("Hello", None))
    takes_audio = any(fits(each) for each in _forms(None, Audio(b"", "wav")))
    if prompt is not None and not takes_text and takes_audio:
        raise MessageError("this API's user messages take no text: send a sound file with --audio FILE")
    if audio is not None and not takes_audio and takes_text:
        raise MessageError("--audio: this API's user messages take no audio")
    return form
