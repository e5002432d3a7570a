"""Every keyword checked before sending, ``stream`` included, and ``format: uri`` checked by the
models as the reference server and Prism check it (issue 19)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini import AIMLAPI, ChatCompletion, RequestValidationError, Stream
from tests.doubles.fakes import BASE_URL, FAKE_KEY, EventBody, FakeAPI, Reply, completion_json, sse_body

HELLO: Any = [spec.user_message("Hello")]
VALID_URIS = ["https://example.com/a.png", "data:image/png;base64,iVBORw0KGgo=", "http://[::1]:8080/x?y=1#z"]
INVALID_URIS = ["not a uri", "example.com/a.png", "/relative/a.png", "https://exa mple.com/", ""]


def _aimlapi(fake_api: FakeAPI) -> AIMLAPI:
    http = httpx.Client(transport=httpx.MockTransport(fake_api.handler))
    return AIMLAPI(api_key=FAKE_KEY, base_url=BASE_URL, http_client=http, max_retries=0)


def _url_is_a_uri_by_the_spec() -> bool:
    """Whether the spec's image URL says ``format: uri`` (a revision may leave the format out)."""
    url = spec.resolve(spec.schemas().get("ImageUrl", {})).get("properties", {}).get("url", {})
    return bool(url.get("format") == "uri")


def _image(url: str) -> Any:
    return [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}]


@pytest.mark.parametrize("flag", [True, False])
def test_stream_true_or_false_is_sent(fake_api: FakeAPI, flag: bool) -> None:
    fake_api.script(Reply(events=EventBody(sse_body(1))) if flag else Reply(json=completion_json()))
    with _aimlapi(fake_api) as client:
        answer = client.chat.completions.create(model="gemini-pro", messages=HELLO, stream=flag)
        assert isinstance(answer, Stream if flag else ChatCompletion)
        if isinstance(answer, Stream):
            answer.close()
    assert fake_api.sent_json()["stream"] is flag


@pytest.mark.parametrize("raw", [False, True])
@pytest.mark.parametrize("flag", ["yes", None, 1, 0, "true"])
def test_stream_of_another_type_is_refused_before_sending(fake_api: FakeAPI, flag: Any, raw: bool) -> None:
    with _aimlapi(fake_api) as client:
        completions: Any = client.chat.completions.with_raw_response if raw else client.chat.completions
        with pytest.raises(RequestValidationError, match="expected boolean") as caught:
            completions.create(model="gemini-pro", messages=HELLO, stream=flag)
    assert caught.value.path == "stream"
    assert fake_api.requests == []


@pytest.mark.parametrize("url", VALID_URIS)
def test_an_image_url_that_is_a_uri_is_sent(fake_api: FakeAPI, url: str) -> None:
    if not spec.part_present("user", "image_url"):
        return
    fake_api.script(Reply(json=completion_json()))
    with _aimlapi(fake_api) as client:
        client.chat.completions.create(model="gemini-pro", messages=_image(url))
    assert fake_api.sent_json()["messages"][0]["content"][0]["image_url"]["url"] == url


@pytest.mark.parametrize("url", INVALID_URIS)
def test_an_image_url_that_is_no_uri_is_refused_before_sending(fake_api: FakeAPI, url: str) -> None:
    if not spec.part_present("user", "image_url"):
        return
    if not _url_is_a_uri_by_the_spec():  # no format to check: the client sends it, as the spec takes it
        fake_api.script(Reply(json=completion_json()))
        with _aimlapi(fake_api) as client:
            client.chat.completions.create(model="gemini-pro", messages=_image(url))
        assert fake_api.sent_json()["messages"][0]["content"][0]["image_url"]["url"] == url
        return
    with _aimlapi(fake_api) as client, pytest.raises(RequestValidationError, match="format: uri") as caught:
        client.chat.completions.create(model="gemini-pro", messages=_image(url))
    assert caught.value.path == "messages[0].content[0].image_url.url"
    assert fake_api.requests == []
