"""Ready-made agent configurations: the task router and the multimodal assistant.

Both are :func:`agents.tool_agent.create_hf_agent` with a chosen set of tools and a system
prompt that tells the model which tool fits which request.

Example:
    >>> from hf_tools.agents import create_task_router_agent
    >>> from hf_tools.testing import LoopbackServer
    >>> from hf_tools.testing.chat import chat_reply
    >>> with LoopbackServer() as server:
    ...     server.enqueue("Qwen/Qwen2.5-7B-Instruct",
    ...                    chat_reply(tool_calls=[("text_classification", {"text": "I love it"})]),
    ...                    chat_reply("The review is positive."))
    ...     agent = create_task_router_agent(base_url=server.base_url)
    ...     state = agent.invoke({"messages": [("user", "Is this review positive? 'I love it'")]})
    >>> [m.type for m in state["messages"]], state["messages"][2].content
    (['human', 'ai', 'tool', 'ai'], 'POSITIVE (0.97), NEGATIVE (0.03)')

"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel

from hf_tools.tasks import TASKS

from .tool_agent import create_hf_agent

__all__ = [
    "MULTIMODAL_PROMPT",
    "MULTIMODAL_TASKS",
    "ROUTER_PROMPT",
    "ROUTER_TASKS",
    "create_multimodal_assistant",
    "create_task_router_agent",
]

ROUTER_TASKS: tuple[str, ...] = (
    "text-classification",
    "zero-shot-classification",
    "summarization",
    "translation",
    "question-answering",
    "token-classification",
    "object-detection",
    "image-classification",
    "automatic-speech-recognition",
)

ROUTER_PROMPT = """You route each request to the one specialised tool that fits it, then answer \
from the tool's result.
- sentiment or a fixed label set -> text_classification; labels the user names -> \
zero_shot_classification
- "summarize", "tl;dr", shorten -> summarization
- translate into another language -> translation (set src_lang/tgt_lang when known)
- a question about a given text -> question_answering
- names of people, places, organisations -> token_classification
- what is in a picture -> object_detection or image_classification
- what is said in a recording -> automatic_speech_recognition
Call a tool only with the user's own text or file. If a tool fails, say so briefly and, if \
another tool fits, try it. Answer in one or two sentences."""

MULTIMODAL_TASKS: tuple[str, ...] = (
    "text-to-image",
    "image-to-image",
    "object-detection",
    "image-classification",
    "image-segmentation",
    "image-to-text",
    "visual-question-answering",
    "document-question-answering",
    "text-to-speech",
    "automatic-speech-recognition",
    "audio-classification",
)

MULTIMODAL_PROMPT = """You are a multimodal assistant. You can create and edit images, find \
and label what is in them, read documents, answer questions about pictures, transcribe and \
classify audio, and speak text aloud, each through a tool. Images the tools return are shown \
to you after the tool call; describe what matters to the user. Mention files you produced \
(images, audio) so the user knows they exist. If a tool fails, explain it briefly and try \
another way."""


def _registered(tasks: Sequence[str]) -> list[str]:
    return [task for task in tasks if task in TASKS]


def create_task_router_agent(
    model: BaseChatModel | None = None,
    *,
    tasks: Sequence[str] | None = None,
    system_prompt: str = ROUTER_PROMPT,
    **kwargs: Any,
) -> Any:
    """An agent that picks the classifier, summarizer, translator, detector... a request needs.

    Args:
        model: the chat model (default ``ChatHFInference`` with the same settings).
        tasks: the tasks to offer (default :data:`ROUTER_TASKS`, those registered).
        system_prompt: the routing instructions.
        **kwargs: anything :func:`~agents.tool_agent.create_hf_agent` takes (``models``,
            ``checkpointer``, ``max_steps``, settings such as ``base_url``...).

    """
    chosen = list(tasks) if tasks is not None else _registered(ROUTER_TASKS)
    return create_hf_agent(model, tasks=chosen, system_prompt=system_prompt, **kwargs)


def create_multimodal_assistant(
    model: BaseChatModel | None = None,
    *,
    tasks: Sequence[str] | None = None,
    system_prompt: str = MULTIMODAL_PROMPT,
    offer_images: bool | None = True,
    **kwargs: Any,
) -> Any:
    """An assistant with the image and audio tools that sees the images they return.

    Args:
        model: the chat model; use a vision model to benefit from ``offer_images``.
        tasks: the tasks to offer (default :data:`MULTIMODAL_TASKS`, those registered).
        system_prompt: the assistant's instructions.
        offer_images: show the tools' images to the model as image content blocks.
        **kwargs: anything :func:`~agents.tool_agent.create_hf_agent` takes.

    """
    chosen = list(tasks) if tasks is not None else _registered(MULTIMODAL_TASKS)
    return create_hf_agent(model, tasks=chosen, system_prompt=system_prompt, offer_images=offer_images, **kwargs)
