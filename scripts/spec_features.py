"""What the resolved spec (generated/openapi.json) offers, so that the tests follow it.

A new vendor revision may drop any optional part of the request (a field such as `logit_bias`, the
image content part, the function message, tools, the model enum). Tests of such a part ask here
whether it exists: `field_present`, `schema_present` and `role_present` answer True when the spec
has it, and when it has not they assert that the generated client lacks it too (so an absent part
is still a test that could fail, never a skip). Models that only some revisions have are taken with
`optional_model(name)`, never imported by name. `example_value` picks a value a field accepts from
its schema, for tests that need "some optional field".

Code written against the package (examples/, the README's checked blocks, the bench's payloads)
names the features it needs as strings (`has_feature("field:tools")`, `feature_present(...)`), so
what uses a dropped part can be left out of type checks and runs (scripts/checked_code.py).

Only `model`, `messages` with a user message, and the reply shapes are taken as always there: the
user's text is not (an audio captioner's user messages take `input_audio` parts only: `user_message`
builds one in the form the spec takes, `user_takes_text`, the `text:ROLE` feature), nor are the
assistant and system roles, one model per role, or OpenAI function tools (`role_present`,
`roles_share_a_model`, `function_tools_present`). Importable by tests and mypy alike (scripts/ is on
both paths).
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import aimlapi_gemini.models
import aimlapi_gemini.params
import aimlapi_gemini.resources

RESOLVED_SPEC = Path(__file__).resolve().parent.parent / "generated" / "openapi.json"
REQUEST_SCHEMA = "ChatCompletionRequest"
# What every revision has; tests may take these for granted.
CORE_REQUEST_FIELDS = ("model", "messages")
# The model class of each message role, as the overlay names them (for roles a revision may drop).
MESSAGE_CLASS_OF_ROLE = {
    "system": "SystemMessage",
    "user": "UserMessage",
    "assistant": "AssistantMessage",
    "tool": "ToolMessage",
    "function": "FunctionMessage",
}
# Complete parts of the kinds a revision may drop (for checking the client refuses them then).
KNOWN_PART_EXAMPLES: dict[str, dict[str, Any]] = {
    "image_url": {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
}
# Used when the spec names no model id (a revision without the enum takes any string).
FALLBACK_MODEL_ID = "gemini-pro"


@functools.cache
def spec() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(RESOLVED_SPEC.read_text(encoding="utf-8"))
    return document


def schemas() -> dict[str, Any]:
    found: dict[str, Any] = spec()["components"]["schemas"]
    return found


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a `$ref` points to (followed until there is none), or the schema itself."""
    while "$ref" in schema:
        schema = schemas()[str(schema["$ref"]).rsplit("/", 1)[-1]]
    return schema


def has_schema(name: str) -> bool:
    return name in schemas()


def request_fields() -> tuple[str, ...]:
    return tuple(schemas()[REQUEST_SCHEMA]["properties"])


def has_request_field(name: str) -> bool:
    return name in request_fields()


def field_schema(name: str) -> dict[str, Any]:
    return resolve(schemas()[REQUEST_SCHEMA]["properties"][name])


def user_message(text: str = "Hello") -> Any:
    """A user message with ``text`` as the spec takes it (a string, or a text part); a spec whose
    user messages take no text (audio only) gets one built from its schema. Typed Any: it is the
    dict of whatever TypedDict the spec's user message is (so it goes into a typed message list)."""
    from spec_requests import user_message as taken_user_message

    message: Any = taken_user_message(spec(), text)
    assert message is not None, "the spec takes no user message at all"
    return message


def user_takes_text() -> bool:
    """Whether a user message takes text (a string or a text part): not where it takes audio only."""
    return "Hello" in json.dumps(user_message("Hello"))


def user_takes_content(content: Any) -> bool:
    """Whether the spec takes a request of one user message with this content, by an outside
    2020-12 validator (the oracle of the CLI's message tests)."""
    from spec_requests import MODEL_ID, request_validator

    return request_validator(spec())({"model": MODEL_ID, "messages": [{"role": "user", "content": content}]})


