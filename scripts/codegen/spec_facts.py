"""The facts of the API that the package needs besides its generated operations, read from the
resolved spec: where the API is, the chat operation's path, the model ids its request names, and
how the key is sent.

``spec_facts(resolved)`` is given to the templates (pipeline.py); ``templates/spec_facts.py.jinja``
writes it into the package as ``_spec_facts.py``, which the runtime, the reference server and the
testing kit read instead of literals of their own, so a regenerated spec moves them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .transforms import SpecError

CHAT_OPERATION_ID = "create_chat_completion"
# Where the vendor documents its API, for a document without a usable server URL (a 3.x document
# without `servers` means "/", relative to wherever the document was fetched from: no host at all).
VENDOR_BASE_URL = "https://api.aimlapi.com"
# RFC 6750: a bearer credential goes in Authorization, after the word Bearer.
BEARER_HEADER = "Authorization"
BEARER_PREFIX = "Bearer"


class SpecFactsError(SpecError):
    """The resolved spec lacks a fact the package needs, or states one the client cannot follow."""


@dataclass(frozen=True)
class Auth:
    """How the client sends the key: ``{header}: {prefix} <key>`` (no prefix: the key alone)."""

    header: str
    """The header's name; empty when the operation takes no credential at all."""
    prefix: str
    note: str
    """Which security scheme this is, and why it was chosen."""


