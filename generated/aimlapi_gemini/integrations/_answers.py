# Copied from scripts/package/aimlapi_gemini/integrations/_answers.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""What an earlier run of a data-engine job answered: the keys its Parquet files under one
directory hold, so that a re-run sends only the rest (Ray Data has no resume of its own).

A job killed while writing can leave a file without its footer (Parquet writes it last): no row
of it can be read, so its rows count as unanswered, and the file is renamed ``NAME.torn`` so that
readers, which take ``*.parquet``, skip it from then on.

A row whose ``error_code`` is ``not_sent`` (the job stopped before sending it: a 401, a
Retry-After past the client's cap) is unanswered too, and is taken out of its file (the file is
rewritten without it, beside it and then renamed over it, so a kill leaves the old file or the
new one): the re-run's answer is then the only row with its key in the directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from attrs import define, field

from ._rows import ERROR_CODE_COLUMN, NOT_SENT


@define
class Answered:
    """The keys answered under a directory, the files set aside as torn, and how many rows
    marked not sent were taken out of their files."""

    keys: set[Any] = field(factory=set)
    torn: list[Path] = field(factory=list)
    not_sent: int = 0


def answered_keys(directory: str | os.PathLike[str], key: str) -> Answered:
    """The ``key`` column of every Parquet file under ``directory`` (none when it does not exist)
    but the rows marked not sent, which are taken out of their files; a file that cannot be read
    is renamed ``NAME.torn`` and listed in ``torn``."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # pyarrow has no type information

    found = Answered()
    root = Path(directory)
    if not root.is_dir():
        return found
    for path in sorted(root.rglob("*.parquet")):
        try:
            names = pq.read_schema(path).names
            columns = [key, ERROR_CODE_COLUMN] if ERROR_CODE_COLUMN in names else [key]
            table = pq.read_table(path, columns=columns)
        except (OSError, ValueError):  # pyarrow's ArrowInvalid is a ValueError; a short file an OSError
            torn = path.with_name(path.name + ".torn")
            path.rename(torn)
            found.torn.append(torn)
            continue
        keys = table.column(key).to_pylist()
        codes = table.column(ERROR_CODE_COLUMN).to_pylist() if len(columns) == 2 else [None] * len(keys)
        sent = [code != NOT_SENT for code in codes]
        found.keys.update(k for k, kept in zip(keys, sent, strict=True) if kept)
        if not all(sent):
            found.not_sent += sent.count(False)
            _keep_only(path, sent)
    return found


def _keep_only(path: Path, kept: list[bool]) -> None:
    """``path`` rewritten with only the rows ``kept`` marks (removed when none is left)."""
    # No ignore here: mypy names a package without type information once per file (above).
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not any(kept):
        path.unlink()
        return
    partial = path.with_name(path.name + ".partial")  # not *.parquet: no reader takes it
    pq.write_table(pq.read_table(path).filter(pa.array(kept)), partial)
    os.replace(partial, path)
