"""The fast path (_wire: msgspec) answers exactly as from_dict does, or leaves the answer to it.

For every document: either from_dict raises and the fast path declines (None), or both give equal
models. Mutants of rich replies and chunks at every depth (wrong types, nulls, missing and extra
fields, near-miss strings and numbers) and JSON texts only some decoders take (NaN, lone
surrogates, a byte-order mark, long integers, duplicate keys) are checked.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aimlapi_gemini._json import loads
from aimlapi_gemini._validation import ValidationError
from aimlapi_gemini._wire import fast_parse, model_of
from aimlapi_gemini.models import ChatCompletion, ChatCompletionChunk, ChatCompletionMessageToolCall

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPLY: dict[str, Any] = json.loads((FIXTURES / "rich_completion.json").read_text())
CHUNK: dict[str, Any] = {
    "id": "c1",
    "object": "chat.completion.chunk",
    "created": 1,
    "model": "m",
    "choices": [
        {
            "index": 0,
            "delta": {
                "role": "assistant",
                "content": "hi",
                "tool_calls": [{"index": 0, "id": "t", "type": "function", "function": {"name": "f"}}],
            },
            "finish_reason": None,
            "logprobs": {"content": [{"token": "a", "logprob": -1, "bytes": [97]}], "refusal": None},
        }
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
}
REPLACEMENTS: list[Any] = [None, True, 0, 1, -1, 1.0, 1.5, 2**70, "", "x", "stop", "custom"]
REPLACEMENTS += [[], [1], {}, {"x": 1}]


def _agree(model: type[Any], text: bytes | str) -> str:
    """Who answered, "fast" or "slow"; fails when the fast path answers otherwise than from_dict."""
    fast = fast_parse(model, text)
    try:
        slow = model.from_dict(loads(text))
    except (ValidationError, ValueError, RecursionError):
        assert fast is None, f"the fast path took what from_dict refuses: {text!r}"
        return "slow"
    if fast is None:
        return "slow"
    assert fast == slow
    assert fast.to_dict() == slow.to_dict()
    assert [type(v) for v in fast.to_dict().values()] == [type(v) for v in slow.to_dict().values()]
    return "fast"


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


def _mutated(document: Any, path: tuple[Any, ...], how: str, value: Any) -> Any:
    mutant = copy.deepcopy(document)
    if not path:
        return value
    parent = mutant
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if how == "delete" and isinstance(parent, dict):
        del parent[last]
    elif how == "extra" and isinstance(parent[last], dict):
        parent[last]["x-extra"] = value
    else:
        parent[last] = value
    return mutant


def test_valid_replies_and_chunks_take_the_fast_path_and_equal_from_dicts_models() -> None:
    assert _agree(ChatCompletion, json.dumps(REPLY).encode()) == "fast"
    assert _agree(ChatCompletionChunk, json.dumps(CHUNK)) == "fast"
    # One choice is made inline, a few mapped, many consumed (_wire's three ways to make a list).
    for count in (0, 2, 9):
        choices = [{**CHUNK["choices"][0], "index": i} for i in range(count)]
        assert _agree(ChatCompletionChunk, json.dumps({**CHUNK, "choices": choices})) == "fast"


def test_an_unknown_field_leaves_the_reply_to_from_dict_which_keeps_it() -> None:
    text = json.dumps({**REPLY, "provider": "x"}).encode()
    assert _agree(ChatCompletion, text) == "slow"
    assert model_of(ChatCompletion, text).additional_properties == {"provider": "x"}


def test_a_reply_that_does_not_fit_is_from_dicts_error_with_the_path() -> None:
    broken = copy.deepcopy(REPLY)
    broken["choices"][0]["index"] = "0"
    with pytest.raises(ValidationError) as caught:
        model_of(ChatCompletion, json.dumps(broken).encode())
    assert caught.value.path == "choices[0].index"


@pytest.mark.parametrize(
    "text",
    [
        '{"id":"a","created":1,"model":"m","choices":[],"object":"chat.completion","usage":null,"x":NaN}',
        '{"id":"\\ud800","created":1,"model":"m","choices":[],"object":"chat.completion","usage":null}',
        '{"id":"\ud800","created":1,"model":"m","choices":[],"object":"chat.completion","usage":null}',
        '\ufeff{"id":"a","created":1,"model":"m","choices":[],"object":"chat.completion","usage":null}',
        '{"id":"a","created":123456789012345678901234567890,"model":"m","choices":[],"object":"chat.completion","usage":null}',
        '{"id":"a","created":1e2,"model":"m","choices":[],"object":"chat.completion","usage":null}',
        # Past Python's 4,300 digits json.loads refuses an integer: msgspec must too.
        '{"id":"a","created":'
        + "7" * 5000
        + ',"model":"m","choices":[],"object":"chat.completion","usage":null}',
        '{"id":"a","created":1,"model":"m","choices":[],"object":"chat.completion","usage":null,"system_fingerprint":"'
        + "x" * 100_000
        + '"}',
        '{"id":"a","id":"b","created":1,"model":"m","choices":[],"object":"chat.completion","usage":null}',
        '{"id":"a","created":1,"model":"m","choices":[],"object":"chat.completion","usage":null} ',
        '{"id":"a","created":1,"model":"m","choices":[],"object":"chat.completion","usage":null',
    ],
)
def test_json_only_some_decoders_take_gets_from_dicts_answer(text: str) -> None:
    _agree(ChatCompletion, text)
    _agree(ChatCompletion, text.encode("utf-8", "surrogatepass"))


def test_a_tagged_union_member_with_another_tag_is_left_to_from_dict() -> None:
    mutant = copy.deepcopy(REPLY)
    calls = mutant["choices"][0]["message"].get("tool_calls") or []
    for call in calls:
        call["type"] = "other"
    verdict = _agree(ChatCompletion, json.dumps(mutant))
    assert verdict == ("slow" if calls else "fast")


def test_a_model_alone_parses_its_tag_as_a_field() -> None:
    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    assert _agree(ChatCompletionMessageToolCall, json.dumps(call)) == "fast"
    assert _agree(ChatCompletionMessageToolCall, json.dumps({**call, "type": "custom"})) == "slow"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutants_at_every_depth_are_answered_as_from_dict_answers_them(data: st.DataObject) -> None:
    model, document = data.draw(st.sampled_from([(ChatCompletion, REPLY), (ChatCompletionChunk, CHUNK)]))
    path = data.draw(st.sampled_from(_paths(document)))
    how = data.draw(st.sampled_from(["replace", "delete", "extra"]))
    value = data.draw(st.sampled_from(REPLACEMENTS))
    _agree(model, json.dumps(_mutated(document, path, how, value)))


def test_msgspec_is_imported_on_the_first_parse_not_with_the_package() -> None:
    script = (
        "import sys, aimlapi_gemini\n"
        "from aimlapi_gemini.models import ChatCompletionChunk\n"
        "from aimlapi_gemini.api.chat_completions import create_chat_completion\n"
        "print('msgspec' in sys.modules)\n"
        "from aimlapi_gemini._wire import model_of\n"
        'model_of(ChatCompletionChunk, \'{"id":"c","object":"chat.completion.chunk","created":1,'
        '"model":"m","choices":[]}\')\n'
        "print('msgspec' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True"]