@dataclass(frozen=True)
class SpecFacts:
    server_url: str
    server_note: str
    """Where ``server_url`` comes from (a fallback says so)."""
    chat_method: str
    chat_path: str
    model_ids: tuple[str, ...]
    auth: Auth


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    """``node`` with its local ``$ref`` followed (and the target's, in turn)."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(ref := node.get("$ref"), str) and ref.startswith("#/"):
        if ref in seen:
            raise SpecFactsError(f"{ref} refers to itself")
        seen.add(ref)
        target: Any = spec
        for part in ref[2:].split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or key not in target:
                raise SpecFactsError(f"{ref} points at nothing")
            target = target[key]
        node = target
    return node


def chat_operation(spec: dict[str, Any]) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    """(path, METHOD, operation, path item) of the operation whose operationId is ``create_chat_completion``."""
    found = [
        (path, method.upper(), operation, item)
        for path, item in (spec.get("paths") or {}).items()
        if isinstance(item, dict)
        for method, operation in item.items()
        if isinstance(operation, dict) and operation.get("operationId") == CHAT_OPERATION_ID
    ]
    if len(found) != 1:
        raise SpecFactsError(f"the spec must have one operation {CHAT_OPERATION_ID!r}, it has {len(found)}")
    return found[0]


def server_url(spec: dict[str, Any], item: dict[str, Any], operation: dict[str, Any]) -> tuple[str, str]:
    """The first server of the chat operation (its own ``servers``, else its path's, else the
    document's, as OpenAPI says), variables filled with their defaults; the vendor's documented
    host, said so in the note, when there is none or it is not an absolute http(s) URL."""
    for where, servers in (
        ("the operation's", operation.get("servers")),
        ("the path's", item.get("servers")),
    ):
        if servers:
            break
    else:
        where, servers = "the document's", spec.get("servers")
    if not servers or not isinstance(servers[0], dict) or not isinstance(servers[0].get("url"), str):
        return VENDOR_BASE_URL, "the spec names no server: the vendor's documented host"
    url: str = servers[0]["url"]
    for name, variable in (servers[0].get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(variable.get("default", "")))
    if not url.startswith(("https://", "http://")) or "{" in url:
        return (
            VENDOR_BASE_URL,
            f"{where} servers[0].url {url!r} is no absolute URL: the vendor's documented host",
        )
    return url.rstrip("/"), f"{where} servers[0].url"


def _string_enum(schema: Any) -> tuple[str, ...]:
    if not isinstance(schema, dict):
        return ()
    values = schema.get("enum", [schema["const"]] if "const" in schema else [])
    return tuple(value for value in values if isinstance(value, str))


def model_ids(spec: dict[str, Any], operation: dict[str, Any]) -> tuple[str, ...]:
    """The ids the request's ``model`` property names: its enum, or the enum of its first
    ``anyOf`` / ``oneOf`` member (``enum | string``: the listed ids, and any other); () for none."""
    body = _resolve(spec, operation.get("requestBody")) or {}
    media = (body.get("content") or {}).get("application/json") or {}
    request = _resolve(spec, media.get("schema")) or {}
    model = _resolve(spec, (request.get("properties") or {}).get("model"))
    if not isinstance(model, dict):
        return ()
    if ids := _string_enum(model):
        return ids
    members = model.get("anyOf") or model.get("oneOf") or []
    return _string_enum(_resolve(spec, members[0])) if members else ()


def _is_http_bearer(scheme: Any) -> bool:
    return (
        isinstance(scheme, dict)
        and scheme.get("type") == "http"
        and str(scheme.get("scheme", "")).lower() == "bearer"
    )


def _scheme_auth(name: str, scheme: Any, why: str) -> Auth:
    if not isinstance(scheme, dict):
        raise SpecFactsError(f"security scheme {name!r} is not an object")
    kind = scheme.get("type")
    if _is_http_bearer(scheme):
        return Auth(BEARER_HEADER, BEARER_PREFIX, f"{why}: {name!r}, http bearer")
    if kind in ("oauth2", "openIdConnect"):  # their access tokens are bearer tokens (RFC 6750)
        return Auth(BEARER_HEADER, BEARER_PREFIX, f"{why}: {name!r}, {kind} (a bearer token)")
    if kind == "apiKey" and scheme.get("in") == "header" and scheme.get("name"):
        return Auth(str(scheme["name"]), "", f"{why}: {name!r}, apiKey in header {scheme['name']}")
    where = (
        f"{kind} in {scheme.get('in')}" if kind == "apiKey" else f"{kind} {scheme.get('scheme', '')}".strip()
    )
    raise SpecFactsError(
        f"security scheme {name!r} ({where}) is not one the client can send: it sends the key in a header,"
        " as a bearer token or an apiKey header"
    )


def auth(spec: dict[str, Any], operation: dict[str, Any]) -> Auth:
    """Which scheme the client sends its key with, for the chat operation.

    Its requirement (the operation's ``security``, else the document's) decides: the first
    alternative that names a scheme (``[]``, or only ``{}``: none needed, nothing sent). Without
    any requirement, the first http bearer scheme the document declares, else the first scheme it
    declares: the vendor's 2026 documents declare their bearer scheme but require it nowhere, and
    the API refuses calls without a key. A document that declares no scheme either gets the bearer
    token the vendor documents."""
    schemes: dict[str, Any] = (spec.get("components") or {}).get("securitySchemes") or {}
    requirement = operation.get("security", spec.get("security"))
    if requirement is not None:
        named = [alternative for alternative in requirement if alternative]
        if not named:
            return Auth("", "", "the spec requires no security for the operation: no key is sent")
        name = next(iter(named[0]))
        if name not in schemes:
            raise SpecFactsError(
                f"the operation requires security scheme {name!r}, which the spec does not declare"
            )
        return _scheme_auth(name, _resolve(spec, schemes[name]), "the operation's security requirement")
    if schemes:
        resolved = {name: _resolve(spec, scheme) for name, scheme in schemes.items()}
        name = next((n for n, s in resolved.items() if _is_http_bearer(s)), next(iter(resolved)))
        return _scheme_auth(name, resolved[name], "no security requirement; the scheme the spec declares")
    return Auth(
        BEARER_HEADER,
        BEARER_PREFIX,
        "the spec declares no security scheme: a bearer token, as the vendor documents",
    )


def spec_facts(spec: dict[str, Any]) -> SpecFacts:
    """The facts of the resolved spec ``spec`` (see the module docs)."""
    path, method, operation, item = chat_operation(spec)
    url, note = server_url(spec, item, operation)
    return SpecFacts(
        server_url=url,
        server_note=note,
        chat_method=method,
        chat_path=path,
        model_ids=model_ids(spec, operation),
        auth=auth(spec, operation),
    )
