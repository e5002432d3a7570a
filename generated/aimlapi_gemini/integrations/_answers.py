# Copied from scripts/package/aimlapi_gemini/integrations/_answers.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""What an earlier run of a data-engine job answered: the keys its Parquet files under one
directory hold, so that a re-run sends only the rest (Ray Data has no resume of its own).

A job killed while writing can leave a file without its footer (Parquet writes it last): no row
of it can be read, so its rows count as unanswered, and the file is renamed ``NAME.torn`` so that
readers, which take ``*.parquet``, skip it from then on."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from attrs import define, field


@define
class Answered:
    """The keys answered under a directory, and the files set aside as torn."""

    keys: set[Any] = field(factory=set)
    torn: list[Path] = field(factory=list)


def answered_keys(directory: str | os.PathLike[str], key: str) -> Answered:
    """The ``key`` column of every Parquet file under ``directory`` (none when it does not exist);
    a file that cannot be read is renamed ``NAME.torn`` and listed in ``torn``."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # pyarrow has no type information

    found = Answered()
    root = Path(directory)
    if not root.is_dir():
        return found
    for path in sorted(root.rglob("*.parquet")):
        try:
            table = pq.read_table(path, columns=[key])
        except (OSError, ValueError):  # pyarrow's ArrowInvalid is a ValueError; a short file an OSError
            torn = path.with_name(path.name + ".torn")
            path.rename(torn)
            found.torn.append(torn)
            continue
        found.keys.update(table.column(key).to_pylist())
    return found
