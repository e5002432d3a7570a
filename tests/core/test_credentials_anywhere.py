"""The key stays out of other origins, reprs and pickles whatever header carries it (issue 19): a
custom ``auth_header_name``, ``headers``/``default_headers``, ``extra_headers``."""

from __future__ import annotations

import pickle
import traceback
from typing import Any

import httpx
import pytest

from aimlapi_gemini import AIMLAPI, AuthenticatedClient, AuthenticationError, Client, ConfigurationError
from aimlapi_gemini.api.chat_completions import create_chat_completion
from tests.doubles.fakes import BASE_URL, FAKE_KEY, completion_json, hello_request

OTHER_ORIGIN = "https://elsewhere.example.test/v1/chat/completions"
SAME_ORIGIN = BASE_URL + "/v1/moved/chat/completions"

# Each way of sending the key under a header name httpx does not know as a credential.
WAYS: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "auth_header_name": ({"auth_header_name": "X-Custom-Key"}, {}),
    "headers": ({"auth_header_name": "", "headers": {"X-Custom": FAKE_KEY}}, {}),
    "headers by name": ({"auth_header_name": "", "headers": {"api_key": "other-secret-1"}}, {}),
    "extra_headers": ({"auth_header_name": ""}, {"X-Custom": FAKE_KEY}),
}


class _Redirecting:
    """Redirects the first request to ``target`` and answers the one that follows; keeps them."""

    def __init__(self, target: str, status: int) -> None:
        self.target = target
        self.status = status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) == 1:
            return httpx.Response(self.status, headers={"location": self.target})
        return httpx.Response(200, json=completion_json())


def _values(request: httpx.Request) -> str:
    return " ".join(f"{name}: {value}" for name, value in request.headers.items())


def _client(handler: Any, settings: dict[str, Any]) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=BASE_URL,
        token=FAKE_KEY,
        follow_redirects=True,
        max_retries=0,
        httpx_args={"transport": httpx.MockTransport(handler)},
        **settings,
    )


@pytest.mark.parametrize("status", [302, 307, 308])
@pytest.mark.parametrize("way", list(WAYS))
def test_a_redirect_to_another_origin_does_not_receive_the_key(way: str, status: int) -> None:
    settings, extra = WAYS[way]
    api = _Redirecting(OTHER_ORIGIN, status)
    with _client(api, settings) as client:
        create_chat_completion.sync(client=client, body=hello_request(), extra_headers=extra)
    first, redirected = api.requests
    secret = settings.get("headers", {}).get("api_key", FAKE_KEY)
    assert secret in _values(first)
    assert redirected.url.host == "elsewhere.example.test"
    assert secret not in _values(redirected)


@pytest.mark.parametrize("way", list(WAYS))
def test_a_redirect_within_the_origin_keeps_the_key(way: str) -> None:
    settings, extra = WAYS[way]
    api = _Redirecting(SAME_ORIGIN, 307)
    with _client(api, settings) as client:
        create_chat_completion.sync(client=client, body=hello_request(), extra_headers=extra)
    secret = settings.get("headers", {}).get("api_key", FAKE_KEY)
    assert [secret in _values(request) for request in api.requests] == [True, True]


@pytest.mark.parametrize("way", list(WAYS))
def test_the_request_of_an_error_shows_its_headers_without_the_key(way: str) -> None:
    settings, extra = WAYS[way]
    unauthorized = httpx.MockTransport(lambda request: httpx.Response(401, json={"message": "no"}))
    client = AuthenticatedClient(
        base_url=BASE_URL, token=FAKE_KEY, httpx_args={"transport": unauthorized}, **settings
    )
    with client, pytest.raises(AuthenticationError) as caught:
        create_chat_completion.sync(client=client, body=hello_request(), extra_headers=extra)
    secret = settings.get("headers", {}).get("api_key", FAKE_KEY)
    assert caught.value.request is not None
    shown = repr(caught.value.request.headers) + repr(caught.value.response.request.headers)
    assert secret not in shown
    assert "<redacted>" in shown
    assert caught.value.request.headers.get("User-Agent", "").startswith("aimlapi-gemini/")  # still there


@pytest.mark.parametrize("name", ["api_key", "X-Auth", "x-api-key", "X-Access-Token", "Session"])
def test_a_key_in_headers_under_a_credential_like_name_is_redacted_in_reprs(name: str) -> None:
    client = Client(base_url=BASE_URL, headers={name: "hidden-value-42", "Accept-Language": "fr"})
    assert "hidden-value-42" not in repr(client)
    assert "'Accept-Language': 'fr'" in repr(client)  # other headers still show


def test_the_key_under_a_neutral_header_name_is_redacted_in_the_client_repr() -> None:
    client = AuthenticatedClient(base_url=BASE_URL, token=FAKE_KEY, headers={"X-Custom": FAKE_KEY})
    assert FAKE_KEY not in repr(client)


def test_an_authenticated_client_refuses_to_be_pickled() -> None:
    client = AuthenticatedClient(base_url=BASE_URL, token=FAKE_KEY)
    with pytest.raises(TypeError, match="cannot be pickled: it holds the API key") as caught:
        pickle.dumps(client)
    assert FAKE_KEY not in str(caught.value)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(AIMLAPI(api_key=FAKE_KEY, base_url=BASE_URL))


def test_a_client_without_a_key_pickles_without_its_pool() -> None:
    client = Client(base_url=BASE_URL, headers={"Accept-Language": "fr"})
    pool = client.get_httpx_client()
    copy = pickle.loads(pickle.dumps(client))
    assert repr(copy) == repr(client)
    assert copy.get_httpx_client() is not pool
    pool.close()
    copy.get_httpx_client().close()


@pytest.mark.parametrize(
    "build",
    [
        lambda: AIMLAPI(api_key=FAKE_KEY, base_url="ftp://nowhere"),
        lambda: AuthenticatedClient(base_url=BASE_URL, token="bad\nkey"),
        lambda: AuthenticatedClient(base_url="not a url", token=FAKE_KEY),
    ],
)
def test_a_constructor_error_formats_with_its_locals(build: Any) -> None:
    with pytest.raises(ConfigurationError) as caught:
        build()
    # A half-built client is among the locals; formatting them used to raise AttributeError.
    text = "".join(traceback.TracebackException.from_exception(caught.value, capture_locals=True).format())
    assert "ConfigurationError" in text
