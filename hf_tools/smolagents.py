"""The hf_tools tools as smolagents ``Tool`` s (extra ``smolagents``).

``smolagents.Tool.from_langchain`` cannot take these tools: it copies LangChain's argument schema
as is, and smolagents refuses an optional field written as JSON schema ``anyOf``. The adapter
here writes smolagents' own schema instead: every input has a ``type`` and a ``description``,
optional ones are ``"nullable": true`` (left out, the task's default applies), media inputs are
``"any"`` (a path, URL, data URI or base64 from the model, or an ``AgentImage``/``AgentAudio`` an
earlier tool returned). Each call runs the LangChain tool, so the guards stay the same: arguments
are validated before any request, media paths must lie inside ``media_dirs``, private URLs are
refused, and any refusal or failure reaches the agent as an error with one clear message.

Outputs: ``AgentImage`` for generated images, ``AgentAudio`` for speech (a WAV file; needs
``soundfile`` and ``torch``, else the saved file's path as text), a generated video's file path
(smolagents has no video type: the provider's exact bytes, saved in ``media_output_dir`` when set,
else in a new temporary folder), and for other tasks the same short text a LangChain agent sees,
or with ``structured=True`` a dict described by ``output_schema``.

Example:
    >>> import hf_tools
    >>> from hf_tools.smolagents import smolagents_tool
    >>> translate = smolagents_tool(hf_tools.tool("translation"))
    >>> translate.inputs["text"]["type"], translate.inputs["tgt_lang"]["nullable"], translate.output_type
    ('string', True, 'string')
    >>> smolagents_tool(hf_tools.tool("text-to-image")).output_type
    'image'
    >>> smolagents_tool(hf_tools.tool("text-to-video")).output_type  # the video file's path
    'string'

"""

from __future__ import annotations

import copy
import importlib.util
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool, ToolException
from smolagents import AgentAudio, AgentImage, Tool  # type: ignore[import-untyped]

from hf_tools.media import AudioArtifact, ImageArtifact, MediaArtifact, VideoArtifact
from hf_tools.tool_feedback import media_roots
from hf_tools.tool_output import structured_schema, structured_value
from hf_tools.tools import HFTaskTool, HFToolkit, tool

__all__ = ["HFSmolagentsTool", "smolagents_inputs", "smolagents_tool", "smolagents_tools"]


