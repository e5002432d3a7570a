# Copied from scripts/package/aimlapi_gemini/_uri.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""`format: uri` as RFC 3986 defines an absolute URI (scheme ":" hier-part ["?" query] ["#" fragment]).

jsonschema checks "uri" only when the optional rfc3987 package is installed, and the OAS 3.1
format checker has no "uri" at all, so the package brings its own check: the generated models
(through ``_validation.uri``) and the reference server use this one, so they agree (with Prism too).
"""

from __future__ import annotations

import ipaddress
import re

_UNRESERVED_SUB = r"A-Za-z0-9\-._~!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*")
_PCHARS = re.compile(rf"(?:[{_UNRESERVED_SUB}:@/]|{_PCT})*")  # path segments with their slashes
_QUERY = re.compile(rf"(?:[{_UNRESERVED_SUB}:@/?]|{_PCT})*")  # query and fragment
_USERINFO = re.compile(rf"(?:[{_UNRESERVED_SUB}:]|{_PCT})*")
_REG_NAME = re.compile(rf"(?:[{_UNRESERVED_SUB}]|{_PCT})*")
_IPV_FUTURE = re.compile(rf"v[0-9A-Fa-f]+\.[{_UNRESERVED_SUB}:]+")
_PORT = re.compile(r"[0-9]*")


def _is_host(host: str) -> bool:
    if host.startswith("[") and host.endswith("]"):
        literal = host[1:-1]
        if _IPV_FUTURE.fullmatch(literal):
            return True
        if "%" in literal:  # zone ids are not part of RFC 3986's IPv6address
            return False
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            return False
        return True
    return _REG_NAME.fullmatch(host) is not None


def _is_authority(authority: str) -> bool:
    userinfo, at, hostport = authority.rpartition("@")
    if at and not _USERINFO.fullmatch(userinfo):
        return False
    host, port = hostport, ""
    if not hostport.endswith("]") and ":" in hostport:
        host, _, port = hostport.rpartition(":")
    return _PORT.fullmatch(port) is not None and _is_host(host)


def is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True  # formats only constrain strings
    scheme, colon, rest = value.partition(":")
    if not colon or not _SCHEME.fullmatch(scheme):
        return False
    rest, hash_, fragment = rest.partition("#")
    if hash_ and not _QUERY.fullmatch(fragment):
        return False
    hier, mark, query = rest.partition("?")
    if mark and not _QUERY.fullmatch(query):
        return False
    if hier.startswith("//"):
        authority, slash, path = hier[2:].partition("/")
        return _is_authority(authority) and _PCHARS.fullmatch(slash + path) is not None
    return _PCHARS.fullmatch(hier) is not None
