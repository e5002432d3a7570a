# Copied from scripts/package/aimlapi_gemini/_http_client.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""The functional layer's clients (``aimlapi_gemini.client`` re-exports them): connection pools
plus the defaults (base URL, key, timeout, retries) of every call."""

import asyncio
import os
import ssl
import threading
import weakref
from collections.abc import Mapping
from typing import Any, NoReturn, Self

import httpx
from attrs import Attribute, define, evolve, field, fields, setters, validators

from aimlapi_gemini._spec_facts import AUTH_HEADER, AUTH_PREFIX, VERSION_PATH
from aimlapi_gemini.types import UNSET, Unset

from ._aiohttp_default import default_async_pool
from ._base import RequestOptions, aguard_redirect, guard_redirect
from ._config import (
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    USER_AGENT,
    api_key_from_env,
    as_api_key,
    as_timeout,
    base_url_from_env,
    checked_base_url,
    checked_header,
    without_version,
)
from ._deadline import Deadline
from ._exceptions import ConfigurationError, RequestValidationError
from ._logs import configure_from_env
from ._retry import Backoff
from ._secret import Secret, redact_headers

# Bumped in a child process after os.fork(): the pools built before it share their sockets with the
# parent, so each client builds new ones in the child (one exchange in a thousand came back corrupted).
# A one-item list: the hook changes the number in place.
_forks = [0]


def _count_fork() -> None:
    _forks[0] += 1


os.register_at_fork(after_in_child=_count_fork)

_UNSET_FIELD = object()  # a field that a failing constructor did not reach


def _check_headers(_instance: object, _attribute: object, headers: Mapping[str, str]) -> None:
    for name, value in headers.items():
        checked_header(name, value, "headers")


def _check_base_url(_instance: object, _attribute: object, base_url: str) -> None:
    checked_base_url(base_url)


def _api_root(base_url: str) -> str:
    # The spec's paths start with VERSION_PATH; a base URL given with it (as the vendor writes it)
    # is taken back to the root, so the version is sent once.
    return without_version(str(base_url), VERSION_PATH)


def _check_auth_header_name(_instance: object, _attribute: object, name: str) -> None:
    if name:  # empty: no credential is sent (the spec requires none)
        checked_header(name, "", "auth_header_name")


def _check_prefix(_instance: object, _attribute: object, prefix: str) -> None:
    checked_header("Authorization", prefix, "prefix")


def _forget_sent_headers(instance: "Client", _attribute: "Attribute[Any]", value: Any) -> Any:
    # The pool still sends the old credential; forgetting what it sends makes the next request
    # carry the new one (a request's headers win over the pool's).
    instance._unsent.clear()
    return value


_CHANGES_CREDENTIALS = setters.pipe(setters.convert, setters.validate, _forget_sent_headers)


@define
class Client:
    """A client for the endpoints that need no authentication; holds the connection pools.

    Every argument is optional and keyword-only except ``base_url``:

        ``base_url``: where the API is; default ``$AIML_API_BASE_URL``, else the spec's server
        (``_spec_facts.DEFAULT_BASE_URL``); with or without the version segment the spec's paths
        start with (``_spec_facts.VERSION_PATH``).

        ``timeout``: seconds (or an ``httpx.Timeout``) per request; default 600 s, 5 s to connect.
        ``None`` waits forever.

        ``max_retries``: how many times a request is retried after a connection error, a timeout,
        408, 409, 429 or 5xx (default 2, so at most 3 attempts).

        ``backoff``: the wait between attempts (``Backoff(initial=0.5, factor=2, maximum=8, jitter=0.25)``);
        a ``Retry-After`` / ``retry-after-ms`` header of up to 120 s takes precedence.

        ``max_response_bytes``: the largest response body read, decoded (default 64 MiB); a larger
        one raises ResponseTooLargeError without being held in memory.

        ``max_event_bytes``: the largest single event of a stream (default 16 MiB).

        ``headers``, ``cookies``: sent with every request.

        ``verify_ssl``, ``follow_redirects``, ``httpx_args``: passed to ``httpx.Client`` /
        ``httpx.AsyncClient``.

    Every API function also takes ``timeout``, ``max_retries``, ``extra_headers`` and ``deadline`` for
    one call, and ``with_options(...)`` makes a copy with other defaults that shares the connection pool.
    A setting that cannot work (a base URL that is not one, a header value that HTTP cannot carry) is
    a ConfigurationError here, not a failure at the first call.
    """

    _base_url: str = field(
        factory=base_url_from_env, alias="base_url", converter=_api_root, validator=_check_base_url
    )
    _cookies: dict[str, str] = field(factory=dict, kw_only=True, alias="cookies")
    _headers: dict[str, str] = field(factory=dict, kw_only=True, alias="headers", validator=_check_headers)
    _timeout: httpx.Timeout = field(
        default=DEFAULT_TIMEOUT, kw_only=True, alias="timeout", converter=as_timeout
    )
    max_retries: int = field(default=DEFAULT_MAX_RETRIES, kw_only=True, validator=validators.ge(0))
    """How many times a failed request is retried."""
    backoff: Backoff = field(factory=Backoff, kw_only=True)
    """How long to wait between attempts."""
    max_response_bytes: int = field(
        default=DEFAULT_MAX_RESPONSE_BYTES, kw_only=True, validator=validators.ge(1)
    )
    """The largest response body this client reads (decoded bytes)."""
    max_event_bytes: int = field(default=DEFAULT_MAX_EVENT_BYTES, kw_only=True, validator=validators.ge(1))
    """The largest single event of a stream this client reads."""
    _verify_ssl: str | bool | ssl.SSLContext = field(default=True, kw_only=True, alias="verify_ssl")
    _follow_redirects: bool = field(default=False, kw_only=True, alias="follow_redirects")
    _httpx_args: dict[str, Any] = field(factory=dict, kw_only=True, alias="httpx_args", repr=False)
    _client: httpx.Client | None = field(default=None, init=False, repr=False)
    _async_client: httpx.AsyncClient | None = field(default=None, init=False, repr=False)
    # Per pool: the headers of this client that the pool does not send already (see _unsent_headers).
    _unsent: dict[object, tuple[dict[str, str], dict[str, Secret]]] = field(
        factory=dict, init=False, repr=False, eq=False
    )
    # Threads making their first call together build one pool between them.
    _pool_lock: threading.Lock = field(factory=threading.Lock, init=False, repr=False, eq=False)
    # The fork generation (_forks) each pool this client built belongs to; None for a pool given
    # with set_httpx_client / set_async_httpx_client, which is the caller's to manage.
    _client_forks: int | None = field(default=None, init=False, repr=False, eq=False)
    _async_client_forks: int | None = field(default=None, init=False, repr=False, eq=False)
    # The event loop the async pool this client built is used in: its connections belong to it.
    _async_loop: weakref.ReferenceType[asyncio.AbstractEventLoop] | None = field(
        default=None, init=False, repr=False, eq=False
    )

    def __repr__(self) -> str:
        # Written out rather than attrs': a client whose constructor failed half way (shown in a
        # traceback's locals) has fields not set yet, and a header holding the key under a name
        # that does not say so is hidden by value.
        shown = []
        for attribute in fields(type(self)):
            if not attribute.repr:
                continue
            value = getattr(self, attribute.name, _UNSET_FIELD)
            if value is _UNSET_FIELD:
                text = "<not set>"
            elif attribute.name == "_headers" and isinstance(value, Mapping):
                text = repr(redact_headers(value, self._shown_secrets()))
            else:
                text = repr(value)
            shown.append(f"{attribute.alias}={text}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def _shown_secrets(self) -> tuple[Secret, ...]:
        try:
            return self._secrets()
        except AttributeError:  # half built: no key yet
            return ()

    def __getstate__(self) -> dict[str, Any]:
        # The settings, without the pools (sockets, locks): the copy builds its own on first use.
        return {
            attribute.name: getattr(self, attribute.name)
            for attribute in fields(type(self))
            if attribute.init
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        for attribute in fields(type(self)):
            default = attribute.default
            if attribute.init:
                value = state[attribute.name]
            else:  # a field __init__ does not take starts afresh (a new lock, no pool)
                factory = getattr(default, "factory", None)
                value = factory() if callable(factory) else default
            object.__setattr__(self, attribute.name, value)

    def __copy__(self) -> Self:
        # A copy shares the pools, as with_options' do.
        return self._derive()

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self._derive()

    def __attrs_post_init__(self) -> None:
        configure_from_env()  # AIML_API_LOG, read when the first client is made

    def _derive(self, **changes: Any) -> Self:
        # A copy with other defaults; it shares the connection pools, since headers and timeouts are
        # sent with each request rather than baked into the pool.
        copy = evolve(self, **changes)
        copy._client = self._client
        copy._client_forks = self._client_forks
        copy._async_client = self._async_client
        copy._async_client_forks = self._async_client_forks
        copy._async_loop = self._async_loop
        return copy

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | Unset | None = UNSET,
        max_retries: int | Unset = UNSET,
        backoff: Backoff | Unset = UNSET,
        headers: Mapping[str, str] | None = None,
        max_response_bytes: int | Unset = UNSET,
        max_event_bytes: int | Unset = UNSET,
    ) -> Self:
        """A copy of this client with other defaults (the connection pool is shared)."""
        changes: dict[str, Any] = {}
        for name, value in (
            ("timeout", timeout),
            ("max_retries", max_retries),
            ("backoff", backoff),
            ("max_response_bytes", max_response_bytes),
            ("max_event_bytes", max_event_bytes),
        ):
            if not isinstance(value, Unset):
                changes[name] = value
        if headers:
            changes["headers"] = {**self._headers, **headers}
        return self._derive(**changes)

    def with_headers(self, headers: dict[str, str]) -> Self:
        """A copy of this client that also sends ``headers``."""
        return self.with_options(headers=headers)

    def with_timeout(self, timeout: float | httpx.Timeout | None) -> Self:
        """A copy of this client with another timeout."""
        return self.with_options(timeout=timeout)

    def with_cookies(self, cookies: dict[str, str]) -> Self:
        """A copy of this client with additional cookies (also set on the pools built so far)."""
        if self._client is not None:
            self._client.cookies.update(cookies)
        if self._async_client is not None:
            self._async_client.cookies.update(cookies)
        return self._derive(cookies={**self._cookies, **cookies})

    def _secret_headers(self) -> dict[str, Secret]:
        return {}

    def _secrets(self) -> tuple[Secret, ...]:
        return ()

    def _unsent_headers(
        self, http: httpx.Client | httpx.AsyncClient
    ) -> tuple[dict[str, str], dict[str, Secret]]:
        # A pool this client built sends its headers already; re-sending them with every request
        # would only cost time. A pool from set_httpx_client, or the shared pool of a copy with
        # other headers, does not: those go with each request. Worked out once per pool.
        unsent = self._unsent.get(http)
        if unsent is None:
            pool = http.headers
            plain = {name: value for name, value in self._headers.items() if pool.get(name) != value}
            secret = {
                name: value
                for name, value in self._secret_headers().items()
                if pool.get(name) != value.get_secret_value()
            }
            unsent = self._unsent[http] = (plain, secret)
        return unsent

    def _request_options(
        self,
        http: httpx.Client | httpx.AsyncClient,
        timeout: float | httpx.Timeout | Unset | None = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> RequestOptions:
        """The settings of one call: this client's defaults, overridden by the call's own arguments."""
        headers, secret_headers = self._unsent_headers(http)
        if extra_headers:
            _check_headers(None, None, extra_headers)
        if not isinstance(max_retries, Unset) and not (type(max_retries) is int and max_retries >= 0):
            raise RequestValidationError(
                f"expected a whole number >= 0, got {max_retries!r}", ("max_retries",)
            )
        return RequestOptions(
            headers=headers,
            secret_headers=secret_headers,
            secrets=self._secrets(),
            extra_headers=extra_headers or {},
            timeout=self._timeout if isinstance(timeout, Unset) else as_timeout(timeout),
            max_retries=self.max_retries if isinstance(max_retries, Unset) else max_retries,
            backoff=self.backoff,
            max_response_bytes=self.max_response_bytes,
            max_event_bytes=self.max_event_bytes,
            deadline=None if deadline is None else Deadline(deadline),
        )

    def _pool_args(self, asynchronous: bool = False) -> dict[str, Any]:
        hooks = dict(self._httpx_args.get("event_hooks") or {})
        # First among the request hooks: a cross-origin redirect goes without the credentials.
        hooks["request"] = [aguard_redirect if asynchronous else guard_redirect, *hooks.get("request", ())]
        return {
            "base_url": self._base_url,
            "cookies": self._cookies,
            # The pool's headers go with every request; a User-Agent the user sets wins. The
            # credentials are in there too, the one place they are held in clear text.
            "headers": {
                "User-Agent": USER_AGENT,
                **self._headers,
                **{name: value.get_secret_value() for name, value in self._secret_headers().items()},
            },
            "timeout": self._timeout,
            "verify": self._verify_ssl,
            "follow_redirects": self._follow_redirects,
            **self._httpx_args,
            "event_hooks": hooks,
        }

    def set_httpx_client(self, client: httpx.Client) -> Self:
        """Use this httpx.Client (its base URL and transport; headers and timeouts still come from here).
        It gets a request hook that keeps the credentials from a redirect to another origin."""
        _add_hook(client.event_hooks["request"], guard_redirect)
        with self._pool_lock:
            self._client = client
            self._client_forks = None
            self._unsent.clear()
        return self

    def get_httpx_client(self) -> httpx.Client:
        """The underlying httpx.Client, built on first use (once, whatever the threads; again in a
        child process after os.fork(), whose sockets would be the parent's)."""
        client = self._client
        if client is not None and self._client_forks in (None, _forks[0]):
            return client
        with self._pool_lock:
            if self._client is None or self._client_forks not in (None, _forks[0]):
                # The parent's pool is left alone: closing it here would close the parent's sockets' TLS.
                self._client = httpx.Client(**self._pool_args())
                self._client_forks = _forks[0]
                self._unsent.clear()
            return self._client

    def __enter__(self) -> Self:
        """Enter a context manager for self.client—you cannot enter twice (see httpx docs)"""
        self.get_httpx_client().__enter__()
        return self

    def __exit__(self, *args: Any, **kwargs: Any) -> None:
        """Exit a context manager for internal httpx.Client (see httpx docs)"""
        self.get_httpx_client().__exit__(*args, **kwargs)

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> Self:
        """Use this httpx.AsyncClient (its base URL and transport; headers and timeouts still come
        from here). It gets a request hook that keeps the credentials from a redirect to another origin."""
        if not str(async_client.base_url):  # e.g. DefaultAioHttpClient(): it gets this client's
            async_client.base_url = httpx.URL(self._base_url)
        _add_hook(async_client.event_hooks["request"], aguard_redirect)
        with self._pool_lock:
            self._async_client = async_client
            self._async_client_forks = None
            self._async_loop = None
            self._unsent.clear()
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The underlying httpx.AsyncClient, built on first use; built again in a child process
        after os.fork(), and when used in another event loop than the one its connections belong
        to (a client reused across ``asyncio.run`` calls), for a pool this client built. A pool
        given with ``set_async_httpx_client`` used in a second loop is a ConfigurationError."""
        client = self._async_client
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:  # not in a coroutine (building the pool ahead, closing it)
            loop = None
        bound = self._async_loop
        same_loop = loop is None or bound is None or bound() is loop
        if client is not None and same_loop and self._async_client_forks in (None, _forks[0]):
            if loop is not None and bound is None:
                self._async_loop = weakref.ref(loop)
            return client
        with self._pool_lock:
            client = self._async_client
            bound = self._async_loop
            other_loop = loop is not None and bound is not None and bound() is not loop
            if client is not None and self._async_client_forks is None and other_loop:
                _given_pool_in_another_loop()
            if client is None or other_loop or self._async_client_forks not in (None, _forks[0]):
                client = self._async_client = default_async_pool(self._pool_args(asynchronous=True))
                self._async_client_forks = _forks[0]
                self._unsent.clear()
            if loop is not None:
                self._async_loop = weakref.ref(loop)
            return client

    async def __aenter__(self) -> Self:
        """Enter a context manager for underlying httpx.AsyncClient—you cannot enter twice (see httpx docs)"""
        await self.get_async_httpx_client().__aenter__()
        return self

    async def __aexit__(self, *args: Any, **kwargs: Any) -> None:
        """Exit a context manager for underlying httpx.AsyncClient (see httpx docs)"""
        await self.get_async_httpx_client().__aexit__(*args, **kwargs)


def _add_hook(hooks: list[Any], hook: Any) -> None:
    if hook not in hooks:
        hooks.insert(0, hook)


def _given_pool_in_another_loop() -> NoReturn:
    raise ConfigurationError(
        "the httpx.AsyncClient given to this client was used in another event loop, whose"
        " connections this loop cannot use (a client reused across asyncio.run calls?): give it a"
        " new httpx.AsyncClient in each loop, or let the client build its own pool"
    )


@define(repr=False)
class AuthenticatedClient(Client):
    """A client for the endpoints that need the API key; ``AuthenticatedClient()`` reads it from
    ``$AIML_API_KEY`` (MissingAPIKeyError when unset). Surrounding whitespace is stripped; a key
    that cannot go into an HTTP header (a non-ASCII or control character) is a ConfigurationError
    whose message does not contain it. The key is kept as a ``Secret``: ``repr``, ``str``,
    tracebacks and the debug log show ``<redacted>``; ``client.token.get_secret_value()`` gives it.
    Other arguments as for ``Client``."""

    token: Secret = field(
        factory=api_key_from_env, converter=as_api_key, repr=False, on_setattr=_CHANGES_CREDENTIALS
    )
    """The API key (``token.get_secret_value()`` is the string)."""
    # The defaults are the spec's security scheme (_spec_facts.AUTH_HEADER / AUTH_PREFIX); signatures
    # and help() show their values.
    prefix: str = field(
        default=AUTH_PREFIX, kw_only=True, validator=_check_prefix, on_setattr=_CHANGES_CREDENTIALS
    )
    """What goes before the key in the credential header; empty: the key alone"""
    auth_header_name: str = field(
        default=AUTH_HEADER, kw_only=True, validator=_check_auth_header_name, on_setattr=_CHANGES_CREDENTIALS
    )
    """The header the key is sent in; empty: the key is not sent"""

    def _secret_headers(self) -> dict[str, Secret]:
        if not self.auth_header_name:
            return {}
        key = self.token.get_secret_value()
        return {self.auth_header_name: Secret(f"{self.prefix} {key}" if self.prefix else key)}

    def _secrets(self) -> tuple[Secret, ...]:
        return (self.token,)

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        # Pickling would write the key in clear text into the pickle (a file, a queue, a cache).
        raise TypeError(
            "an AuthenticatedClient cannot be pickled: it holds the API key; pass its settings and"
            " build a new client in the other process (AuthenticatedClient() reads $AIML_API_KEY)"
        )
