"""How a task is answered through ``chat_completion`` when no provider serves it directly.

Today's router serves raw text-generation nowhere (the same models are served as chat) and
image-to-text, visual and document question answering hardly at all (Hugging Face points to
vision-language chat models). A task declares a :class:`ChatFallback` to say how its call
becomes one chat request and how the reply becomes the task's typed output:

* :data:`TEXT_GENERATION`: the prompt is one user message; ``max_new_tokens`` → ``max_tokens``,
  ``temperature``, ``top_p``, ``stop`` and ``seed`` map across; the output stays ``str``;
* :func:`vision` fallbacks: the image is an ``image_url`` part (a data URI of the checked bytes)
  next to a fixed instruction, sent to the ``vision_model`` setting (or to the task's model
  when that one is a chat model); scores are ``None`` (a chat model gives none).

Example:
    >>> TEXT_GENERATION.options({"prompt": "Hi", "max_new_tokens": 5, "top_k": 3})
    {'max_tokens': 5}
    >>> TEXT_GENERATION.messages({"prompt": "Once upon a time"})
    [{'role': 'user', 'content': 'Once upon a time'}]

"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from huggingface_hub import (
    DocumentQuestionAnsweringOutputElement,
    ImageToTextOutput,
    VisualQuestionAnsweringOutputElement,
)

from hf_tools.media.sniff import sniff

__all__ = ["TEXT_GENERATION", "ChatFallback", "vision"]

# Options of text-generation that mean the same in a chat request (text-generation name → chat name).
_TEXT_OPTIONS = {
    "max_new_tokens": "max_tokens",
    "temperature": "temperature",
    "top_p": "top_p",
    "stop": "stop",
    "seed": "seed",
}


@dataclass(frozen=True)
class ChatFallback:
    """A task answered through a chat model.

    Attributes:
        model: ``"task"``: the task's own model, served as chat; ``"vision"``: the
            ``vision_model`` setting when the task's model is not served at all.
        messages: the call's keyword arguments → the chat messages.
        options: the call's keyword arguments → more ``chat_completion`` arguments.
        output: (the reply's text, the call's keyword arguments) → the task's output.
        may_lack: output fields a chat reply cannot give (scores, offsets): the task's answer
            check (:mod:`hf_tools.tasks.shape`) lets them be None.

    """

    model: Literal["task", "vision"]
    messages: Callable[[dict[str, Any]], list[dict[str, Any]]]
    options: Callable[[dict[str, Any]], dict[str, Any]]
    output: Callable[[str, dict[str, Any]], Any]
    may_lack: frozenset[str] = frozenset()


def _text_messages(kwargs: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"role": "user", "content": kwargs["prompt"]}]


def _text_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {chat: kwargs[name] for name, chat in _TEXT_OPTIONS.items() if kwargs.get(name) is not None}


TEXT_GENERATION = ChatFallback(
    model="task", messages=_text_messages, options=_text_options, output=lambda text, kwargs: text
)


def _data_uri(data: Any) -> str:
    raw = bytes(data)
    found = sniff(raw)
    mime = found.mime_type if found is not None else "image/png"
    return f"data:{mime};base64,{base64.b64encode(raw).decode()}"


def _image_messages(instruction: Callable[[dict[str, Any]], str]) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    def messages(kwargs: dict[str, Any]) -> list[dict[str, Any]]:
        content = [
            {"type": "image_url", "image_url": {"url": _data_uri(kwargs["image"])}},
            {"type": "text", "text": instruction(kwargs)},
        ]
        return [{"role": "user", "content": content}]

    return messages


CAPTION = "Describe this image in one sentence. Reply with the sentence only."
ANSWER_IMAGE = "Answer the question about this image in a few words, with no explanation.\nQuestion: {question}"
ANSWER_PAGE = (
    "This image is a document page. Answer the question with the words as written on the page,"
    " in a few words, with no explanation.\nQuestion: {question}"
)


def _clean(text: str) -> str:
    return text.strip().strip('"').strip()


def _caption(text: str, kwargs: dict[str, Any]) -> ImageToTextOutput:
    return ImageToTextOutput(generated_text=_clean(text))


def _vqa(text: str, kwargs: dict[str, Any]) -> list[VisualQuestionAnsweringOutputElement]:
    return [VisualQuestionAnsweringOutputElement(answer=_clean(text), score=None)]  # type: ignore[arg-type]


def _dqa(text: str, kwargs: dict[str, Any]) -> list[DocumentQuestionAnsweringOutputElement]:
    return [DocumentQuestionAnsweringOutputElement(answer=_clean(text), score=None, start=None, end=None)]  # type: ignore[arg-type]


_VISION = {
    "image-to-text": (lambda kwargs: CAPTION, _caption),
    "visual-question-answering": (lambda kwargs: ANSWER_IMAGE.format(question=kwargs["question"]), _vqa),
    "document-question-answering": (lambda kwargs: ANSWER_PAGE.format(question=kwargs["question"]), _dqa),
}


def vision(task: str) -> ChatFallback:
    """The vision-language chat fallback of ``task`` (image-to-text, visual or document QA).

    Example:
        >>> fallback = vision("visual-question-answering")
        >>> fallback.output(" red ", {})[0].answer
        'red'

    """
    instruction, output = _VISION[task]
    return ChatFallback(
        model="vision",
        messages=_image_messages(instruction),
        options=lambda kwargs: {},
        output=output,
        may_lack=frozenset({"score", "start", "end"}),
    )
