"""The names the package promises; changing them is a deliberate, visible act."""

from __future__ import annotations

import inspect
from importlib.metadata import version

import spec_features as spec

import aimlapi_gemini
from aimlapi_gemini import errors
from aimlapi_gemini.api.chat_completions import create_chat_completion

PUBLIC = [
    "AsyncChatCompletionStream",
    "AsyncChatCompletionStreamManager",
    "AsyncStreamedResponse",
    "AsyncStreamedResponseManager",
    "ChatCompletionSnapshot",
    "ChatCompletionStream",
    "ChatCompletionStreamEvent",
    "ChatCompletionStreamManager",
    "ChunkEvent",
    "ContentDeltaEvent",
    "ContentDoneEvent",
    "FunctionToolCallArgumentsDeltaEvent",
    "FunctionToolCallArgumentsDoneEvent",
    "RefusalDeltaEvent",
    "RefusalDoneEvent",
    "StreamedResponse",
    "StreamedResponseManager",
    "AIMLAPI",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AimlApiError",
    "AsyncAIMLAPI",
    "AsyncStream",
    "AuthenticatedClient",
    "AuthenticationError",
    "Backoff",
    "BadRequestError",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionRequest",
    "Client",
    "ConfigurationError",
    "DeadlineExceededError",
    "ErrorResponse",
    "InternalServerError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "RequestValidationError",
    "Response",
    "ResponseTooLargeError",
    "Secret",
    "Stream",
    "StreamError",
    "StreamInterruptedError",
    "UnprocessableEntityError",
    "ValidationError",
    "__version__",
]


# The message kinds only some revisions of the spec have (exported where the spec has them).
OPTIONAL_MESSAGES = ["FunctionMessage", "ToolMessage"]
# The message kinds of a revision with one model per role (ours); a revision whose roles share
# one message model (`roles_share_a_model`) has none of them, and may lack the system role (or,
# as a captioner's, have the user role alone).
CORE_MESSAGES = ["AssistantMessage", "SystemMessage", "UserMessage"]


def test_the_package_exports_exactly_the_public_names() -> None:
    """Besides the fixed names, the model of each message kind the spec has, and no other."""
    messages = spec.message_class_names()
    if not spec.roles_share_a_model():
        # One model per role, each named as the overlay names that role's message (a role the
        # overlay does not know, such as `developer`, is named from the structure: in __all__ below).
        named = {role: name for role, name in messages.items() if role in spec.MESSAGE_CLASS_OF_ROLE}
        assert named == {role: spec.MESSAGE_CLASS_OF_ROLE[role] for role in named}
    assert "user" in messages
    for name in [*CORE_MESSAGES, *OPTIONAL_MESSAGES]:
        assert spec.schema_present(name) == (name in messages.values()), name
    # Each message kind's model, once (a model the roles share; where the spec offers a list of
    # a shared model and one of per-role models, both kinds).
    public = sorted({*PUBLIC, *(name for name, _, _ in spec.message_kinds())})
    assert sorted(aimlapi_gemini.__all__) == public
    for name in public:
        assert getattr(aimlapi_gemini, name) is not None


def test_version_is_the_installed_distribution_version() -> None:
    assert aimlapi_gemini.__version__ == version("aimlapi-gemini")


def test_the_error_hierarchy_is_the_one_drawn_in_the_errors_docstring() -> None:
    parents = {
        errors.MissingAPIKeyError: errors.AimlApiError,
        errors.ConfigurationError: errors.AimlApiError,
        errors.APIError: errors.AimlApiError,
        errors.APIStatusError: errors.APIError,
        errors.BadRequestError: errors.APIStatusError,
        errors.AuthenticationError: errors.APIStatusError,
        errors.PermissionDeniedError: errors.APIStatusError,
        errors.NotFoundError: errors.APIStatusError,
        errors.UnprocessableEntityError: errors.APIStatusError,
        errors.RateLimitError: errors.APIStatusError,
        errors.InternalServerError: errors.APIStatusError,
        errors.APIConnectionError: errors.APIError,
        errors.APITimeoutError: errors.APIConnectionError,
        errors.DeadlineExceededError: errors.APITimeoutError,
        errors.APIResponseValidationError: errors.APIError,
        errors.StreamError: errors.APIError,
        errors.StreamInterruptedError: errors.StreamError,
        errors.ResponseTooLargeError: errors.APIError,
    }
    for error_class, parent in parents.items():
        assert error_class.__bases__ == (parent,), error_class
        assert error_class.__name__ in (errors.__doc__ or "")
    assert errors.AimlApiError.__bases__ == (Exception,)
    # A caller's malformed input is a ValueError, as Python code expects; found in a call's
    # parameters before sending, it is also the BadRequestError the API would have answered.
    assert errors.ValidationError.__bases__ == (ValueError,)
    assert errors.RequestValidationError.__bases__ == (errors.ValidationError, errors.BadRequestError)
    assert "ValidationError" in (errors.__doc__ or "")
    assert "RequestValidationError" in (errors.__doc__ or "")
    assert sorted(errors.__all__) == sorted(
        [
            *(c.__name__ for c in parents),
            "AimlApiError",
            "RequestValidationError",
            "UnexpectedStatus",
            "ValidationError",
        ]
    )


def test_the_operation_module_offers_every_calling_style() -> None:
    functions = ["sync", "sync_detailed", "asyncio", "asyncio_detailed", "stream", "astream"]
    for name in functions:
        parameters = inspect.signature(getattr(create_chat_completion, name)).parameters
        assert list(parameters) == [
            "client",
            "body",
            "timeout",
            "max_retries",
            "extra_headers",
            "deadline",
        ], name
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())
    assert inspect.iscoroutinefunction(create_chat_completion.asyncio)
