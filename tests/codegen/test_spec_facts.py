"""The facts of the API read from the resolved spec (scripts/codegen/spec_facts.py), and a package
regenerated from a moved spec that follows them: its default base URL, the paths its clients, its
batch and its testing kit use, and the header its key goes in."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import spec_features as spec

from aimlapi_gemini._path import fill_path
from aimlapi_gemini._spec_facts import CHAT_PATH
from codegen.pipeline import DEFAULT_OVERLAY, DEFAULT_SPEC, render
from codegen.spec_facts import (
    BEARER_HEADER,
    BEARER_PREFIX,
    VENDOR_BASE_URL,
    Auth,
    SpecFactsError,
    spec_facts,
)

CHAT = "create_chat_completion"
BEARER_SCHEME = {"type": "http", "scheme": "bearer"}


def _document(
    operation: dict[str, Any] | None = None,
    *,
    path: str = "/v1/chat/completions",
    schemes: dict[str, Any] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """A small resolved spec: one chat operation (changed by ``operation``) and its request schema."""
    request = {
        "type": "object",
        "properties": {"model": {"$ref": "#/components/schemas/Model"}, "messages": {"type": "array"}},
    }
    chat = {
        "operationId": CHAT,
        "requestBody": {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Request"}}}
        },
        "responses": {"200": {"description": "ok"}},
        **(operation or {}),
    }
    components: dict[str, Any] = {
        "schemas": {"Request": request, "Model": {"type": "string", "enum": ["m-1"]}}
    }
    if schemes is not None:
        components["securitySchemes"] = schemes
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.test/"}],
        "paths": {path: {"post": chat}},
        "components": components,
        **top,
    }


# --- the chat operation ------------------------------------------------------------------------


def test_the_chat_path_and_method_are_the_operations() -> None:
    facts = spec_facts(_document(path="/v2/chat/completions"))
    assert (facts.chat_method, facts.chat_path) == ("POST", "/v2/chat/completions")


def test_a_spec_without_the_chat_operation_is_refused() -> None:
    document = _document({"operationId": "something_else"})
    with pytest.raises(SpecFactsError, match="one operation 'create_chat_completion', it has 0"):
        spec_facts(document)


# --- the server URL ----------------------------------------------------------------------------


def test_the_server_url_is_the_documents_first_without_a_trailing_slash() -> None:
    facts = spec_facts(_document())
    assert (facts.server_url, facts.server_note) == (
        "https://api.example.test",
        "the document's servers[0].url",
    )


def test_the_operations_own_server_wins_and_variables_take_their_defaults() -> None:
    server = {"url": "https://{region}.example.test/api", "variables": {"region": {"default": "eu"}}}
    facts = spec_facts(_document({"servers": [server]}))
    assert (facts.server_url, facts.server_note) == (
        "https://eu.example.test/api",
        "the operation's servers[0].url",
    )


def test_a_spec_without_servers_falls_back_to_the_vendors_host_and_says_so() -> None:
    document = _document()
    del document["servers"]
    facts = spec_facts(document)
    assert facts.server_url == VENDOR_BASE_URL
    assert "names no server" in facts.server_note


def test_a_relative_server_url_is_not_taken() -> None:
    facts = spec_facts(_document(servers=[{"url": "/api"}]))
    assert facts.server_url == VENDOR_BASE_URL
    assert "'/api' is no absolute URL" in facts.server_note


# --- the model ids -----------------------------------------------------------------------------


def test_model_ids_are_the_model_propertys_enum() -> None:
    assert spec_facts(_document()).model_ids == ("m-1",)


def test_model_ids_are_the_enum_of_the_first_any_of_member() -> None:
    document = _document()
    document["components"]["schemas"]["Model"] = {
        "anyOf": [{"$ref": "#/components/schemas/Ids"}, {"type": "string"}]
    }
    document["components"]["schemas"]["Ids"] = {"type": "string", "enum": ["a", "b/a"]}
    assert spec_facts(document).model_ids == ("a", "b/a")


def test_a_model_property_without_an_enum_names_no_ids() -> None:
    document = _document()
    document["components"]["schemas"]["Model"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert spec_facts(document).model_ids == ()


# --- security ----------------------------------------------------------------------------------


def test_the_operations_bearer_requirement_is_sent_as_authorization_bearer() -> None:
    document = _document({"security": [{"token": []}]}, schemes={"token": BEARER_SCHEME})
    auth = spec_facts(document).auth
    assert (auth.header, auth.prefix) == (BEARER_HEADER, BEARER_PREFIX)
    assert "'token', http bearer" in auth.note


def test_an_api_key_header_requirement_is_sent_in_that_header_without_a_prefix() -> None:
    schemes = {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}, "token": BEARER_SCHEME}
    document = _document(schemes=schemes, security=[{"key": []}])  # the document-level requirement
    auth = spec_facts(document).auth
    assert (auth.header, auth.prefix) == ("X-API-Key", "")


def test_an_api_key_in_the_query_is_refused_rather_than_sent_where_it_is_not_read() -> None:
    schemes = {"key": {"type": "apiKey", "in": "query", "name": "key"}}
    document = _document({"security": [{"key": []}]}, schemes=schemes)
    with pytest.raises(SpecFactsError, match=r"'key' \(apiKey in query\) is not one the client can send"):
        spec_facts(document)


def test_a_requirement_naming_an_undeclared_scheme_is_refused() -> None:
    document = _document({"security": [{"missing": []}]}, schemes={"token": BEARER_SCHEME})
    with pytest.raises(SpecFactsError, match="'missing', which the spec does not declare"):
        spec_facts(document)


def test_an_empty_requirement_sends_no_key() -> None:
    document = _document({"security": []}, schemes={"token": BEARER_SCHEME}, security=[{"token": []}])
    assert spec_facts(document).auth.header == ""


def test_without_a_requirement_the_declared_bearer_scheme_is_sent() -> None:
    # The vendor's 2026 documents: a bearer scheme declared, required nowhere.
    schemes = {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}, "token": BEARER_SCHEME}
    auth = spec_facts(_document(schemes=schemes)).auth
    assert (auth.header, auth.prefix) == (BEARER_HEADER, BEARER_PREFIX)
    assert auth.note.startswith("no security requirement")


def test_without_any_scheme_a_bearer_token_is_sent_as_the_vendor_documents() -> None:
    auth = spec_facts(_document()).auth
    assert auth == Auth(BEARER_HEADER, BEARER_PREFIX, auth.note)
    assert "declares no security scheme" in auth.note


# --- a regenerated package follows them --------------------------------------------------------

# Under another version, with the path parameters the spec's path has (a body property fills them).
MOVED_PATH = "/v2/chat/completions" + "".join(f"/{name}" for name in re.findall(r"\{[^}]*\}", CHAT_PATH))
MODEL = spec.model_id()
MOVED_URL_PATH = fill_path(MOVED_PATH, {"model": MODEL})  # where a request for MODEL goes
MOVED_SERVER = "https://llm.example.test/api"

# In a child interpreter whose sys.path starts with the regenerated package.
_USE_THE_KIT = """
import httpx
from aimlapi_gemini import AIMLAPI, _config, _batch_io
from aimlapi_gemini.testing import MockAPI

