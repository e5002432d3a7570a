"""Portability: Stoplight Prism, a validator we did not write, reads generated/openapi.json as we do.

The generated client's traffic goes through `prism proxy generated/openapi.json <server> --errors`
(Prism pinned in scripts/npm_tools.py, installed by `make setup`). With `--errors`, Prism
answers an invalid request itself (422, application/problem+json, never forwarded) and turns an
invalid reply into a 500 problem with an `sl-violations` header; a clean exchange comes back
untouched, without that header. Without `--errors`, Prism forwards everything and only adds the
header.

Prism 5.16 reads every reply that is not JSON with `response.text()` (prism-http's
utils/parseResponse; so it holds a stream back until its end) and validates that whole text
against the schema under `text/event-stream`, as OpenAPI 3.1 literally says; schemathesis, like
3.2's itemSchema, reads that schema as one event. The spec's schema is anyOf both (the whole
body as text, or one ChatCompletionStreamEvent), so a valid stream gets no finding at all, and
with `--errors` it comes through as a 200 event stream that the client reads to `[DONE]`. The
text branch's pattern says what no one event can, that the stream ends with `data: [DONE]`, and
Prism checks it; it also checks a stream's request, status and content type, which the twins
below prove. What Prism cannot see is the inside of an event: the events themselves are
schemathesis's to check (tests/contract/test_mutation.py).

Prism is JavaScript and forwards the body it parsed, re-serialised: integers past 2**53 lose
precision and those of 1e21 or more go upstream as `1e+21`. Valid bodies here keep their
integers within 2**53, where JSON numbers survive any JavaScript tool.
"""

from __future__ import annotations

import json
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import httpx
import pytest
import schemathesis
import spec_features as spec
from contract_kit.strategies import request_bodies
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from npm_tools import prism_command
from schemathesis import GenerationMode
from schemathesis.core import NotSet
from schemathesis.core.parameters import ParameterLocation

from aimlapi_gemini import AuthenticatedClient
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.errors import InternalServerError
from aimlapi_gemini.models import ChatCompletion
from aimlapi_gemini.testing._server import BackgroundServer, ReferenceApp
from aimlapi_gemini.testing._server.exchange import Message, Receive, Scope, Send
from aimlapi_gemini.testing._server.runner import free_port, make_server, wait_until_answering
from aimlapi_gemini.testing._server.spec import SPEC_PATH, find_operation, load_spec
from aimlapi_gemini.testing._server.validation import schema_errors

pytestmark = pytest.mark.slow

API_KEY = "test-key"
PRISM_PROBLEM = "https://stoplight.io/prism/errors#"
BREAK_HEADER = "x-break"
RUNS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
VALID_BODIES = 100  # each sent as a JSON request and as a streamed one
INVALID_REQUESTS = 60
# Short replies keep the exchanges fast (Prism buffers every reply, streams too).
SHORT_REPLY = {"X-Reply-Tokens": "8"}


JS_SAFE_INTEGER = 2**53 - 1


def js_safe(value: Any) -> bool:
    """Whether every integer in a JSON value is one that JavaScript holds exactly."""
    if isinstance(value, dict):
        return all(js_safe(item) for item in value.values())
    if isinstance(value, list):
        return all(js_safe(item) for item in value)
    return not isinstance(value, int) or isinstance(value, bool) or abs(value) <= JS_SAFE_INTEGER


def valid_bodies() -> st.SearchStrategy[Any]:
    return request_bodies().filter(js_safe)