def distinct_user_message(text: str) -> Any:
    """A user message that differs for each ``text``, in a form the spec takes: ``user_message(text)``
    where user messages take text; where they take none (audio only, where ``user_message`` is the
    same for every text), one ``input_audio`` part whose data is ``text`` base64-encoded, so that
    tests of "another conversation" still send another one."""
    if user_takes_text():
        return user_message(text)
    import base64

    part = {"type": "input_audio", "input_audio": {"data": base64.b64encode(text.encode()).decode("ascii")}}
    assert user_takes_content([part]), "the spec's user messages take neither text nor an audio part"
    return {"role": "user", "content": [part]}


def field_accepts(name: str, value: Any) -> bool:
    """Whether the spec's schema of request field `name` takes `value`, by an outside 2020-12
    validator (the oracle a test's "refused" case must agree with)."""
    from codegen.spec_diff.examples import validator

    schema = schemas()[REQUEST_SCHEMA]["properties"][name]
    return bool(validator(schema, spec(), "urn:aimlapi-spec").is_valid(value))


def optional_fields() -> tuple[str, ...]:
    """The request fields beyond `model` and `messages`, and `stream` (which the client sets itself)."""
    return tuple(name for name in request_fields() if name not in (*CORE_REQUEST_FIELDS, "stream"))


MessageKind = tuple[str, tuple[str, ...], dict[str, Any]]


def message_lists() -> tuple[tuple[MessageKind, ...], ...]:
    """The kinds of request message (see `message_kinds`) of each list `messages` may be: one list
    in most revisions, several where `messages` is one of several lists (`anyOf` of arrays, each
    named by place), in the spec's order."""
    messages = resolve(schemas()[REQUEST_SCHEMA]["properties"]["messages"])
    if "items" in messages:
        arrays = [(messages, f"{REQUEST_SCHEMA}Messages")]
    else:
        arrays = [
            (resolve(branch), f"{REQUEST_SCHEMA}MessagesType{index}")
            for index, branch in enumerate(_alternatives(messages))
            if resolve(branch).get("type") == "array"
        ]
    lists: list[tuple[MessageKind, ...]] = []
    for array, place in arrays:
        items = array["items"]
        # An empty union (a spec whose only message model was dropped: without_feature) has no kind.
        union = items.get("oneOf", items.get("anyOf"))
        if union is None:
            members = [(items, f"{place}Item")]
        else:
            members = [(member, f"{place}ItemType{index}") for index, member in enumerate(union)]
        lists.append(
            tuple(
                (
                    str(member["$ref"]).rsplit("/", 1)[-1] if "$ref" in member else by_place,
                    tuple(str(role) for role in resolve(member)["properties"]["role"]["enum"]),
                    resolve(member),
                )
                for member, by_place in members
            )
        )
    return tuple(lists)


def message_kinds() -> tuple[MessageKind, ...]:
    """Each kind of request message: its model class, the roles it takes and its schema. A kind is
    a member of the messages union (one per role in most revisions), or the one message model when
    the items are a single object whose `role` is an enum of several (`[user, assistant]`). A class
    is its schema's name, or for a kind the spec leaves inline (no overlay title) the name the
    generator gives it by place."""
    kinds = [kind for kinds in message_lists() for kind in kinds]
    # A role's own model before one it shares (where lists of both kinds are offered), so that
    # the messages a test builds for several roles go in one list.
    return tuple(sorted(kinds, key=lambda kind: len(kind[1]) > 1))


def message_roles() -> tuple[str, ...]:
    """The roles a request message may have, in the spec's order."""
    return tuple(dict.fromkeys(role for _, roles, _ in message_kinds() for role in roles))


def message_class_names() -> dict[str, str]:
    """The model class of each request message role (see `message_kinds`); roles that share one
    message model all name it."""
    found: dict[str, str] = {}
    for name, roles, _ in message_kinds():
        for role in roles:
            found.setdefault(role, name)
    return found


def roles_share_a_model() -> bool:
    """Whether some message model takes more than one role (its `role` is an enum field, not the
    constant a per-role model sets by itself)."""
    return any(len(roles) > 1 for _, roles, _ in message_kinds())


