"""A Ctrl-C the command line must not lose.

Python raises KeyboardInterrupt wherever the main thread is when SIGINT arrives; inside a finalizer
(``__del__``, a weakref callback, something the garbage collector frees) it is printed as
"Exception ignored" and the program goes on, so a Ctrl-C under load could end in the command's
own error instead of "interrupted". ``NotedCtrlC`` notes every SIGINT while entered and ends its
block as interrupted whatever else happened. Imports nothing but the built-in modules it needs,
so the command line can enter it before its own imports.
"""

import signal
import sys
from types import TracebackType
from typing import Any


class NotedCtrlC:
    """``with NotedCtrlC():`` a SIGINT during the block (even one Python dropped in a finalizer)
    ends it with KeyboardInterrupt. Only where SIGINT has Python's own handler (a shell's
    background job ignores it: left so)."""

    def __init__(self) -> None:
        self.seen = False
        self._handler: Any = None
        self._hook = sys.unraisablehook

    def __enter__(self) -> "NotedCtrlC":
        self._handler = signal.getsignal(signal.SIGINT)
        if self._handler is signal.default_int_handler:
            self._hook = sys.unraisablehook
            signal.signal(signal.SIGINT, self._on_sigint)
            sys.unraisablehook = self._unraisable
        return self

    def _on_sigint(self, signum: int, frame: object) -> None:
        self.seen = True
        raise KeyboardInterrupt

    def _unraisable(self, info: Any) -> None:
        if info.exc_type is not None and issubclass(info.exc_type, KeyboardInterrupt):
            return  # noted in self.seen: the block ends as interrupted
        self._hook(info)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._handler is signal.default_int_handler:
            signal.signal(signal.SIGINT, self._handler)
            sys.unraisablehook = self._hook
        if self.seen and (kind is None or not issubclass(kind, KeyboardInterrupt)):
            raise KeyboardInterrupt  # whatever the block did after the Ctrl-C was dropped