print("default", _config.DEFAULT_BASE_URL, AIMLAPI(api_key="k").base_url)
print("batch", _batch_io.METHOD, _batch_io.ENDPOINT)
sent = []
def keep(request):
    # The path as sent (raw: a model id's "/" goes as %2F, which .path would decode).
    path = request.url.raw_path.decode("ascii").partition("?")[0]
    sent.append((path, request.headers.get("x-api-key"), "authorization" in request.headers))

with MockAPI(api_key="kit-key") as mock:
    mock.reply("moved along").reply("streamed along")
    http = httpx.Client(transport=mock.transport, event_hooks={"request": [keep]})
    client = AIMLAPI(api_key="kit-key", base_url="http://kit.invalid", http_client=http)
    print("base", client.base_url)
    hello = HELLO
    completion = client.chat.completions.create(model=MODEL, messages=hello)
    print("create", completion.choices[0].message.content)
    with client.chat.completions.create(model=MODEL, messages=hello, stream=True) as stream:
        print("stream", "".join(stream.text_deltas()))
    old = http.post(OLD_URL_PATH, json={"model": MODEL, "messages": hello})
    unauthenticated = http.post(
        MOVED_URL_PATH,
        json={"model": MODEL, "messages": hello},
        headers={"Authorization": "Bearer kit-key"},
    )
    print("old path", old.status_code, "bearer instead", unauthenticated.status_code)
for path, key, bearer in sent[:2]:
    print("sent", path, key, bearer)
"""


def _moved_spec(tmp_path: Path) -> tuple[Path, Path]:
    """Today's spec with its path under /v2, another server, and a key header instead of bearer."""
    spec = json.loads(DEFAULT_SPEC.read_text(encoding="utf-8"))
    spec["paths"] = {MOVED_PATH: spec["paths"].pop(CHAT_PATH)}
    spec["servers"] = [{"url": MOVED_SERVER}]
    schemes = spec.setdefault("components", {}).setdefault("securitySchemes", {})
    bearer = next(
        (name for name, scheme in schemes.items() if str(scheme.get("scheme", "")).lower() == "bearer"),
        "bearer",
    )
    schemes.setdefault(bearer, {"type": "http", "scheme": "bearer"})  # a revision declaring none
    schemes["api-key"] = {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    # The first alternative is the one sent; the bearer one stays referenced, as the overlay needs it.
    spec["paths"][MOVED_PATH]["post"]["security"] = [{"api-key": []}, {bearer: []}]
    spec_path, overlay_path = tmp_path / "moved.json", tmp_path / "overlay.yaml"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    # The overlay addresses the operation by its path: the same corrections, at the new one.
    overlay = DEFAULT_OVERLAY.read_text(encoding="utf-8").replace(CHAT_PATH, MOVED_PATH)
    overlay_path.write_text(overlay, encoding="utf-8")
    return spec_path, overlay_path


@pytest.mark.slow
def test_a_package_regenerated_from_a_moved_spec_goes_where_the_spec_says(
    tmp_path: Path, run_in_package: Callable[[Path, str], list[str]]
) -> None:
    spec_path, overlay_path = _moved_spec(tmp_path)
    out = tmp_path / "generated"
    render(spec_path, out, overlay_path)

    # The script's names: the model and messages sent, where they go now and went before the move.
    values = {
        "MODEL": MODEL,
        "HELLO": [spec.user_message("hi")],
        "MOVED_URL_PATH": MOVED_URL_PATH,
        "OLD_URL_PATH": fill_path(CHAT_PATH, {"model": MODEL}),
    }
    script = "".join(f"{name} = {value!r}\n" for name, value in values.items()) + _USE_THE_KIT
    assert run_in_package(out, script) == [
        f"default {MOVED_SERVER} {MOVED_SERVER}/v2/",
        f"batch POST {MOVED_PATH}",
        "base http://kit.invalid/v2/",
        "create moved along",
        "stream streamed along",
        "old path 404 bearer instead 401",
        f"sent {MOVED_URL_PATH} kit-key False",
        f"sent {MOVED_URL_PATH} kit-key False",
    ]