def class_of_role(role: str) -> str:
    """The model class of a request message of `role`: the spec's (`message_class_names`) where it
    has that role, else the name the overlay gives it (for a role a revision dropped)."""
    return message_class_names().get(role) or MESSAGE_CLASS_OF_ROLE[role]


def message_model(role: str) -> Any:
    """The generated model class of a request message of `role` (the spec must have the role)."""
    assert role in message_roles(), f"the spec has no {role} message; guard with role_present"
    return getattr(aimlapi_gemini.models, class_of_role(role))


def message_models(role: str) -> tuple[Any, ...]:
    """Every generated model a request message of `role` may be parsed as: its own and one it
    shares, where the spec offers lists of both (a received list is parsed as the first list kind
    that takes it all, so a `[user, assistant]` conversation comes back in the shared model)."""
    models = tuple(
        getattr(aimlapi_gemini.models, name) for name, roles, _ in message_kinds() if role in roles
    )
    assert models, f"the spec has no {role} message; guard with role_present"
    return models


def message(role: str, **fields: Any) -> Any:
    """A request message of `role` as its generated model, built from its JSON (so the same call
    works whether the model is the role's own or one shared by several roles)."""
    built = message_model(role).from_dict({"role": role, **fields})
    return built


def user_message_model(text: str = "Hello") -> Any:
    """`user_message(text)` as its generated model."""
    return message_model("user").from_dict(user_message(text))


def content_types(role: str) -> tuple[str, ...]:
    """The JSON types a `role` message's content may be, in the spec's order (`("string", "array")`
    where it takes text or parts, `("array",)` where it takes parts only)."""
    found: list[str] = []
    for branch in _alternatives(message_schema(role)["properties"]["content"]):
        kind = branch.get("type")
        found.extend(str(each) for each in (kind if isinstance(kind, list) else [kind]))
    return tuple(dict.fromkeys(found))


def content_part_example(role: str, part_type: str) -> dict[str, Any]:
    """A complete content part of `part_type` (one of `content_part_types(role)`): its required
    fields, each with a value picked from its schema."""
    for branch in _alternatives(message_schema(role)["properties"]["content"]):
        if branch.get("type") != "array":
            continue
        for part in _alternatives(branch["items"]):
            if part["properties"]["type"]["enum"] == [part_type]:
                example: dict[str, Any] = _example(part)
                return example
    raise KeyError(f"a {role} message takes no {part_type!r} part")


def content_part_model_names(role: str) -> tuple[str, ...]:
    """The model names of the content parts a `role` message may hold in its list form, as the
    generator names them: a named schema's name; an inline part by its place, under content that
    is a union `<Message>ContentType<branch>Item`, else `<Message>ContentItem`, followed by
    `Type<member>` where the items are a union (`content_part_schemas` assumes both unions)."""
    message = class_of_role(role)
    content = resolve(message_schema(role)["properties"]["content"])
    branches = content.get("anyOf") or content.get("oneOf")
    found: list[str] = []
    for branch_index, branch in enumerate(branches or [content]):
        if resolve(branch).get("type") != "array":
            continue
        place = f"{message}ContentType{branch_index}Item" if branches else f"{message}ContentItem"
        items = resolve(branch)["items"]
        members = items.get("anyOf") or items.get("oneOf")
        for member_index, member in enumerate(members or [items]):
            if "$ref" in member:
                found.append(str(member["$ref"]).rsplit("/", 1)[-1])
            else:
                found.append(f"{place}Type{member_index}" if members else place)
    return tuple(found)


def content_part_types(role: str) -> tuple[str, ...]:
    """The `type` of each content part a message of `role` may hold in its list form."""
    schema = message_schema(role)
    found: list[str] = []
    for branch in _alternatives(schema["properties"]["content"]):
        if branch.get("type") == "array":
            for part in _alternatives(branch["items"]):
                found.append(str(part["properties"]["type"]["enum"][0]))
    return tuple(found)


