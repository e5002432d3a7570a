"""Rows of a data engine's batch ↔ the batch's requests and answers, with no engine imported.

In: a batch as Ray Data hands it to ``map_batches`` (``dict[str, numpy.ndarray]``, a
``pandas.DataFrame`` or a ``pyarrow.Table``). Each row's request is its ``request`` column (the
JSON text of a ``ChatCompletionRequest``, or the same as a mapping) or, without one, its ``prompt``
column (text, sent as one user message to ``model`` with ``defaults``' fields). Every body is
checked as the batch checks a line (``_batch_io.check_body``).

Out: the same batch with three more columns, exactly one of them set per row's outcome:
``response`` (the reply's JSON text) or ``error_code`` + ``error_message`` (``ERROR_CODES``'
codes: a row that could not be sent is ``invalid_request``; and ``not_sent``, a row the job's stop
left for its next run); an empty cell is None (pandas shows
it as its NA). Arrow struct columns fill a key a row lacks with null, which the checks then see:
JSON text is the dependable form of a request whose fields vary by row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from attrs import define

from .._batch_io import INVALID_REQUEST, BatchItem, check_body, estimate_tokens
from .._json import dumps, loads
from .._user_content import NotTaken, user_content

RESPONSE_COLUMN = "response"
ERROR_CODE_COLUMN = "error_code"
ERROR_MESSAGE_COLUMN = "error_message"
RESULT_COLUMNS = (RESPONSE_COLUMN, ERROR_CODE_COLUMN, ERROR_MESSAGE_COLUMN)
NOT_SENT = "not_sent"
"""A row the job stopped before it was sent or sent again (``error_message`` says why: a 401, a
Retry-After past the client's cap, no server): its next run sends it (``unanswered``)."""


@define(frozen=True, slots=True)
class RowResult:
    """One row's outcome: ``response`` (JSON text), or ``error_code`` and ``error_message``."""

    response: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    @classmethod
    def error(cls, code: str, message: str) -> RowResult:
        return cls(None, code, message)


@define(frozen=True, slots=True)
class RowSource:
    """Where each row's request comes from (see the module docstring)."""

    request_column: str = "request"
    prompt_column: str = "prompt"
    model: str | None = None
    defaults: Mapping[str, Any] | None = None


def plain(value: Any) -> Any:
    """A cell as plain Python: numpy arrays (a list column, the fields of a struct column) → lists,
    numpy scalars → Python numbers, recursively; what the generated models' checks take."""
    tolist = getattr(value, "tolist", None)
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if tolist is not None and not isinstance(value, str | bytes):
        return plain(tolist())
    return value


def column(batch: Any, name: str) -> list[Any] | None:
    """The column ``name`` of a numpy dict, DataFrame or Arrow table as plain values, or None."""
    if hasattr(batch, "column_names"):  # a pyarrow.Table
        return batch.column(name).to_pylist() if name in batch.column_names else None
    if name not in batch:  # a Mapping of arrays, or a DataFrame (whose `in` tests its columns)
        return None
    return [plain(value) for value in list(batch[name])]


def row_count(batch: Any) -> int:
    if hasattr(batch, "num_rows"):
        return int(batch.num_rows)
    if hasattr(batch, "shape") and hasattr(batch, "columns"):  # a DataFrame
        return int(batch.shape[0])
    return len(next(iter(batch.values()))) if batch else 0


def items_of(batch: Any, source: RowSource) -> list[BatchItem | RowResult]:
    """Each row's checked request (its ``custom_id``: the row's index in the batch), or its
    ``invalid_request`` result."""
    count = row_count(batch)
    requests = column(batch, source.request_column)
    prompts = None if requests is not None else column(batch, source.prompt_column)
    if requests is None and prompts is None:
        missing = f"no {source.request_column!r} or {source.prompt_column!r} column in the batch"
        return [RowResult.error(INVALID_REQUEST, missing) for _ in range(count)]
    rows: list[BatchItem | RowResult] = []
    for index in range(count):
        body = (
            _request_body(requests[index]) if requests is not None else _prompt_body(prompts, index, source)
        )
        if isinstance(body, str):
            rows.append(RowResult.error(INVALID_REQUEST, body))
            continue
        checked = check_body(body)
        if isinstance(checked, str):
            rows.append(RowResult.error(INVALID_REQUEST, checked))
        else:
            rows.append(BatchItem(index, str(index), checked, estimate_tokens(body)))
    return rows


def _request_body(cell: Any) -> dict[str, Any] | str:
    """A request cell → its body, or why it is none."""
    if isinstance(cell, bytes):
        try:
            cell = cell.decode("utf-8")
        except UnicodeDecodeError as exc:
            return f"request is not UTF-8 text (byte {exc.start}: {exc.reason})"
    if isinstance(cell, str):
        try:
            cell = json.loads(cell)
        except (ValueError, RecursionError) as exc:
            return f"request is not JSON ({exc})"
    if not isinstance(cell, dict):
        return f"request must be a JSON object or a mapping, got {type(cell).__name__}"
    return cell


def _prompt_body(prompts: Sequence[Any] | None, index: int, source: RowSource) -> dict[str, Any] | str:
    prompt = prompts[index] if prompts is not None else None
    if not isinstance(prompt, str):
        return f"prompt must be text, got {type(prompt).__name__}"
    if source.model is None:
        return "a prompt column needs model=... (the model its requests go to)"
    try:
        content = user_content(source.model, prompt)
    except NotTaken as exc:
        return f"prompt: {exc}"
    return {
        **(source.defaults or {}),
        "model": source.model,
        "messages": [{"role": "user", "content": content}],
    }


def response_text(content: bytes) -> str:
    """The reply's JSON text as it came when it is UTF-8, else re-encoded (UTF-16/32 JSON)."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return dumps(loads(content))


def with_results(batch: Any, results: Sequence[RowResult]) -> Any:
    """``batch`` with the result columns appended, in its own format."""
    values = {
        RESPONSE_COLUMN: [result.response for result in results],
        ERROR_CODE_COLUMN: [result.error_code for result in results],
        ERROR_MESSAGE_COLUMN: [result.error_message for result in results],
    }
    if hasattr(batch, "append_column"):  # a pyarrow.Table
        import pyarrow as pa  # type: ignore[import-untyped]  # pyarrow has no type information

        for name, cells in values.items():
            batch = batch.append_column(name, pa.array(cells, type=pa.string()))
        return batch
    if hasattr(batch, "assign"):  # a DataFrame
        return batch.assign(**values)
    import numpy as np

    out = dict(batch)
    for name, cells in values.items():
        array = np.empty(len(cells), dtype=object)
        array[:] = cells
        out[name] = array
    return out
