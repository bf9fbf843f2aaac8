"""The tool agent: ``langchain.agents.create_agent`` with the hf_tools tools and three middlewares.

* :class:`MediaArtifactMiddleware` keeps the images, audio and video that tools return in the
  agent state (``state["media"]``) and, for a model that accepts images, shows the images to it as
  content blocks on its next call.
* :func:`hf_tool_error_middleware` turns an :class:`~hf_tools.errors.HFError` raised inside a
  tool (rate limit, model not found, server error, ...) into an error ``ToolMessage`` the model
  can read and recover from; any other exception still propagates.
* ``max_steps`` caps the model calls of one run (``ModelCallLimitMiddleware``).

Example:
    >>> from hf_tools.agents import create_hf_agent
    >>> from hf_tools.testing import LoopbackServer
    >>> with LoopbackServer() as server:
    ...     agent = create_hf_agent(base_url=server.base_url, tasks=["summarization"], max_steps=3)
    ...     state = agent.invoke({"messages": [("user", "Hello")]})
    >>> state["messages"][-1].content
    'You said: Hello'

"""

from __future__ import annotations

import operator
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, cast

from langchain.agents import create_agent
from langchain.agents.middleware import (
    AgentMiddleware,
    AgentState,
    ModelCallLimitMiddleware,
    ModelRequest,
    ModelResponse,
    ToolErrorMiddleware,
)
from langchain.agents.middleware.types import ToolCallRequest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.runtime import Runtime
from langgraph.types import Checkpointer
from typing_extensions import NotRequired, TypedDict

from hf_tools.chat_models import ChatHFInference
from hf_tools.errors import HFError, HFInputError
from hf_tools.settings import split_settings
from hf_tools.tool_output import find_media
from hf_tools.tools import HFToolkit

__all__ = [
    "HFAgentState",
    "MediaArtifactMiddleware",
    "MediaItem",
    "create_hf_agent",
    "find_media",
    "hf_tool_error_middleware",
    "tool_error_content",
]


class MediaItem(TypedDict):
    """One image, audio or video file a tool returned (kept in ``state["media"]``).

    ``kind`` is ``"image"``, ``"audio"`` or ``"video"``.
    """

    tool: str
    tool_call_id: str
    kind: str
    mime_type: str
    base64: str


class HFAgentState(AgentState[Any]):
    """The agent state plus ``media``: every image/audio/video artifact tools returned, in order."""

    media: NotRequired[Annotated[list[MediaItem], operator.add]]


def _kind(mime_type: str) -> str:
    """``"image"``, ``"video"`` or ``"audio"`` (the kind of every other file a task returns)."""
    family = mime_type.partition("/")[0]
    return family if family in ("image", "video") else "audio"


def _accepts_images(model: BaseChatModel) -> bool:
    profile = getattr(model, "profile", None) or {}
    return bool(profile.get("image_inputs"))


class MediaArtifactMiddleware(AgentMiddleware[HFAgentState, Any, Any]):
    """Keep tools' image/audio/video artifacts in ``state["media"]``; show images to a vision model.

    Args:
        offer_images: add the images tools returned to the model's input as image content
            blocks (``None``: when the model's profile says it accepts images).
        max_images: at most this many (the latest) images are shown per model call.

    Example:
        >>> MediaArtifactMiddleware(offer_images=True).state_schema is HFAgentState
        True

    """

    state_schema = HFAgentState

    def __init__(self, offer_images: bool | None = None, max_images: int = 4) -> None:
        super().__init__()
        self.offer_images = offer_images
        self.max_images = max_images

    def before_model(self, state: HFAgentState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        known = {item["tool_call_id"] for item in state.get("media", [])}
        new: list[MediaItem] = []
        for message in state["messages"]:
            if not isinstance(message, ToolMessage) or message.tool_call_id in known:
                continue
            for media in find_media(message.artifact):
                kind = _kind(media.mime_type)
                new.append(
                    MediaItem(
                        tool=message.name or "",
                        tool_call_id=message.tool_call_id,
                        kind=kind,
                        mime_type=media.mime_type,
                        base64=media.base64(),
                    )
                )
        return {"media": new} if new else None

    async def abefore_model(self, state: HFAgentState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        return self.before_model(state, runtime)

    def _with_images(self, request: ModelRequest[Any]) -> ModelRequest[Any]:
        offer = self.offer_images if self.offer_images is not None else _accepts_images(request.model)
        media: list[MediaItem] = list(cast("list[MediaItem]", request.state.get("media") or []))
        images = [item for item in media if item["kind"] == "image"][-self.max_images :]
        if not offer or not images:
            return request
        blocks: list[str | dict[str, Any]] = [
            {"type": "text", "text": "Images returned by the tools so far, latest last:"}
        ]
        for item in images:
            blocks.append({"type": "text", "text": f"from {item['tool']} (call {item['tool_call_id']}):"})
            blocks.append({"type": "image", "base64": item["base64"], "mime_type": item["mime_type"]})
        messages: list[AnyMessage] = [*request.messages, HumanMessage(content=blocks)]
        return request.override(messages=messages)

    def wrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], ModelResponse[Any]]
    ) -> ModelResponse[Any]:
        return handler(self._with_images(request))

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any]:
        return await handler(self._with_images(request))


