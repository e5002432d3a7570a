"""``AIML_API_LOG=debug|info``: the ``aimlapi_gemini`` logger switched on from the environment, as
openai-python's ``OPENAI_LOG`` does, read once, when the first client is made.

``info``: one line per attempt (method, URL, status or error, attempt, elapsed) and each retry with
its wait; ``debug``: also every request's and response's headers, credentials redacted
(``_secret.redact_headers``: by name, and by value whatever header carries the key). The records go
to the handlers the application configured; when neither this logger nor the root logger has one,
to stderr. Any other value is a one-line ``RuntimeWarning`` and leaves logging as it is: a typo in
a diagnostic switch should not stop a program.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import warnings

LOG_ENV = "AIML_API_LOG"
LOGGER_NAME = "aimlapi_gemini"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
FORMAT = "[%(asctime)s %(name)s %(levelname)s] %(message)s"

logger = logging.getLogger(LOGGER_NAME)


@functools.cache  # once per process: the application's own logging choices afterwards stand
def configure_from_env() -> None:
    """Apply ``$AIML_API_LOG`` the first time it is called (every client calls it when made)."""
    apply(os.environ.get(LOG_ENV, ""))


def apply(value: str) -> int | None:
    """Set the logger's level from ``value`` (case and surrounding blanks ignored; empty: nothing);
    the level set, or None."""
    name = value.strip().lower()
    if not name:
        return None
    level = LEVELS.get(name)
    if level is None:
        warnings.warn(
            f"{LOG_ENV}={value!r} is not one of {', '.join(LEVELS)}; logging is left as it is",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    logger.setLevel(level)
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
    return level
