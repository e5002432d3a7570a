"""Section 3: model cost without I/O, against json.loads / json.dumps and the OpenAI SDK's types."""

from __future__ import annotations

import json
import statistics

from .measure import ISSUE_9_TARGET, Row, interleaved_samples
from .payloads import large_completion, request_body, typed_request

# Issue #9 item 7: parsing the large ChatCompletion, validation included, within 2x json.loads.
PARSE_LIMIT = 2.0
BUILD_LIMIT = 3.0


def bench_models(rounds: int) -> list[Row]:
    from openai._models import construct_type
    from openai._utils import maybe_transform
    from openai.types.chat import ChatCompletion as OpenAIChatCompletion
    from openai.types.chat import completion_create_params

    from aimlapi_gemini._json import loads
    from aimlapi_gemini.models import ChatCompletion

    reply_text = json.dumps(large_completion())
    reply_bytes = reply_text.encode()
    decoded = json.loads(reply_text)
    body = request_body(1000)
    # No I/O here, so the cost is CPU time: process_time does not count the moments another
    # process had the core, which wall time on a busy machine does.
    samples = interleaved_samples(
        {
            "json.loads": lambda: json.loads(reply_text),
            # The from_dict path: its decoder (orjson, see _json.py), then from_dict; what the client
            # does with a body msgspec refuses (its fast path: parse_cost.py's rows).
            "generated parse": lambda: ChatCompletion.from_dict(loads(reply_bytes)),
            # The models' share alone: validation and construction from an already decoded dict.
            "generated from_dict": lambda: ChatCompletion.from_dict(decoded),
            "openai parse": lambda: construct_type(type_=OpenAIChatCompletion, value=json.loads(reply_text)),
            "json.dumps": lambda: json.dumps(body),
            "generated build": lambda: json.dumps(typed_request(1000).to_dict()),
            "openai build": lambda: json.dumps(
                maybe_transform(body, completion_create_params.CompletionCreateParamsNonStreaming)
            ),
        },
        rounds=rounds,
        number=5,  # warm-up: one untimed round of 5 calls each
    )
    rows = []
    for kind, floor, limit in (("parse", "json.loads", PARSE_LIMIT), ("build", "json.dumps", BUILD_LIMIT)):
        ours = statistics.median(samples.cpu[f"generated {kind}"])
        label = "parse large ChatCompletion" if kind == "parse" else "build+serialise 1,000-msg request"
        ratio = samples.ratio(f"generated {kind}", floor, cpu=True)
        sdk_ratio = samples.ratio(f"generated {kind}", f"openai {kind}", cpu=True)
        rows.append(
            Row(
                "3 models",
                f"{label} / {floor}",
                ours * 1e3,
                "ms",
                floor,
                ratio,
                f"<= {limit}",
                ratio <= limit,
                goal=ISSUE_9_TARGET if kind == "parse" else "",
            )
        )
        rows.append(
            Row(
                "3 models",
                f"{label} / OpenAI types",
                ours * 1e3,
                "ms",
                f"openai {kind}",
                sdk_ratio,
                "< 1.0",
                sdk_ratio < 1.0,
            )
        )
    from_dict_ratio = samples.ratio("generated from_dict", "json.loads", cpu=True)
    rows.insert(
        1,
        Row(
            "3 models",
            "of which from_dict (validate + build, no decoding) / json.loads",
            statistics.median(samples.cpu["generated from_dict"]) * 1e3,
            "ms",
            "json.loads",
            from_dict_ratio,
            note="info",
        ),
    )
    return rows