def tool_error_content(error: Exception, request: ToolCallRequest) -> str | None:
    """Error text for the model when an hf_tools tool fails; None lets other errors propagate.

    The text names the error class and carries its (token-free) message, so the model can
    retry with other arguments, pick another tool or answer without it.
    """
    if not isinstance(error, HFError):
        return None
    name = request.tool_call["name"]
    return (
        f"Error: the tool {name!r} failed with {type(error).__name__}: {error}. "
        "Fix the arguments and retry, use another tool, or answer without it."
    )


def hf_tool_error_middleware() -> ToolErrorMiddleware[Any, Any]:
    """A ``ToolErrorMiddleware`` that returns :class:`~hf_tools.errors.HFError` s to the model."""
    return ToolErrorMiddleware(on_error=tool_error_content)


def create_hf_agent(
    model: BaseChatModel | None = None,
    tools: Sequence[BaseTool | Callable[..., Any] | dict[str, Any]] | None = None,
    *,
    system_prompt: str | None = None,
    checkpointer: Checkpointer | None = None,
    max_steps: int | None = 10,
    tasks: Sequence[str] | None = None,
    models: dict[str, str] | None = None,
    offer_images: bool | None = None,
    middleware: Sequence[AgentMiddleware[Any, Any, Any]] = (),
    name: str | None = None,
    **settings: Any,
) -> Any:
    """An agent on ``langchain.agents.create_agent`` with the hf_tools tools.

    Args:
        model: any chat model; default ``ChatHFInference`` with those of ``settings`` a chat
            model uses (``token``, ``base_url``, ``provider``, timeouts and retries).
        tools: the tools; default one tool per task of ``HFToolkit(tasks, models, **settings)``.
        system_prompt: the system prompt.
        checkpointer: a LangGraph checkpointer for memory across calls (pass a ``thread_id``).
        max_steps: most model calls per run (None: no limit); the run then ends with a note.
        tasks: the tasks of the default toolkit (default: all).
        models: ``{task: model id}`` for the default toolkit.
        offer_images: show tools' images to the model (None: if its profile accepts images).
        middleware: more middleware, run inside the ones added here.
        name: the agent's name.
        **settings: :class:`~hf_tools.settings.HFSettings` fields for the default toolkit
            (``token``, ``base_url``, ``provider``, ``media_dirs``, ...); the default model
            gets the ones it takes.

    Returns:
        The compiled LangGraph agent; its state has ``messages`` and ``media``.

    Raises:
        HFInputError: unknown settings or task names.

    """
    connection, rest = split_settings(settings)
    if rest:
        raise HFInputError(f"unknown arguments for create_hf_agent: {sorted(rest)}")
    if model is None:
        model = ChatHFInference(**{k: v for k, v in connection.items() if k in ChatHFInference.model_fields})
    if tools is None:
        tools = HFToolkit(tasks=tasks, models=models, **connection).get_tools()
    stack: list[AgentMiddleware[Any, Any, Any]] = [hf_tool_error_middleware(), MediaArtifactMiddleware(offer_images)]
    if max_steps is not None:
        stack.append(ModelCallLimitMiddleware(run_limit=max_steps, exit_behavior="end"))
    stack.extend(middleware)
    return create_agent(
        model,
        tools=list(tools),
        system_prompt=system_prompt,
        middleware=stack,
        checkpointer=checkpointer,
        name=name,
    )