def content_part_schemas(role: str) -> tuple[str, ...]:
    """The model names of the content parts a message of `role` may hold in its list form: a
    named schema's name, or for a part the spec leaves inline (no overlay title), the name the
    generator gives it by place (`<Message>ContentType<branch>ItemType<member>`)."""
    message = class_of_role(role)
    content = message_schema(role)["properties"]["content"]
    branches = content.get("anyOf") or content.get("oneOf") or [content]
    found: list[str] = []
    for branch_index, branch in enumerate(branches):
        if resolve(branch).get("type") != "array":
            continue
        items = resolve(branch)["items"]
        members = items.get("anyOf") or items.get("oneOf") or [items]
        for member_index, member in enumerate(members):
            if "$ref" in member:
                found.append(str(member["$ref"]).rsplit("/", 1)[-1])
            else:
                found.append(f"{message}ContentType{branch_index}ItemType{member_index}")
    return tuple(found)


def replayed_tool_call_types() -> tuple[str, ...]:
    """The `type` of each tool call an assistant request message may carry (none without one)."""
    if "assistant" not in message_roles():
        return ()
    assistant = message_schema("assistant")
    calls = assistant["properties"].get("tool_calls")
    if calls is None:
        return ()
    items = next(
        branch["items"]
        for branch in _alternatives(calls)
        if branch.get("type") in ("array", ["array", "null"])
    )
    return tuple(
        str(call["properties"]["type"]["enum"][0])
        for call in _alternatives(items)
        if "enum" in call.get("properties", {}).get("type", {})
    )


