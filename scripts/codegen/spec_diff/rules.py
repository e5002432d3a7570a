"""The rules: for each kind of change, which side it breaks and why. One table, read by the walker
(``walk.py``) for every verdict and rendered into "How changes are judged" in the maintainer docs.

A schema's side is how the walker reached it: from a request body, a parameter or the security a
call carries it is on the **request** side (what users send must stay valid, so what accepts less
breaks); from a response on the **response** side (what users read must stay as it was, and the
generated client validates replies strictly, so what the server may now send that it could not
before breaks). A change to the operation itself has no side.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Side = Literal["request", "response"]
Breaks = Literal["request", "response", "both", "none"]


@dataclass(frozen=True)
class Verdict:
    breaking: bool
    why: str


@dataclass(frozen=True)
class Rule:
    """How one kind of change is judged; a side without a verdict is one where it cannot happen."""

    kind: str  # the report's ``change``
    what: str  # the change in words (the table's first column)
    request: Verdict | None = None
    response: Verdict | None = None
    operation: Verdict | None = None  # a change to the operation itself (no side)
    case: str = ""  # tells apart rules of one kind judged differently (e.g. a 2xx or an error status)

    @property
    def breaks(self) -> Breaks:
        if self.operation is not None:
            return "both" if self.operation.breaking else "none"
        on_request = self.request is not None and self.request.breaking
        on_response = self.response is not None and self.response.breaking
        if on_request and on_response:
            return "both"
        return "request" if on_request else "response" if on_response else "none"

    def verdict(self, side: Side | None) -> Verdict:
        chosen = self.operation if side is None else self.request if side == "request" else self.response
        if chosen is None:
            raise LookupError(f"rule {self.kind!r} has no verdict for side {side or 'operation'!r}")
        return chosen


def _yes(why: str) -> Verdict:
    return Verdict(True, why)


def _no(why: str) -> Verdict:
    return Verdict(False, why)


_DOCS = _no("documentation only; what is valid did not change")
# Validation keywords with no rule of their own: a change may narrow what is accepted.
OTHER_ASSERTIONS = ("contains", "multipleOf", "not", "pattern", "propertyNames", "uniqueItems")

_RULES: tuple[Rule, ...] = (
    # ----- the operation ---------------------------------------------------------------------
    Rule(
        "operation-removed",
        "operation removed",
        operation=_yes("calls to this operation (its generated function) no longer exist"),
    ),
    Rule(
        "operation-added",
        "operation added",
        operation=_no("a new operation adds a function; existing calls are unaffected"),
    ),
    Rule(
        "operationId-changed",
        "`operationId` changed",
        operation=_yes("the generated function is named after it, so imports of the old name break"),
    ),
    Rule(
        "tags-changed",
        "`tags` changed",
        operation=_yes(
            "the generated module (api/<tag>/) is named after it, so imports of the old name break"
        ),
    ),
    Rule(
        "description-changed",
        "the operation's summary or description changed",
        operation=_DOCS,
        case="operation",
    ),
    Rule("description-changed", "description or title changed", request=_DOCS, response=_DOCS),
    Rule(
        "annotation-changed",
        "examples, default, `format`, `deprecated` or another annotation changed",
        request=_DOCS,
        response=_DOCS,
    ),
    # ----- security: what a call must carry ----------------------------------------------------
    Rule(
        "security-newly-required",
        "credentials required where calls without them were accepted",
        request=_yes("calls without credentials are now refused (401); every user must configure a key"),
    ),
    Rule(
        "security-no-longer-required",
        "no credentials required any more",
        request=_no(
            "a call that sends its key still fits (the server ignores it); the Python API check "
            "reports a client constructor that changed"
        ),
    ),
    Rule(
        "security-requirement-removed",
        "one way to authenticate removed (others remain)",
        request=_yes("calls authenticated this way are refused now"),
    ),
    Rule(
        "security-requirement-added",
        "another way to authenticate accepted",
        request=_no("calls authenticated the old way still fit"),
    ),
    Rule(
        "security-scheme-changed",
        "a security scheme the operation uses changed (type, scheme, header or query name)",
        request=_yes("credentials sent the old way are refused now"),
    ),
    # ----- parameters and the request body -----------------------------------------------------
    Rule(
        "parameter-removed",
        "parameter removed",
        request=_yes("calls that pass it no longer fit the operation"),
    ),
    Rule("parameter-added", "optional parameter added", request=_no("no existing call changes")),
    Rule("parameter-added-required", "required parameter added", request=_yes("every call must now pass it")),
    Rule(
        "parameter-newly-required",
        "parameter newly required",
        request=_yes("calls without it are now invalid"),
    ),
    Rule(
        "request-body-added",
        "required request body added",
        request=_yes("every call must now send a body"),
        case="required",
    ),
    Rule(
        "request-body-added",
        "optional request body added",
        request=_no("an optional body adds nothing users must do"),
        case="optional",
    ),
    Rule(
        "request-body-removed",
        "request body removed",
        request=_yes("the body users send is no longer accepted"),
    ),
    Rule(
        "request-body-newly-required",
        "request body newly required",
        request=_yes("calls without a body are no longer valid"),
    ),
    # ----- responses and media types -------------------------------------------------------------
    Rule(
        "response-removed",
        "2xx response removed",
        response=_yes("the reply users read is no longer described, so the client stops parsing it"),
        case="2xx",
    ),
    Rule(
        "response-removed",
        "error response removed",
        response=_no("an error status still raises its typed error; nothing users read is lost"),
        case="error",
    ),
    Rule(
        "response-added",
        "response status added",
        response=_no("a newly described status adds a parsed reply; existing handling still works"),
    ),
    Rule(
        "media-type-removed",
        "media type removed",
        request=_yes("requests in this media type are no longer accepted"),
        response=_yes("replies in this media type are no longer parsed"),
    ),
    Rule(
        "media-type-added",
        "media type added",
        request=_no("a new accepted media type changes no existing call"),
        response=_yes("the server may now reply in a media type the user's code does not handle"),
    ),
    # ----- schemas: presence and shape -------------------------------------------------------------
    Rule(
        "schema-added",
        "schema added where there was none",
        request=_yes("requests must fit the new schema"),
        response=_no("the reply is now described; the client parses what it could not before"),
    ),
    Rule(
        "schema-removed",
        "schema removed",
        request=_no("any value is accepted now"),
        response=_yes("the reply is no longer described or parsed"),
    ),
    Rule(
        "schema-changed",
        "boolean schema changed",
        request=_yes("a boolean schema changed"),
        response=_yes("a boolean schema changed"),
    ),
    Rule(
        "reference-changed",
        "`$ref` points to another component",
        request=_no(
            "the schema's name changed; its content is compared too (the Python API check reports a renamed model)"
        ),
        response=_no(
            "the schema's name changed; its content is compared too (the Python API check reports a renamed model)"
        ),
    ),
    Rule(
        "property-removed",
        "property removed (declared nowhere in the new schema)",
        request=_yes("the model loses it; code that sets it (and requests that send it) break"),
        response=_yes("the model loses it; code that reads it breaks"),
    ),
    Rule(
        "property-moved",
        "property moved into `anyOf`/`oneOf`/`allOf` alternatives, every request built from the old schema still valid",
        request=_no("every request valid before is still valid"),
        response=_yes("it is read from the alternatives' models now; code reading it from this one breaks"),
        case="still-valid",
    ),
    Rule(
        "property-moved",
        "the same, some request built from the old schema now rejected",
        request=_yes("a request valid before is rejected now"),
        response=_yes("it is read from the alternatives' models now; code reading it from this one breaks"),
        case="rejected",
    ),
    Rule(
        "property-added",
        "optional property added",
        request=_no("an addition"),
        response=_no("an addition"),
    ),
    Rule(
        "property-added-required",
        "required property added",
        request=_yes("every request must now send it"),
    ),
    Rule(
        "newly-required",
        "property newly required",
        request=_yes("requests without it are no longer valid"),
        response=_no("it is always sent now"),
    ),
    Rule(
        "newly-optional",
        "property newly optional",
        request=_no("it may be left out now"),
        response=_yes("it may be missing now; code that reads it must handle that"),
    ),
    Rule(
        "newly-nullable",
        'newly nullable (`"null"` in `type` or `enum`, or a `{type: "null"}` alternative)',
        request=_no("null is accepted too now; every valid request stays valid"),
        response=_yes("the field the user reads may now be null"),
    ),
    Rule(
        "no-longer-nullable",
        "no longer nullable",
        request=_yes("null is no longer accepted here"),
        response=_no("the field is no longer null; code handling null still works"),
    ),
    Rule(
        "type-narrowed",
        "type narrowed (a type dropped, `number` → `integer`)",
        request=_yes("values of the dropped types are no longer accepted"),
        response=_no("fewer kinds of values are sent; code reading the old ones still works"),
    ),
    Rule(
        "type-widened",
        "type widened (a type added)",
        request=_no("more values are accepted; every valid request stays valid"),
    ),
    Rule(
        "type-changed",
        "type changed (one dropped and one added; on replies, any type added)",
        request=_yes("values of the dropped types are no longer accepted"),
        response=_yes(
            "the server may now send a type the client rejects and the user's code does not expect"
        ),
    ),
    Rule(
        "type-added",
        "`type` set where there was none",
        request=_yes("only these types are accepted now"),
        response=_no("the reply is only narrowed"),
    ),
    Rule(
        "type-removed",
        "`type` removed",
        request=_no("any type is accepted now"),
        response=_yes("any type may be sent now, which the user's code does not expect"),
    ),
    Rule(
        "enum-added",
        "`enum`/`const` set where there was none",
        request=_yes("only the listed values are accepted now"),
        response=_no("fewer values are sent"),
    ),
    Rule(
        "enum-removed",
        "`enum`/`const` removed",
        request=_no("any value is accepted now"),
        response=_yes("any value may be sent; the client's checks change"),
    ),
    Rule(
        "enum-value-removed",
        "enum value removed",
        request=_yes("requests sending it are no longer valid"),
        response=_no("the server no longer sends it; code handling it still works"),
    ),
    Rule(
        "enum-value-added",
        "enum value added",
        request=_no("it is accepted too now"),
        response=_yes("the server may send it, which the client's strict enum check rejects"),
    ),
    Rule(
        "range-narrowed",
        "`minimum`/`maximum`/`exclusive*`, `min`/`maxLength`, `min`/`maxItems`, `min`/`maxProperties` narrowed",
        request=_yes("requests valid before may now be rejected"),
        response=_no("replies only narrow"),
    ),
    Rule(
        "range-widened",
        "`minimum`/`maximum`/`exclusiveMinimum`/`exclusiveMaximum` widened",
        request=_no("every valid request stays valid"),
        response=_yes("the server may send values the client's range check rejects"),
        case="checked",
    ),
    Rule(
        "range-widened",
        "lengths, item or property counts widened",
        request=_no("every valid request stays valid"),
        response=_no("the client does not check this bound in replies"),
        case="unchecked",
    ),
    Rule(
        "additional-properties-closed",
        "`additionalProperties: false` newly set",
        request=_yes("unknown fields are now rejected"),
        response=_no("the client keeps unknown reply fields either way"),
    ),
    Rule(
        "additional-properties-opened",
        "`additionalProperties: false` dropped",
        request=_no("unknown fields are accepted now"),
        response=_no("the client keeps unknown reply fields either way"),
    ),
    Rule(
        "alternative-removed",
        "`anyOf`/`oneOf` alternative removed, its values still valid under the new schema",
        request=_no("values of this shape still fit the new alternatives"),
        response=_no("the server no longer sends this shape; code handling it still works"),
        case="still-valid",
    ),
    Rule(
        "alternative-removed",
        "`anyOf`/`oneOf` alternative removed, some of its values now rejected",
        request=_yes("values of this shape are no longer accepted"),
        response=_no("the server no longer sends this shape; code handling it still works"),
        case="rejected",
    ),
    Rule(
        "alternative-added",
        "`anyOf`/`oneOf` alternative added",
        request=_no("a new shape is accepted too"),
        response=_yes("the server may send a shape the client's parser and the user's code do not know"),
        case="still-valid",
    ),
    Rule(
        "alternative-added",
        "`oneOf` alternative added that old values also match",
        request=_yes("a value valid before now matches more than one `oneOf` alternative and is rejected"),
        response=_yes("the server may send a shape the client's parser and the user's code do not know"),
        case="rejected",
    ),
    Rule(
        "discriminator-mapping-added",
        "discriminator mapping gains tags",
        request=_no("the new tags are accepted too"),
        response=_yes("the server may send tags the client does not know"),
    ),
    Rule(
        "discriminator-added",
        "discriminator stated where the alternatives already require their distinct tag",
        request=_no("validation ignores `discriminator`; it names a tag every alternative already requires"),
        response=_no("the client already told the alternatives apart by that tag"),
    ),
    Rule(
        "discriminator-changed",
        "discriminator `propertyName` or an existing mapping changed",
        request=_yes("the tag that decides which model a value is changed"),
        response=_yes("the tag that decides which model a value is changed"),
    ),
    *(
        Rule(
            f"{keyword}-changed",
            f"`{keyword}` changed",
            request=_yes("it may accept less than before, so a request that was valid may not be"),
            response=_no("the client does not check it in replies"),
        )
        for keyword in OTHER_ASSERTIONS
    ),
    Rule(
        "keyword-changed",
        "another keyword changed (no rule of its own)",
        request=_yes("taken as narrowing"),
        response=_no("the client does not check it in replies"),
    ),
)

RULES: dict[tuple[str, str], Rule] = {(rule.kind, rule.case): rule for rule in _RULES}


def rule(kind: str, case: str = "") -> Rule:
    """The rule for ``kind`` (and ``case``, for kinds judged differently case by case)."""
    try:
        return RULES[(kind, case)]
    except KeyError:
        raise LookupError(f"no rule for change {kind!r}" + (f" ({case})" if case else "")) from None


# ----- the docs' table ---------------------------------------------------------------------

RULES_TABLE_BEGIN = (
    "<!-- rules: rendered from scripts/codegen/spec_diff/rules.py by scripts/change_rules_table.py -->"
)
RULES_TABLE_END = "<!-- end of rules -->"


def _cell(verdict: Verdict | None) -> str:
    if verdict is None:
        return ""
    return f"{'**breaking**' if verdict.breaking else 'not'}: {verdict.why}"


def _rows(rules: Iterator[Rule]) -> Iterator[str]:
    for each in rules:
        yield f"| `{each.kind}` | {each.what} | {each.breaks} | {_cell(each.request)} | {_cell(each.response)} |"


def render_rules_table() -> str:
    """The docs table block between ``RULES_TABLE_BEGIN`` and ``RULES_TABLE_END`` (markers included)."""
    operation = [r for r in _RULES if r.operation is not None]
    sided = [r for r in _RULES if r.operation is None]
    lines = [
        RULES_TABLE_BEGIN,
        "",
        "| change | when | breaking | why |",
        "| --- | --- | --- | --- |",
        *(
            f"| `{r.kind}` | {r.what} | {'**yes**' if r.verdict(None).breaking else 'no'} | {r.verdict(None).why} |"
            for r in operation
        ),
        "",
        "| change | when | breaks | request side | response side |",
        "| --- | --- | --- | --- | --- |",
        *_rows(iter(sided)),
        "",
        RULES_TABLE_END,
    ]
    return "\n".join(lines)
