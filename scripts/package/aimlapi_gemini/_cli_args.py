"""Argument types shared by the command line's subcommands (``__main__``, ``_batch_cli``).

Each turns a bad value into argparse's one-line usage error (exit code 2) that names the problem.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import NoReturn

import httpx

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, like every other failure of this program (argparse would print the usage too).
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def text(value: str) -> str:
    # Arguments that are not UTF-8 arrive as lone surrogates (PEP 383) and could not be sent as JSON.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError("is not UTF-8 text") from None
    return value


def finite(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {value!r}")
    return number


def seconds(value: str) -> float:
    number = finite(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {value!r}")
    return number


def whole_number(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, got {value!r}")
        if maximum is not None and number > maximum:
            raise argparse.ArgumentTypeError(f"must be {maximum} or less, got {value!r}")
        return number

    return parse


def base_url(value: str) -> str:
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        raise argparse.ArgumentTypeError(f"not a valid URL ({exc}): {value!r}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise argparse.ArgumentTypeError(f"must be an absolute http:// or https:// URL, got {value!r}")
    return value