def _alternatives(schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = resolve(schema)
    members = schema.get("anyOf") or schema.get("oneOf")
    if members is None:
        return [schema]
    return [resolved for member in members for resolved in _alternatives(member)]


def model_ids() -> tuple[str, ...]:
    """The model ids the spec lists (an enum, alone or as the first member of model's anyOf)."""
    return tuple(
        str(value)
        for branch in _alternatives(schemas()[REQUEST_SCHEMA]["properties"]["model"])
        for value in branch.get("enum", ())
    )


def model_id() -> str:
    """A model id every request may carry: the first one the spec lists."""
    listed = model_ids()
    return listed[0] if listed else FALLBACK_MODEL_ID


def chat_path(model: str = FALLBACK_MODEL_ID) -> str:
    """The path a chat request goes to: the spec's (``_spec_facts.CHAT_PATH``), its parameters
    filled as a body with ``model`` fills them (``/openai/deployments/{model}/chat/completions``)."""
    from aimlapi_gemini._path import fill_path
    from aimlapi_gemini._spec_facts import CHAT_PATH

    return fill_path(CHAT_PATH, {"model": model})


def create_keywords() -> frozenset[str]:
    """The keywords of `AIMLAPI().chat.completions.create`."""
    return frozenset(inspect.signature(aimlapi_gemini.resources.ChatCompletions.create).parameters)


def field_present(name: str) -> bool:
    """Whether the request has field `name`; when it has not, asserts the client lacks it everywhere."""
    if has_request_field(name):
        return True
    model_fields = inspect.signature(aimlapi_gemini.models.ChatCompletionRequest).parameters
    assert name not in model_fields, f"ChatCompletionRequest still takes {name!r}"
    param_fields = aimlapi_gemini.params.ChatCompletionRequestParam.__annotations__
    assert name not in param_fields, f"ChatCompletionRequestParam still has {name!r}"
    assert name not in create_keywords(), f"create() still takes {name!r}"
    return False


def schema_present(name: str) -> bool:
    """Whether the spec has schema `name`; when it has not, asserts the package has no such model."""
    if has_schema(name):
        assert hasattr(aimlapi_gemini.models, name), f"the spec has {name} but the package lacks it"
        return True
    assert not hasattr(aimlapi_gemini.models, name), f"the package still has {name}"
    # params may keep the name as the OpenAI SDK's alias of another shape (ChatCompletionToolParam:
    # whatever a `tools` item is), never as the TypedDict of this schema.
    param = getattr(aimlapi_gemini.params, f"{name}Param", None)
    assert getattr(param, "__name__", None) != f"{name}Param", f"params still has {name}Param"
    return False


def role_present(role: str) -> bool:
    """Whether a request message may have `role`; when not, asserts the client has no model for it."""
    if role in message_roles():
        return True
    schema_present(class_of_role(role))
    stray = {"role": role, "content": "x"}
    try:
        aimlapi_gemini.models.ChatCompletionRequest.from_dict({"model": model_id(), "messages": [stray]})
    except ValueError:
        return False
    raise AssertionError(f"a {role} message is still accepted")


def part_present(role: str, part_type: str) -> bool:
    """Whether a `role` message's content may hold a `part_type` part; when not, that from_dict refuses it."""
    if part_type in content_part_types(role):
        return True
    # A part as complete as the 2025 document defines it, so only its type can be refused.
    part = KNOWN_PART_EXAMPLES.get(part_type, {"type": part_type})
    message = {"role": role, "content": [part]}
    try:
        aimlapi_gemini.models.ChatCompletionRequest.from_dict({"model": model_id(), "messages": [message]})
    except ValueError:
        return False
    raise AssertionError(f"a {role} message with a {part_type!r} part is still accepted")


def message_fields(role: str) -> tuple[str, ...]:
    """The properties a request message of `role` may have."""
    return tuple(message_schema(role)["properties"])


# A feature, as code that uses the package names what it needs: `field:NAME` (a request field),
# `role:ROLE` (a message role), `part:ROLE:TYPE` (a content part of that role's messages),
# `message_field:ROLE:NAME` (a property of that role's messages), `schema:NAME` (a generated model),
# `replay:NAME` (reply model NAME goes back as a request message: its `x-replay-as`, REPLAYED_REPLY),
# `text:ROLE` (that role's content may be plain text, a string: `{"role": "user", "content": "Hi"}`).
FEATURE_KINDS = ("field", "role", "part", "message_field", "schema", "replay", "text")
REPLAYED_REPLY = "ChatCompletionMessage"


def has_feature(feature: str) -> bool:
    """Whether the spec has `feature` (one of FEATURE_KINDS, see above); only reads the spec."""
    kind, _, rest = feature.partition(":")
    if kind == "field":
        return has_request_field(rest)
    if kind == "role":
        return rest in message_roles()
    if kind == "part":
        role, _, part_type = rest.partition(":")
        return role in message_roles() and part_type in content_part_types(role)
    if kind == "message_field":
        role, _, name = rest.partition(":")
        return role in message_roles() and name in message_fields(role)
    if kind == "schema":
        return has_schema(rest)
    if kind == "replay":
        return "x-replay-as" in schemas().get(rest, {})
    if kind == "text":
        return takes_text(rest)
    raise ValueError(f"unknown feature {feature!r}: the kinds are {', '.join(FEATURE_KINDS)}")


def feature_present(feature: str) -> bool:
    """`has_feature`, and when the spec lacks `feature`, asserts the generated client lacks it too."""
    kind, _, rest = feature.partition(":")
    if kind == "field":
        return field_present(rest)
    if kind == "role":
        return role_present(rest)
    if kind == "part":
        role, _, part_type = rest.partition(":")
        return role_present(role) and part_present(role, part_type)
    if kind == "message_field":
        role, _, name = rest.partition(":")
        if not role_present(role):
            return False
        if name in message_fields(role):
            return True
        model = getattr(aimlapi_gemini.models, class_of_role(role))
        assert name not in inspect.signature(model).parameters, f"{model.__name__} still takes {name!r}"
        return False
    if kind == "schema":
        return schema_present(rest)
    if kind == "replay" and rest == REPLAYED_REPLY:
        return reply_replayed()
    if kind == "text":
        return text_present(rest)
    raise ValueError(f"unknown feature {feature!r}: the kinds are {', '.join(FEATURE_KINDS)}")


def missing_features(needs: Iterable[str]) -> tuple[str, ...]:
    """The features of `needs` the spec lacks, in order (none: code needing them all can be checked)."""
    return tuple(feature for feature in needs if not has_feature(feature))


def takes_text(role: str) -> bool:
    """Whether a `role` message's content may be plain text, a string (feature `text:ROLE`): not
    where it takes only parts (a captioner's user messages: audio parts, no text at all)."""
    if role not in message_roles():
        return False
    return any(_is_text(branch) for branch in _alternatives(message_schema(role)["properties"]["content"]))


def text_present(role: str) -> bool:
    """`takes_text`; where the spec has the role but its content takes no string, asserts that the
    client refuses a message of that role otherwise as the spec builds it, with text as content."""
    if not role_present(role):
        return False
    if takes_text(role):
        return True
    message = {**_example(message_schema(role)), "role": role, "content": "x"}
    try:
        aimlapi_gemini.models.ChatCompletionRequest.from_dict({"model": model_id(), "messages": [message]})
    except ValueError as refused:
        # Refused for its content, not for something else of the message.
        if "content" not in str(refused):
            raise AssertionError(
                f"a {role} message with text is refused, but not for it: {refused}"
            ) from None
        return False
    raise AssertionError(f"a {role} message with text as its content is still accepted")


def _is_text(schema: dict[str, Any]) -> bool:
    """Whether a (resolved, union-free) schema takes a string."""
    kind = schema.get("type")
    if kind is None:  # no type: anything not otherwise restricted, text included
        return not {"enum", "const", "properties", "items", "not", "anyOf", "oneOf"} & schema.keys()
    return kind == "string" or (isinstance(kind, list) and "string" in kind)


def _drop_text(content: dict[str, Any], local: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Takes the string form out of a message's `content` schema, in place (for `without_feature`)."""
    union_key = "anyOf" if "anyOf" in content else "oneOf" if "oneOf" in content else None
    if union_key:
        content[union_key] = [branch for branch in content[union_key] if not _is_text(local(branch))]
    elif isinstance(content.get("type"), list):
        content["type"] = [kind for kind in content["type"] if kind != "string"]
    elif _is_text(local(content)):
        content.clear()
        content["not"] = {}  # text was its only form: no content is taken


def without_feature(feature: str) -> dict[str, Any]:
    """A copy of the resolved spec as a revision without `feature` resolves (its request field,
    message kind, content part, message property or model gone), for tests of code that follows
    the spec: `monkeypatch.setattr(spec_features, "spec", lambda: without_feature(...))`."""
    document = copy.deepcopy(spec())
    if not has_feature(feature):  # the revision lacks it already: nothing to take away
        return document
    found: dict[str, Any] = document["components"]["schemas"]

    def local(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = found[str(schema["$ref"]).rsplit("/", 1)[-1]]
        return schema

    def every_items() -> list[dict[str, Any]]:
        # The items of each list `messages` may be (one, or each of an anyOf of arrays).
        messages = local(found[REQUEST_SCHEMA]["properties"]["messages"])
        arrays = (
            [messages]
            if "items" in messages
            else [local(b) for b in messages.get("anyOf") or messages["oneOf"]]
        )
        return [array["items"] for array in arrays if "items" in array]

    def message(role: str) -> dict[str, Any]:
        # By role among the messages' items (a role's own model first, as message_kinds orders
        # them): a model the roles share may be inline (no name).
        members = [
            member
            for items in every_items()
            for member in items.get("oneOf") or items.get("anyOf") or [items]
        ]
        members.sort(key=lambda member: len(local(member)["properties"]["role"]["enum"]) > 1)
        return next(
            local(member) for member in members if role in local(member)["properties"]["role"]["enum"]
        )

    kind, _, rest = feature.partition(":")
    if kind == "field":
        found[REQUEST_SCHEMA]["properties"].pop(rest, None)
    elif kind == "role":
        for items in every_items():
            union_key = "oneOf" if "oneOf" in items else "anyOf" if "anyOf" in items else None
            members = items[union_key] if union_key else [items]
            kept = []
            for member in members:
                role = local(member)["properties"]["role"]
                if role["enum"] == [rest]:
                    continue
                # A model shared by several roles keeps the others.
                role["enum"] = [value for value in role["enum"] if value != rest]
                kept.append(member)
            if union_key:
                items[union_key] = kept
        for name, roles, _ in message_kinds():
            if roles == (rest,):
                found.pop(name, None)
    elif kind == "part":
        role, _, part_type = rest.partition(":")
        content = message(role)["properties"]["content"]
        kept_branches = []
        for branch in content.get("anyOf", [content]):
            array = local(branch)
            if array.get("type") == "array":
                items = array["items"]
                members = [
                    member
                    for member in items.get("anyOf") or items.get("oneOf") or [items]
                    if local(member)["properties"]["type"]["enum"] != [part_type]
                ]
                if not members:
                    continue  # no part left: no list form
                array["items"] = {"anyOf": members}
            kept_branches.append(branch)
        content["anyOf"] = kept_branches
    elif kind == "message_field":
        role, _, name = rest.partition(":")
        message(role)["properties"].pop(name, None)
    elif kind == "schema":
        found.pop(rest, None)
        # A message model goes with its member of the messages union (as a dropped role's does).
        for items in every_items():
            for union_key in ("oneOf", "anyOf"):
                if union_key in items:
                    items[union_key] = [
                        member
                        for member in items[union_key]
                        if member.get("$ref", "").rsplit("/", 1)[-1] != rest
                    ]
    elif kind == "replay":
        found.get(rest, {}).pop("x-replay-as", None)
    elif kind == "text":
        _drop_text(message(rest)["properties"]["content"], local)
    else:
        raise ValueError(f"unknown feature {feature!r}: the kinds are {', '.join(FEATURE_KINDS)}")
    return document


def free_form(name: str) -> bool:
    """Whether schema `name` (which the spec has) is free-form: no declared properties, so its
    content is the model's one argument and users write it as a plain mapping (LogitBias; the
    FunctionParameters of most revisions, which one revision spells out as a typed object)."""
    return not resolve(schemas()[name]).get("properties")


def model_from(name: str, content: dict[str, Any]) -> Any:
    """Model `name` holding `content`: a free-form model takes it as its argument, a model with
    declared properties parses it (``from_dict``)."""
    model = optional_model(name)
    return model(content) if free_form(name) else model.from_dict(content)


def optional_model(name: str) -> Any:
    """The generated model `name`, which only some revisions have (assert `schema_present` first)."""
    assert has_schema(name), f"the spec has no {name}; guard the test with schema_present"
    return getattr(aimlapi_gemini.models, name)


def example_value(field: str) -> Any:
    """A value request field `field` accepts, picked from its schema (bounds, enums, types)."""
    return _example(field_schema(field))


def _example(schema: dict[str, Any]) -> Any:
    schema = resolve(schema)
    if "examples" in schema:
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    alternatives = [branch for branch in _alternatives(schema) if branch.get("type") != "null"]
    if alternatives and alternatives[0] is not schema:
        return _example(alternatives[0])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind in ("number", "integer"):
        return _number_in(schema, integer=kind == "integer")
    if kind == "boolean":
        return True
    if kind == "string":
        return "x"
    if kind == "array":
        return [_example(schema.get("items", {}))]
    if kind == "object" or "properties" in schema:
        value = {name: _example(schema["properties"][name]) for name in schema.get("required", ())}
        extra = schema.get("additionalProperties")
        if not value and isinstance(extra, dict) and extra:
            value["1"] = _example(extra)
        return value
    return "x"


def _number_in(schema: dict[str, Any], *, integer: bool) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if low is not None and high is not None:
        value: float = (low + high) / 2
    elif low is not None:
        value = low + 1
    elif high is not None:
        value = high - 1
    else:
        value = 1
    return int(value) if integer else value


def message_schema(role: str) -> dict[str, Any]:
    """The schema of a request message of `role` (a named model's, or inline in the messages union)."""
    for _, roles, schema in message_kinds():
        if role in roles:
            return schema
    raise KeyError(f"the spec has no {role} message")


def number_bounds(field: str) -> tuple[bool, float | None, float | None] | None:
    """Whether request field `field` is an integer, and its minimum and maximum (None for a field
    that is no number or has neither bound; exclusive bounds are left to their own tests)."""
    for branch in _alternatives(field_schema(field)):
        kind = branch.get("type")
        kinds = set(kind) if isinstance(kind, list) else {kind}
        if kinds & {"number", "integer"} and ("minimum" in branch or "maximum" in branch):
            return "integer" in kinds, branch.get("minimum"), branch.get("maximum")
    return None


def bounded_fields() -> dict[str, tuple[bool, float | None, float | None]]:
    """The optional request fields with a numeric bound, each with what `number_bounds` says."""
    found = {field: number_bounds(field) for field in optional_fields()}
    return {field: bounds for field, bounds in found.items() if bounds is not None}


def out_of_range_value(field: str) -> float | None:
    """A number just past field `field`'s bounds (None when it has no bound)."""
    schema = next(b for b in _alternatives(field_schema(field)) if b.get("type") != "null")
    if "maximum" in schema:
        return float(schema["maximum"]) + 1
    if "minimum" in schema:
        return float(schema["minimum"]) - 1
    return None


# A second operation (GET /v1/models), which tests add to a vendor document to see what generation
# gives a new operation (tests/fixtures/list_models_operation.json).
LIST_MODELS_FIXTURE = (
    Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "list_models_operation.json"
)


def with_list_models(document: dict[str, Any]) -> dict[str, Any]:
    """The vendor `document` with GET /v1/models added, requiring the key as the chat operation
    does (the fixture's own scheme name is not one every revision declares; with no requirement
    anywhere, the pipeline requires the key document-wide)."""
    operation = json.loads(LIST_MODELS_FIXTURE.read_text(encoding="utf-8"))
    from codegen.normalize import chat_operations

    chat = document["paths"][chat_operations(document)[0].path]["post"]
    requirement = chat.get("security", document.get("security"))
    if requirement is None:
        operation["get"].pop("security", None)
    else:
        operation["get"]["security"] = copy.deepcopy(requirement)
    document["paths"]["/v1/models"] = operation
    return document


def reply_replayed() -> bool:
    """Whether the API takes a reply's message back as a request message (the resolved spec's
    `x-replay-as` on ChatCompletionMessage); when it does not, asserts the reply has no `to_param`."""
    replayed = "x-replay-as" in schemas().get(REPLAYED_REPLY, {})
    if not replayed:
        reply = aimlapi_gemini.models.ChatCompletionMessage
        assert not hasattr(reply, "to_param"), "ChatCompletionMessage still replays"
    return replayed


# An OpenAI function tool, as the 2025 document defines it (what tests of tool calls send).
FUNCTION_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_capital",
        "description": "Look up a country's capital.",
        "parameters": {
            "type": "object",
            "properties": {"country": {"type": "string"}, "limit": {"type": "integer", "minimum": 3}},
            "required": ["country"],
        },
    },
}


def function_tools_present() -> bool:
    """Whether the request's `tools` take OpenAI function tools (`FUNCTION_TOOL`); when they do
    not (no `tools`, or tools of another shape: then it asserts the client refuses a body sending one)."""
    if not field_present("tools"):
        return False  # (a body's unknown keys are its extra fields: nothing to refuse)
    if field_accepts("tools", [FUNCTION_TOOL]):
        return True
    body = {"model": model_id(), "messages": [user_message()], "tools": [FUNCTION_TOOL]}
    try:
        aimlapi_gemini.models.ChatCompletionRequest.from_dict(body)
    except ValueError:
        return False
    raise AssertionError("a function tool is still accepted in tools")


def role_choices() -> str:
    """The roles as the client's error for an unknown role lists them ("'user', 'assistant'"):
    dispatch by role lists them in the spec's order; a role field of one shared message model is a
    Literal, whose values an error lists sorted. Where `messages` is one of several lists, each
    refuses the role at the same place and the error is the last list's (_validation.furthest)."""
    return _listed_roles(message_lists()[-1])


def _listed_roles(kinds: tuple[MessageKind, ...]) -> str:
    if len(kinds) == 1:
        listed = sorted(kinds[0][1])
    else:
        listed = list(dict.fromkeys(role for _, roles, _ in kinds for role in roles))
    return ", ".join(repr(role) for role in listed)


def role_refusal(role: str) -> str | None:
    """Where `messages` is one of several lists and one has no `role` (a shared user/assistant
    model): the refusal a malformed message of `role` gets, "messages[0].role: expected one of
    ..., got '<role>'" (refused at its role, that list got further than the role's own model that
    misses a field: _validation.furthest). None where every list takes the role."""
    lacking = [kinds for kinds in message_lists() if not any(role in roles for _, roles, _ in kinds)]
    if not lacking:
        return None
    return f"messages[0].role: expected one of {_listed_roles(lacking[-1])}, got '{role}'"