def _audio_supported() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("soundfile", "torch"))


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with every local ``$ref`` replaced by its definition."""
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {**target, **{k: _inline(v, defs) for k, v in node.items() if k != "$ref"}}
    return {key: _inline(value, defs) for key, value in node.items() if key != "title"}


def _input(name: str, prop: dict[str, Any], *, required: bool, media: bool) -> dict[str, Any]:
    out = {key: value for key, value in prop.items() if key not in ("anyOf", "default")}
    nullable = not required
    options = prop.get("anyOf")
    if isinstance(options, list):
        kept = [option for option in options if option.get("type") != "null"]
        nullable = nullable or len(kept) < len(options)
        if len(kept) == 1:
            out = {**kept[0], **out}
        else:
            types = list(dict.fromkeys(option.get("type") for option in kept))
            out["type"] = types if all(isinstance(t, str) for t in types) else "any"
    if media:
        out["type"] = "any"  # a string from the model, or an AgentImage/AgentAudio from an earlier tool
    head = {
        "type": out.pop("type", "any"),
        "description": out.pop("description", name.replace("_", " ").capitalize() + "."),
    }
    return {**head, **out, **({"nullable": True} if nullable else {})}


def smolagents_inputs(schema: dict[str, Any], media_fields: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """The smolagents ``inputs`` of a tool whose arguments have the JSON ``schema``.

    Example:
        >>> from hf_tools import TASKS
        >>> inputs = smolagents_inputs(TASKS["summarization"].input_model.model_json_schema())
        >>> inputs["clean_up_tokenization_spaces"]
        {'type': 'boolean', 'description': 'Tidy spaces.', 'nullable': True}

    """
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    media = set(media_fields)
    return {
        name: _input(name, _inline(prop, defs), required=name in required, media=name in media)
        for name, prop in schema.get("properties", {}).items()
    }


def _media_fields(lc_tool: BaseTool) -> list[str]:
    if not isinstance(lc_tool, HFTaskTool):
        return []
    hook = lc_tool.runnable.spec.hook
    return list(getattr(hook, "inputs", {}) or {})


def _args_schema(lc_tool: BaseTool) -> dict[str, Any]:
    schema = lc_tool.tool_call_schema
    if isinstance(schema, dict):
        return copy.deepcopy(schema)
    if hasattr(schema, "model_json_schema"):
        return schema.model_json_schema()
    return dict(schema.schema())  # a pydantic v1 model


class HFSmolagentsTool(Tool):  # type: ignore[misc]
    """A LangChain tool (an hf_tools task tool, ``find_model``, a retriever tool, ...) as a smolagents ``Tool``.

    Args:
        lc_tool: the LangChain tool to run.
        structured: for a task that returns no media, return the typed output as a dict (its
            JSON schema is ``output_schema``) instead of the short text.

    A video task's output is the path of the video file (``output_type`` ``"string"``), with or
    without ``structured``.

    Example:
        >>> import hf_tools
        >>> HFSmolagentsTool(hf_tools.tool("image-to-video"), structured=True).output_type
        'string'

    """

    skip_forward_signature_validation = True

    def __init__(self, lc_tool: BaseTool, *, structured: bool = False) -> None:
        super().__init__()
        self.lc_tool = lc_tool
        self.name = lc_tool.name
        self.description = lc_tool.description
        self.inputs = smolagents_inputs(_args_schema(lc_tool), _media_fields(lc_tool))
        self._output_type: Any = lc_tool.runnable.spec.output_type if isinstance(lc_tool, HFTaskTool) else None
        self._structured = False
        if self._output_type is ImageArtifact:
            self.output_type = "image"
        elif self._output_type is AudioArtifact and _audio_supported():
            self.output_type = "audio"
        elif self._output_type is VideoArtifact:
            self.output_type = "string"  # the video file's path: smolagents has no video type
        elif structured and self._output_type is not None:
            self.output_type = "object"
            self.output_schema = structured_schema(self._output_type)
            self._structured = True
        else:
            self.output_type = "string"
        self.is_initialized = True

    def __call__(self, *args: Any, sanitize_inputs_outputs: bool = False, **kwargs: Any) -> Any:
        # Media an earlier tool returned (agent state, or a variable in a CodeAgent) is handed over
        # as its bytes/image before smolagents would turn AgentAudio into a tensor.
        args = tuple(_unwrap(value) for value in args)
        kwargs = {key: _unwrap(value) for key, value in kwargs.items()}
        return super().__call__(*args, sanitize_inputs_outputs=sanitize_inputs_outputs, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        names = list(self.inputs)
        if len(args) > len(names):
            raise ToolException(f"{self.name} takes at most {len(names)} positional arguments")
        arguments = {**dict(zip(names, args, strict=False)), **kwargs}
        arguments = {key: value for key, value in arguments.items() if value is not None}
        message = self.lc_tool.invoke(
            {"type": "tool_call", "id": f"smolagents-{uuid.uuid4().hex[:12]}", "name": self.name, "args": arguments}
        )
        if not isinstance(message, ToolMessage):  # a tool without a tool-call id path
            return str(message)
        if message.status == "error":
            raise ToolException(str(message.content))
        return self._output(message)

    def _output(self, message: ToolMessage) -> Any:
        artifact = message.artifact
        if self.output_type == "image" and isinstance(artifact, ImageArtifact):
            return AgentImage(artifact.to_pil())
        if self.output_type == "audio" and isinstance(artifact, AudioArtifact):
            # AgentAudio(path, samplerate=...) fails in smolagents 1.26 (str.__new__ gets the keyword);
            # the rate is read from the WAV file when the audio is loaded.
            return AgentAudio(str(_media_file(artifact)))
        if isinstance(artifact, VideoArtifact):
            return str(_media_file(artifact))
        if self._structured:
            settings = self.lc_tool.runnable.settings if isinstance(self.lc_tool, HFTaskTool) else None
            return structured_value(artifact, self._output_type, media_roots(settings))
        return str(message.content)


def _unwrap(value: Any) -> Any:
    if isinstance(value, AgentAudio):
        return Path(value.to_string()).read_bytes()
    if isinstance(value, AgentImage):
        return value.to_raw()
    return value


def _media_file(artifact: MediaArtifact) -> Path:
    """Where the artifact's bytes are: the file it was saved to, else a new file in a new temporary folder."""
    if artifact.path:
        return Path(artifact.path)
    folder = Path(tempfile.mkdtemp(prefix="hf_tools_media_"))
    return artifact.save(folder)


def smolagents_tool(task_or_tool: str | BaseTool, *, structured: bool = False, **options: Any) -> HFSmolagentsTool:
    """One tool as a smolagents ``Tool``.

    Args:
        task_or_tool: a task name (the tool is ``hf_tools.tool(task, **options)``) or any LangChain tool.
        structured: return the typed output of a text task as a dict instead of short text.
        **options: for a task name, ``model``, ``name``, ``description`` and any settings field.

    """
    lc_tool = tool(task_or_tool, **options) if isinstance(task_or_tool, str) else task_or_tool
    return HFSmolagentsTool(lc_tool, structured=structured)


def smolagents_tools(tools: HFToolkit | Iterable[BaseTool], *, structured: bool = False) -> list[HFSmolagentsTool]:
    """Each tool of a toolkit (or each LangChain tool) as a smolagents ``Tool``.

    Example:
        >>> import hf_tools
        >>> from hf_tools.smolagents import smolagents_tools
        >>> [t.name for t in smolagents_tools(hf_tools.HFToolkit(tasks=["summarization"]))]
        ['summarization']

    """
    chosen = tools.get_tools() if isinstance(tools, HFToolkit) else tools
    return [HFSmolagentsTool(lc_tool, structured=structured) for lc_tool in chosen]
