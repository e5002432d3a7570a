"""Requests say which client sent them; a user's own User-Agent wins."""

from __future__ import annotations

import httpx

from aimlapi_gemini import AuthenticatedClient, ChatCompletionRequest, UserMessage
from aimlapi_gemini.api.chat_completions import create_chat_completion

_REPLY = {
    "id": "x",
    "object": "chat.completion",
    "created": 1,
    "model": "google/gemini-pro",
    "choices": [],
    "usage": {"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": 1},
}
_BODY = ChatCompletionRequest(model="gemini-pro", messages=[UserMessage(role="user", content="hi")])


def _user_agent_sent(client_headers: dict[str, str]) -> str:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=_REPLY)

    client = AuthenticatedClient(
        base_url="http://test",
        token="k",
        headers=client_headers,
        httpx_args={"transport": httpx.MockTransport(handler)},
    )
    create_chat_completion.sync(client=client, body=_BODY)
    return seen[0].headers["user-agent"]


def test_requests_name_the_client_and_its_version() -> None:
    assert _user_agent_sent({}).startswith("aimlapi-gemini/")


def test_a_user_agent_set_by_the_user_wins() -> None:
    assert _user_agent_sent({"User-Agent": "my-app/2.0"}) == "my-app/2.0"