class PrismProxy:
    """`prism proxy generated/openapi.json <upstream>` on a free loopback port, as a child process."""

    def __init__(self, upstream: str, *, errors: bool) -> None:
        port = free_port("127.0.0.1")
        self.url = f"http://127.0.0.1:{port}"
        # Prism's own log, kept for as long as the process runs (shown when it fails to start).
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        command = [*prism_command(), "proxy", str(SPEC_PATH), upstream, "--host", "127.0.0.1"]
        command += ["--port", str(port), "--verboseLevel", "warn", *(["--errors"] if errors else [])]
        self._process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def wait_until_listening(self, timeout: float = 30.0) -> None:
        host, port = self.url.removeprefix("http://").split(":")
        deadline = time.monotonic() + timeout
        while self._process.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection((host, int(port)), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Prism did not start listening on {self.url}:\n{self.log()}")

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()


class BreakingApp(ReferenceApp):
    """The reference server, but a request's `x-break` header names one promise of the spec to break.

    `no-choices` drops the required `choices` from a JSON reply; `text-plain` relabels a reply
    `text/plain`; `status-206` answers 206, a status the spec does not list; `chunk-without-id`
    drops the required `id` from the second chunk of a stream; `no-done` drops a stream's
    final `data: [DONE]` event, and `after-done` sends a chunk after it.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", []))
        breakage = headers.get(BREAK_HEADER.encode(), b"").decode()
        if scope["type"] != "http" or not breakage:
            await super().__call__(scope, receive, send)
            return
        start: Message = {}
        body = bytearray()

        async def buffered(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                status, headers, content = broken(breakage, start["status"], start["headers"], bytes(body))
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": content})

        await super().__call__(scope, receive, buffered)


def broken(
    breakage: str, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    named = {k.lower(): v for k, v in headers if k.lower() != b"content-length"}
    if breakage == "no-choices":
        reply = json.loads(body)
        del reply["choices"]
        body = json.dumps(reply).encode()
    elif breakage == "text-plain":
        named[b"content-type"] = b"text/plain"
    elif breakage == "status-206":
        status = 206
    elif breakage == "chunk-without-id":
        events = body.split(b"\n\n")
        chunk = json.loads(events[1].removeprefix(b"data: "))
        del chunk["id"]
        events[1] = b"data: " + json.dumps(chunk).encode()
        body = b"\n\n".join(events)
    elif breakage == "no-done":
        body = body.removesuffix(b"data: [DONE]\n\n")
    elif breakage == "after-done":
        body += body.split(b"\n\n")[1] + b"\n\n"
    else:
        raise ValueError(f"unknown {BREAK_HEADER}: {breakage}")
    named[b"content-length"] = str(len(body)).encode()
    return status, list(named.items()), body


@dataclass(frozen=True)
class Proxies:
    strict: PrismProxy  # --errors, to the reference server
    broken: PrismProxy  # --errors, to BreakingApp


@pytest.fixture(scope="module")
def broken_server() -> Iterator[str]:
    host = "127.0.0.1"
    server = make_server(BreakingApp(), host, free_port(host))
    thread = threading.Thread(target=server.run, name="breaking-server", daemon=True)
    thread.start()
    url = f"http://{host}:{server.config.port}"
    wait_until_answering(url)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def proxies(reference_server: BackgroundServer, broken_server: str) -> Iterator[Proxies]:
    command = prism_command()  # fails with "run make setup" when Prism is missing
    assert command
    started = [
        PrismProxy(reference_server.base_url, errors=True),
        PrismProxy(broken_server, errors=True),
    ]
    try:
        for proxy in started:
            proxy.wait_until_listening()
        yield Proxies(*started)
    finally:
        for proxy in started:
            proxy.stop()


class Replies:
    """Every response the client received (an httpx response hook), newest last."""

    def __init__(self) -> None:
        self.responses: list[httpx.Response] = []

    def __call__(self, response: httpx.Response) -> None:
        if response.headers.get("content-type", "").startswith("application/problem+json"):
            response.read()
        self.responses.append(response)

    @property
    def last(self) -> httpx.Response:
        return self.responses[-1]


def client_through(proxy: PrismProxy, replies: Replies) -> AuthenticatedClient:
    hooks = {"event_hooks": {"response": [replies]}}
    return AuthenticatedClient(base_url=proxy.url, token=API_KEY, max_retries=0, httpx_args=hooks)


def prism_findings(response: httpx.Response) -> list[dict[str, Any]]:
    """Prism's violations for one exchange: its `sl-violations` header, or the problem it answered with."""
    header = response.headers.get("sl-violations")
    if header:
        found: list[dict[str, Any]] = json.loads(header)
        return found
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        problem = json.loads(response.read())
        if str(problem.get("type", "")).startswith(PRISM_PROBLEM):
            return list(problem.get("validation") or [problem])
    return []


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def post(http: httpx.Client, url: str, body: Any, **headers: str) -> httpx.Response:
    """A raw POST (the generated client refuses invalid bodies before sending them)."""
    return http.post(
        f"{url}{find_operation().path}",
        content=json.dumps(body),
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json", **headers},
    )


def test_prism_finds_nothing_in_valid_requests_and_their_replies(proxies: Proxies) -> None:
    # Each generated body is sent twice through the strict proxy (--errors): as a JSON request
    # and streamed. Neither may get a finding; a stream must come through whole, as a stream.
    replies = Replies()
    sent = streamed = 0
    with client_through(proxies.strict, replies) as client:

        @given(generated=valid_bodies())
        @settings(RUNS, max_examples=VALID_BODIES)
        def exchange(generated: Any) -> None:
            nonlocal sent, streamed
            response = create_chat_completion.sync_detailed(
                client=client, body={**generated, "stream": False}, extra_headers=SHORT_REPLY
            )
            sent += 1
            assert "sl-violations" not in replies.last.headers, replies.last.headers["sl-violations"]
            assert prism_findings(replies.last) == [], response.content
            assert "x-request-id" in response.headers  # the reference server answered, not Prism
            assert response.status_code == 200, response.content
            assert isinstance(response.parsed, ChatCompletion)

            # The client raises StreamInterruptedError unless the stream ends with [DONE].
            with create_chat_completion.stream(
                client=client, body=generated, extra_headers=SHORT_REPLY
            ) as stream:
                chunks = list(stream)
            streamed += 1
            reply = replies.last
            assert "sl-violations" not in reply.headers, reply.headers["sl-violations"]
            assert reply.status_code == 200
            assert reply.headers["content-type"].startswith("text/event-stream")
            assert "x-request-id" in reply.headers
            assert len(chunks) >= 2  # the role chunk, content, the final chunk; then [DONE]
            assert len({chunk.id for chunk in chunks}) == 1
            assert chunks[-1].choices[0].finish_reason is not None

        exchange()
    assert sent >= VALID_BODIES
    assert streamed >= VALID_BODIES


def hello(text: str = "hi", **fields: Any) -> dict[str, Any]:
    """A request body the spec takes (its user message as the spec takes one), with `fields`."""
    return {"model": spec.model_id(), "messages": [spec.user_message(text)], **fields}


# Each wrong in one place only, so that Prism's finding must name that place.
INVALID_BODIES = {
    "unknown-role": (
        {"model": spec.model_id(), "messages": [{**spec.user_message("hi"), "role": "robot"}]},
        "role",
    ),
    "no-messages": ({"model": spec.model_id()}, "messages"),
    "max-tokens-text": (hello(max_tokens="9"), "max_tokens"),
    "stop-number": (hello(stop=5), "stop"),
    "streamed-bad-temperature": (hello(stream=True, temperature="hot"), "temperature"),
}


@pytest.mark.parametrize(("body", "field"), INVALID_BODIES.values(), ids=INVALID_BODIES.keys())
def test_prism_rejects_an_invalid_request(
    proxies: Proxies, http: httpx.Client, body: dict[str, Any], field: str
) -> None:
    if field not in ("role", "messages") and not spec.field_present(field):
        return  # a field this revision lacks (checked absent from the client)
    response = post(http, proxies.strict.url, body)
    assert response.status_code == 422, response.text
    assert response.json()["type"] == f"{PRISM_PROBLEM}UNPROCESSABLE_ENTITY"
    assert "x-request-id" not in response.headers  # Prism answered; the server never saw it
    findings = prism_findings(response)
    assert any(field in json.dumps(finding) for finding in findings), findings


def negative_bodies() -> st.SearchStrategy[Any]:
    """JSON bodies that schemathesis's negative mode made invalid (it also sends raw bytes; not here)."""
    operation = find_operation()
    schema = schemathesis.openapi.from_dict(load_spec())
    # Bodies only: Prism would answer a broken Authorization header 401 before it looks at the body.
    schema.config.generation.update(codec="utf-8", with_security_parameters=False)
    cases = schema[operation.path][operation.method].as_strategy(generation_mode=GenerationMode.NEGATIVE)
    return cases.filter(
        lambda case: (
            case.meta is not None
            and case.meta.components[ParameterLocation.BODY].mode is GenerationMode.NEGATIVE
            and not isinstance(case.body, bytes | NotSet)
        )
    ).map(lambda case: case.body)


def test_prism_rejects_every_generated_invalid_request(proxies: Proxies, http: httpx.Client) -> None:
    request_schema = find_operation().request_schema_ref
    rejected = 0

    @given(body=negative_bodies())
    @settings(RUNS, max_examples=INVALID_REQUESTS, suppress_health_check=list(HealthCheck))
    def exchange(body: Any) -> None:
        nonlocal rejected
        # Prism must reject what the spec's JSON Schema (python-jsonschema) rejects.
        assume(schema_errors(request_schema, body))
        response = post(http, proxies.strict.url, body)
        assert response.status_code == 422, (body, response.text)
        assert "x-request-id" not in response.headers
        assert prism_findings(response), response.text
        rejected += 1

    exchange()
    assert rejected >= INVALID_REQUESTS // 2, rejected


def test_prism_reports_a_reply_missing_a_required_field(proxies: Proxies) -> None:
    replies = Replies()
    body = hello("Name three rivers.")
    with client_through(proxies.broken, replies) as client, pytest.raises(InternalServerError) as raised:
        create_chat_completion.sync(client=client, body=body, extra_headers={BREAK_HEADER: "no-choices"})
    assert raised.value.status_code == 500
    findings = prism_findings(replies.last)
    assert [f["code"] for f in findings] == ["required"], findings
    assert "choices" in findings[0]["message"]
    # The twin: the same request to the same server, unbroken, is clean.
    with client_through(proxies.broken, replies) as client:
        assert isinstance(create_chat_completion.sync(client=client, body=body), ChatCompletion)
    assert prism_findings(replies.last) == []


@pytest.mark.parametrize(
    ("breakage", "message"),
    [("text-plain", 'media type "text/plain"'), ("status-206", "Unable to match the returned status code")],
)
def test_prism_checks_the_status_and_content_type_of_a_stream(
    proxies: Proxies, http: httpx.Client, breakage: str, message: str
) -> None:
    body = hello(stream=True)
    response = post(http, proxies.broken.url, body, **{BREAK_HEADER: breakage, **SHORT_REPLY})
    assert response.status_code == 500, response.text
    findings = prism_findings(response)
    assert any(message in finding["message"] for finding in findings), findings


@pytest.mark.parametrize("breakage", ["no-done", "after-done"])
def test_prism_reports_a_stream_that_does_not_end_with_done(
    proxies: Proxies, http: httpx.Client, broken_server: str, breakage: str
) -> None:
    # The whole-body reading of the event-stream schema can say what no one event can.
    body = hello(stream=True)
    direct = post(http, broken_server, body, **{BREAK_HEADER: breakage, **SHORT_REPLY})
    assert direct.status_code == 200
    events = direct.text.split("\n\n")
    assert events[-1] == ""
    assert events[-2] != "data: [DONE]"
    response = post(http, proxies.broken.url, body, **{BREAK_HEADER: breakage, **SHORT_REPLY})
    assert response.status_code == 500, response.text
    findings = prism_findings(response)
    # Neither branch: not the text of a finished stream (pattern), not one event (type: object).
    assert sorted(finding["code"] for finding in findings) == ["anyOf", "pattern", "type"], findings
    assert all(finding["location"] == ["response", "body"] for finding in findings), findings
    # Its twin, the same stream unbroken, is clean.
    valid = post(http, proxies.broken.url, body, **SHORT_REPLY)
    assert (valid.status_code, prism_findings(valid)) == (200, [])


def test_prism_cannot_see_inside_an_event_stream(
    proxies: Proxies, http: httpx.Client, broken_server: str
) -> None:
    # Evidence for the module docstring: a stream whose second chunk lacks the required `id`
    # passes Prism like a valid one (the whole body is text to it); schemathesis catches it.
    body = hello(stream=True)
    breaking = {BREAK_HEADER: "chunk-without-id", **SHORT_REPLY}
    direct = post(http, broken_server, body, **breaking)
    second_chunk = json.loads(direct.text.split("\n\n")[1].removeprefix("data: "))
    assert second_chunk["object"] == "chat.completion.chunk"
    assert "id" not in second_chunk
    valid = post(http, proxies.broken.url, body, **SHORT_REPLY)
    assert valid.status_code == 200
    assert prism_findings(valid) == []
    through = post(http, proxies.broken.url, body, **breaking)
    assert through.status_code == 200
    assert prism_findings(through) == []
    assert through.text == direct.text
