# Copied from scripts/package/aimlapi_gemini/_batch_progress.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""The batch's progress bar (tqdm), shown only when stdout and stderr are both terminals.

tqdm rather than rich: one small pure-Python package without dependencies of its own (rich
brings markdown-it-py, mdurl and pygments), and its bar has every field the batch needs
(done/total, rate, ETA, a postfix). Either takes 50-70 ms to import, so it is imported only when
a bar is drawn.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # the runner imports this module when it draws a bar
    from ._batch_runner import BatchSummary
    from ._rate_limit import RateLimiter

_REFRESH = 0.2  # seconds between redraws: a fast run must not spend its time drawing


def wants_bar(stdout: TextIO | None = None, stderr: TextIO | None = None) -> bool:
    """A bar only on a terminal: quiet when either stream is redirected (logs, pipes, CI)."""
    streams = (stdout or sys.stdout, stderr or sys.stderr)
    return all(stream is not None and stream.isatty() for stream in streams)


class ProgressBar:
    """Lines handled of the input's total, with rate and ETA; errors and the limiter in the postfix."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        from tqdm import tqdm  # only here: tqdm is not imported unless a bar is drawn

        self._bar = tqdm(total=total, unit="line", file=stream or sys.stderr, dynamic_ncols=True)
        self._last = 0.0
        self._latest: tuple[BatchSummary, RateLimiter] | None = None

    def update(self, summary: BatchSummary, limiter: RateLimiter, *, force: bool = False) -> None:
        self._latest = (summary, limiter)
        now = time.monotonic()
        if not force and now - self._last < _REFRESH:
            return
        self._last = now
        handled = summary.finished + summary.already_done + summary.other_shard
        self._bar.n = handled
        counts = f"ok {summary.succeeded}, errors {summary.failed}, invalid {summary.invalid}"
        self._bar.set_postfix_str(
            f"{counts}; {limiter.describe()}",
            refresh=False,
        )
        self._bar.refresh()

    def close(self) -> None:
        """Draw the last state (updates are drawn at most every 0.2 s) and leave the bar on screen."""
        if self._latest is not None:
            self.update(*self._latest, force=True)
        self._bar.close()
