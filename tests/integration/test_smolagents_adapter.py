"""The smolagents adapter inside real ``ToolCallingAgent`` and ``CodeAgent`` runs, driven by a scripted model."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

smolagents = pytest.importorskip("smolagents")

from smolagents import AgentAudio, AgentImage, CodeAgent, ToolCallingAgent  # noqa: E402
from smolagents.models import (  # noqa: E402
    ChatMessage,
    ChatMessageToolCall,
    ChatMessageToolCallFunction,
    MessageRole,
    Model,
)

import hf_tools  # noqa: E402
from hf_tools.smolagents import HFSmolagentsTool, smolagents_tool, smolagents_tools  # noqa: E402
from hf_tools.testing import LoopbackServer, Reply  # noqa: E402
from hf_tools.testing.answers import png_bytes  # noqa: E402

QUIET = -1  # smolagents' LogLevel.OFF


class ScriptedModel(Model):  # type: ignore[misc]
    """A smolagents model that answers with the scripted messages in order and records what it was shown."""

    def __init__(self, replies: list[ChatMessage]) -> None:
        super().__init__(model_id="scripted")
        self.replies = list(replies)
        self.seen: list[str] = []

    def generate(self, messages: list[Any], stop_sequences: Any = None, **kwargs: Any) -> ChatMessage:
        self.seen.append("\n".join(_text(m) for m in messages))
        return self.replies.pop(0)


def _text(message: Any) -> str:
    content = message.content if isinstance(message, ChatMessage) else message.get("content")
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content)


def calls(*pairs: tuple[str, dict[str, Any]]) -> ChatMessage:
    tool_calls = [
        ChatMessageToolCall(
            id=f"call_{i}", type="function", function=ChatMessageToolCallFunction(name=name, arguments=args)
        )
        for i, (name, args) in enumerate(pairs)
    ]
    return ChatMessage(role=MessageRole.ASSISTANT, content="", tool_calls=tool_calls)


def code(source: str) -> ChatMessage:
    return ChatMessage(role=MessageRole.ASSISTANT, content=f"Thought: run it.\n<code>\n{source}\n</code>")


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


def settings(server: LoopbackServer, **extra: Any) -> dict[str, Any]:
    return {"base_url": server.base_url, "backoff_base": 0.001, "backoff_max": 0.002, "max_retries": 1, **extra}


def test_every_task_converts_with_nullable_optional_inputs() -> None:
    tools = smolagents_tools(hf_tools.HFToolkit())  # smolagents validates each schema on construction
    assert len(tools) == len(hf_tools.TASKS)
    translate = next(t for t in tools if t.name == "translation")
    assert translate.inputs["text"] == {"type": "string", "description": "The text to translate.", "minLength": 1}
    assert translate.inputs["src_lang"]["nullable"] is True and "anyOf" not in translate.inputs["src_lang"]
    assert {t.name: t.output_type for t in tools}["text_to_image"] == "image"
    draw = smolagents_tool("image-to-image")
    assert draw.inputs["image"]["type"] == "any"  # a path/URL from the model, or an AgentImage
    assert draw.inputs["target_size"]["properties"]["width"]["type"] == "integer"  # $ref inlined
    # other LangChain tools convert too (find_model's 'limit' has a default: nullable)
    finder = smolagents_tools(hf_tools.model_tools(["summarization"]))[0]
    assert finder.name == "find_model" and finder.inputs["limit"]["nullable"] is True


def test_tool_calling_agent_chains_text_image_and_detection(server: LoopbackServer) -> None:
    tools = hf_tools.HFToolkit(["summarization", "text-to-image", "object-detection"], **settings(server))
    model = ScriptedModel(
        [
            calls(("summarization", {"text": "Cats sleep a lot. They also eat."})),
            calls(("text_to_image", {"prompt": "a cat", "width": 64, "height": 48})),
            calls(("object_detection", {"image": "image.png", "threshold": None})),
            calls(("final_answer", {"answer": "image.png"})),
        ]
    )
    agent = ToolCallingAgent(tools=smolagents_tools(tools), model=model, verbosity_level=QUIET)
    result = agent.run("Summarize, draw and find objects.")
    assert isinstance(result, AgentImage) and result.to_raw().size == (64, 48)
    assert "Cats sleep a lot." in model.seen[1]  # the summary reached the model
    assert "Stored 'image.png' in memory." in model.seen[2]
    assert [r.task for r in server.requests] == ["summarization", "text-to-image", "object-detection"]
    sent = server.requests[-1].body["inputs"]  # the generated image went over the wire
    sent = sent if isinstance(sent, bytes) else base64.b64decode(sent)
    assert hf_tools.ImageArtifact.from_bytes(sent).width == 64
    assert "1 object: gray area (0.51) at [0, 0, 63, 47]" in model.seen[3]  # the detections, as short text


def test_tool_calling_agent_is_told_what_went_wrong_and_goes_on(server: LoopbackServer, tmp_path: Path) -> None:
    server.enqueue(hf_tools.TASKS["summarization"].default_model, Reply.error(503, "busy"), Reply.error(503, "busy"))
    tools = hf_tools.HFToolkit(
        ["translation", "summarization", "image-classification"], media_dirs=(str(tmp_path),), **settings(server)
    )
    model = ScriptedModel(
        [
            calls(("translation", {"text": "Good morning", "tgt_lang": "de"})),
            calls(("image_classification", {"image": str(tmp_path.parent / "elsewhere" / "cat.png")})),
            calls(("summarization", {"text": "A. B."})),
            calls(("translation", {"text": "Good morning"})),
            calls(("final_answer", {"answer": "done"})),
        ]
    )
    agent = ToolCallingAgent(tools=smolagents_tools(tools), model=model, verbosity_level=QUIET)
    assert agent.run("Try things.") == "done"
    assert "tgt_lang: give both src_lang and tgt_lang, or neither" in model.seen[1]
    # smolagents quotes the model's own arguments; what hf_tools says shows no machine path
    assert "ToolException: the media path '…/cat.png' is outside the allowed media folders" in model.seen[2]
    assert "summarization with model 'facebook/bart-large-cnn' failed: HTTP 503, server error: busy" in model.seen[3]
    assert "Retrying later may help" in model.seen[3]
    assert [r.task for r in server.requests] == ["summarization", "summarization", "translation"]


def test_code_agent_calls_tools_as_functions(server: LoopbackServer, tmp_path: Path) -> None:
    (tmp_path / "photo.png").write_bytes(png_bytes(32, 32))
    kit = hf_tools.HFToolkit(
        ["summarization", "text-to-image", "image-classification"], media_dirs=(str(tmp_path),), **settings(server)
    )
    model = ScriptedModel(
        [
            code(
                "summary = summarization('Cats sleep a lot. They also eat.')\n"
                "picture = text_to_image(prompt=summary, width=40, height=30)\n"
                f"labels = image_classification(image=picture)\nprint(labels)\n"
                f"print(image_classification(image={str(tmp_path / 'photo.png')!r}))\n"
                "final_answer(picture)"
            )
        ]
    )
    agent = CodeAgent(tools=smolagents_tools(kit), model=model, verbosity_level=QUIET)
    result = agent.run("Draw the summary.")
    assert isinstance(result, AgentImage) and result.to_raw().size == (40, 30)
    assert [r.task for r in server.requests] == [
        "summarization",
        "text-to-image",
        "image-classification",
        "image-classification",
    ]


def test_code_agent_gets_structured_outputs_and_errors(server: LoopbackServer) -> None:
    kit = hf_tools.HFToolkit(["text-classification"], **settings(server))
    tools = smolagents_tools(kit, structured=True)
    assert tools[0].output_type == "object" and tools[0].output_schema["required"] == ["result"]
    model = ScriptedModel(
        [
            code("text_classification(text='')"),
            code("labels = text_classification(text='I love it')\nfinal_answer(labels['result'][0]['label'])"),
        ]
    )
    agent = CodeAgent(tools=tools, model=model, verbosity_level=QUIET)
    assert agent.run("Classify.") == "POSITIVE"
    assert "text: String should have at least 1 character" in model.seen[1]
    assert len(server.requests) == 1


def test_speech_comes_back_as_agent_audio_and_feeds_the_next_tool(server: LoopbackServer) -> None:
    pytest.importorskip("soundfile")
    pytest.importorskip("torch")
    kit = hf_tools.HFToolkit(["text-to-speech", "automatic-speech-recognition"], **settings(server))
    model = ScriptedModel(
        [
            calls(("text_to_speech", {"text": "hello there"})),
            calls(("automatic_speech_recognition", {"audio": "audio.mp3"})),
            calls(("final_answer", {"answer": "audio.mp3"})),
        ]
    )
    tools = smolagents_tools(kit)
    assert {t.name: t.output_type for t in tools}["text_to_speech"] == "audio"
    agent = ToolCallingAgent(tools=tools, model=model, verbosity_level=QUIET)
    result = agent.run("Say it, then transcribe it.")
    assert isinstance(agent.state["audio.mp3"], AgentAudio)
    assert Path(str(result)).read_bytes()[:4] == b"RIFF"  # smolagents hands a final audio answer back as its file
    assert [r.task for r in server.requests] == ["text-to-speech", "automatic-speech-recognition"]
    assert "Stored 'audio.mp3' in memory." in model.seen[1]
    sent = server.requests[-1].body["inputs"]  # the generated speech went to the recognizer
    assert (sent if isinstance(sent, bytes) else base64.b64decode(sent))[:4] == b"RIFF"


def test_the_adapter_wraps_any_langchain_tool(server: LoopbackServer) -> None:
    finder = HFSmolagentsTool(hf_tools.tool("fill-mask", **settings(server)))
    assert finder("Paris is the [MASK] of France.").startswith("paris (0.60), london (0.30)")
