"""The Gradio page: one tab per task family, one sub-tab per task, all generated from the registry."""

from __future__ import annotations

import os
import tempfile
import typing
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hf_tools.tasks import TASKS, TaskSpec

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # no usage reports, no version check: before Gradio loads

import gradio as gr

from hf_tools.errors import HFInputError
from hf_tools.media.source import parse_media
from hf_tools.playground.calls import error_text, run_call
from hf_tools.playground.code import call_code
from hf_tools.playground.documents import DocumentDesk
from hf_tools.playground.forms import FormField, form_fields, input_from_form
from hf_tools.playground.live import JobHandle, run_job_call
from hf_tools.playground.views import View, output_views, raw_output, view_values

__all__ = ["CSS", "FAMILIES", "PlaygroundConfig", "build_app", "chat_code", "family_of", "theme"]

FAMILIES = ("Text", "Images", "Audio", "Video", "Tables")
"""The task tabs, in page order; :func:`family_of` puts each task in one."""

_VIEW_ORDER: tuple[View, ...] = ("label", "highlight", "image", "segments", "audio", "video", "table")


def family_of(spec: TaskSpec) -> str:
    """The tab a task belongs in, from what it takes and gives.

    Example:
        >>> family_of(TASKS["object-detection"]), family_of(TASKS["summarization"])
        ('Images', 'Text')

    """
    kinds = {f.kind for f in form_fields(spec)}
    views = output_views(spec)
    if "video" in views:
        return "Video"
    if "audio" in kinds or "audio" in views:
        return "Audio"
    if "image" in kinds or views & {"image", "segments"}:
        return "Images"
    if "table" in kinds:
        return "Tables"
    return "Text"


@dataclass
class PlaygroundConfig:
    """What the page calls and shows.

    Attributes:
        settings: :class:`~hf_tools.settings.HFSettings` fields every call gets (``base_url`` in
            the demo); never the token, which calls read from the environment.
        demo: calls go to a loopback server with canned answers (the page says so).
        hub_search: offer "Find served models" (asks the Hub; off in the demo).
        documents: the document tab's desk, or None for no document tab.
        media_dir: where generated media are written for the page to serve.
        job_settings: the settings of long jobs (the Video tab: progress shown, a Cancel button);
            None: ``settings``. The demo sends them to a loopback router running provider jobs.
        chat: keyword arguments of :class:`~hf_tools.ChatHFInference` for the chat tab (``{}``:
            its default model through the router); None: no chat tab.

    """

    settings: dict[str, Any] = field(default_factory=dict)
    demo: bool = False
    hub_search: bool = True
    documents: DocumentDesk | None = None
    media_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hf-tools-playground-")))
    job_settings: dict[str, Any] | None = None
    chat: dict[str, Any] | None = field(default_factory=dict)


CSS = """
.hf-error p { color: #b00020; font-weight: 600; }
.hf-route p { color: #444; font-size: 0.9em; }
"""


def theme() -> Any:
    """Gradio's default look with system fonts: the page loads nothing from outside the server."""
    system = ["ui-sans-serif", "system-ui", "sans-serif"]
    return gr.themes.Default(font=system, font_mono=["ui-monospace", "monospace"])


@dataclass
class _Widget:
    field: FormField
    components: list[Any]  # a media field has two: the uploaded file and a URL/path/data-URI text


def _widget(form_field: FormField, folder: Path, tool: str) -> _Widget:
    label = form_field.name + ("" if form_field.required else " (optional)")
    info = form_field.description
    elem = f"{tool}-{form_field.name}"
    kind = form_field.kind
    if kind in ("image", "audio"):
        initial = None
        if isinstance(form_field.initial, str):
            source = parse_media(form_field.initial, kind)
            if isinstance(source.value, bytes):
                path = folder / f"example-{tool}-{form_field.name}.{'png' if kind == 'image' else 'wav'}"
                path.write_bytes(source.value)
                initial = str(path)
        upload = gr.File(label=f"{label}: upload a file", value=initial, type="filepath", elem_id=f"{elem}-file")
        text = gr.Textbox(
            label=f"{label}: or a URL, path or data URI",
            info="Used when no file is uploaded; read under the same media guards as in Python.",
            elem_id=elem,
        )
        return _Widget(form_field, [upload, text])
    if kind == "text":
        component: Any = gr.Textbox(
            label=label, info=info, value=form_field.initial, lines=3 if form_field.long else 1, elem_id=elem
        )
    elif kind in ("int", "float"):
        bounds = []
        if form_field.minimum is not None:
            bounds.append(f"≥ {form_field.minimum:g}")
        if form_field.maximum is not None:
            bounds.append(f"≤ {form_field.maximum:g}")
        component = gr.Number(
            label=label,
            info=f"{info} {' '.join(bounds)}".strip(),
            value=form_field.initial,
            precision=0 if kind == "int" else None,
            elem_id=elem,
        )
    elif kind == "bool":
        component = gr.Dropdown(
            ["", "true", "false"], value=form_field.initial or "", label=label, info=info, elem_id=elem
        )
    elif kind == "choice":
        component = gr.Dropdown(
            ["", *form_field.choices], value=form_field.initial or "", label=label, info=info, elem_id=elem
        )
    elif kind == "lines":
        component = gr.Textbox(
            label=label, info=f"{info} One per line.", value=form_field.initial, lines=3, elem_id=elem
        )
    elif kind == "table":
        table: dict[str, list[Any]] = form_field.initial or {"column": [""]}
        headers = [str(h) for h in table]
        rows = [list(r) for r in zip(*table.values(), strict=True)]
        component = gr.Dataframe(
            value={"headers": headers, "data": rows}, label=label, interactive=True, elem_id=elem, wrap=True
        )
    else:
        component = gr.Textbox(label=label, info=f"{info} (JSON)", value=form_field.initial, elem_id=elem)
    return _Widget(form_field, [component])


def _output_component(view: View, tool: str) -> Any:
    elem = f"{tool}-out-{view}"
    if view == "label":
        return gr.Label(label="Labels", elem_id=elem, num_top_classes=10)
    if view == "highlight":
        return gr.HighlightedText(label="Entities", elem_id=elem)
    if view == "image":
        return gr.Image(label="Image", type="filepath", format="png", elem_id=elem, interactive=False)
    if view == "segments":
        return gr.AnnotatedImage(label="Segments", elem_id=elem)
    if view == "audio":
        return gr.Audio(label="Audio", type="filepath", elem_id=elem, interactive=False)
    if view == "video":
        return gr.Video(label="Video", elem_id=elem, interactive=False)
    return gr.Dataframe(label="Table", elem_id=elem, interactive=False, wrap=True)


def _task_tab(spec: TaskSpec, config: PlaygroundConfig) -> None:
    tool = spec.tool_name
    gr.Markdown(spec.description)
    with gr.Row():
        model = gr.Dropdown(
            list(spec.defaults),
            value=None,
            allow_custom_value=True,
            label="Model",
            info=f"A model id or endpoint URL; empty: the task's default ({spec.default_model}).",
            elem_id=f"{tool}-model",
        )
        provider = gr.Dropdown(
            ["auto"],
            value="auto",
            allow_custom_value=True,
            label="Provider",
            info="An inference provider, or auto."
            + (" (The demo's endpoint answers whatever is chosen.)" if config.demo else ""),
            elem_id=f"{tool}-provider",
        )
    fields = form_fields(spec)
    widgets = [_widget(f, config.media_dir, tool) for f in fields if f.required]
    optional = [f for f in fields if not f.required]
    if optional:
        with gr.Accordion("Options", open=False):
            widgets += [_widget(f, config.media_dir, tool) for f in optional]
    if config.hub_search:
        find = gr.Button("Find served models", size="sm", elem_id=f"{tool}-find")
        find.click(_finder(spec), inputs=[model], outputs=[model, provider], show_progress="minimal")
    run = gr.Button("Run", variant="primary", elem_id=f"{tool}-run")
    error = gr.Markdown(elem_id=f"{tool}-out-error", elem_classes=["hf-error"])
    views = [v for v in _VIEW_ORDER if v in output_views(spec)]
    view_components = [_output_component(v, tool) for v in views]
    text = gr.Textbox(label="Result", interactive=False, lines=2, elem_id=f"{tool}-out-text")
    route = gr.Markdown(elem_id=f"{tool}-out-route", elem_classes=["hf-route"])
    with gr.Accordion("Raw output (typed)", open=False):
        raw = gr.JSON(elem_id=f"{tool}-out-raw")
    code = gr.Code(label="Copy code", language="python", interactive=False, elem_id=f"{tool}-out-code")
    inputs = [model, provider, *[c for w in widgets for c in w.components]]
    outputs = [error, text, route, raw, code, *view_components]
    if family_of(spec) != "Video":
        run.click(
            _runner(spec, widgets, views, config), inputs=inputs, outputs=outputs, concurrency_limit=4, api_name=tool
        )
        return
    # a long job: its progress as a live status, and a Cancel that cancels it at the provider
    with gr.Row():
        status = gr.Markdown(elem_id=f"{tool}-out-status", elem_classes=["hf-route"])
        cancel = gr.Button("Cancel", size="sm", variant="stop", elem_id=f"{tool}-cancel")
    handle = gr.State(JobHandle())
    run.click(
        _job_runner(spec, widgets, views, config),
        inputs=[handle, *inputs],
        outputs=[status, *outputs],
        concurrency_limit=4,
        api_name=tool,
    )

    async def stop(job: JobHandle) -> None:  # on the event loop that runs the job
        job.cancel()

    cancel.click(stop, inputs=[handle], outputs=None, queue=False)


def _finder(spec: TaskSpec) -> Callable[[str | None], tuple[Any, Any]]:
    def find(model: str | None) -> tuple[Any, Any]:
        from hf_tools.hub import find_models

        try:
            found = find_models(spec.name, limit=20)
        except Exception as exc:  # noqa: BLE001 - shown in the page
            raise gr.Error(error_text(exc)) from None
        models = [m.id for m in found] or list(spec.defaults)
        providers = sorted({p.provider for m in found for p in m.providers})
        return (
            gr.update(choices=models, value=model or (models[0] if models else None)),
            gr.update(choices=["auto", *providers]),
        )

    return find


def _form_values(widgets: list[_Widget], values: tuple[Any, ...]) -> tuple[list[Any], dict[str, str]]:
    """The form's values per field (an upload wins over the URL text) and ``{field: path}`` of uploads."""
    uploads: dict[str, str] = {}
    raw_values: list[Any] = []
    at = 0
    for widget in widgets:
        if widget.field.kind in ("image", "audio"):
            upload, text = values[at], values[at + 1]
            if upload:
                uploads[widget.field.name] = str(upload)
                raw_values.append(Path(str(upload)))
            else:
                raw_values.append(text)
        else:
            raw_values.append(values[at])
        at += len(widget.components)
    return raw_values, uploads


def _call_settings(base: dict[str, Any], provider: str | None) -> dict[str, Any]:
    settings = dict(base)
    if provider and provider.strip() not in ("", "auto"):
        settings["provider"] = provider.strip()
    return settings


def _job_runner(
    spec: TaskSpec, widgets: list[_Widget], views: list[View], config: PlaygroundConfig
) -> Callable[..., AsyncIterator[list[Any]]]:
    async def run(job: JobHandle, model: str | None, provider: str | None, *values: Any) -> AsyncIterator[list[Any]]:
        blank = [None] * len(views)
        raw_values, uploads = _form_values(widgets, values)
        settings = _call_settings(config.settings if config.job_settings is None else config.job_settings, provider)
        model = (model or "").strip() or None
        try:
            data = input_from_form([w.field for w in widgets], raw_values)
        except HFInputError as exc:
            yield ["", f"**{error_text(exc)}**", "", "", None, "", *blank]
            return
        code = call_code(spec.name, data, model=model, settings=settings, uploads=uploads)
        yield ["starting…", "", "", "", None, code, *blank]
        async for update in run_job_call(spec, data, model=model, settings=settings, handle=job):
            if not update.done:
                yield [update.status, "", "", "", None, code, *blank]
                continue
            route = update.route.describe() if update.route is not None else ""
            if update.error is not None or update.output is None:
                yield [update.status, f"**{update.error or 'no output'}**", "", route, None, code, *blank]
                return
            image_input = next((v for v in data.values() if isinstance(v, bytes)), None)
            shown = view_values(spec, update.output, data, config.media_dir, image_input=image_input)
            out = update.output
            yield [update.status, "", spec.render(out), route, raw_output(out), code, *[shown.get(v) for v in views]]

    return run


def _runner(
    spec: TaskSpec, widgets: list[_Widget], views: list[View], config: PlaygroundConfig
) -> Callable[..., list[Any]]:
    def run(model: str | None, provider: str | None, *values: Any) -> list[Any]:
        blank = [None] * len(views)
        raw_values, uploads = _form_values(widgets, values)
        settings = _call_settings(config.settings, provider)
        model = (model or "").strip() or None
        try:
            data = input_from_form([w.field for w in widgets], raw_values)
        except HFInputError as exc:
            return [f"**{error_text(exc)}**", "", "", None, "", *blank]
        code = call_code(spec.name, data, model=model, settings=settings, uploads=uploads)
        done = run_call(spec, data, model=model, settings=settings)
        if done.error is not None:
            return [f"**{done.error}**", "", done.route.describe(), None, code, *blank]
        image_input = next((v for v in data.values() if isinstance(v, bytes)), None)
        try:
            shown = view_values(spec, done.output, data, config.media_dir, image_input=image_input)
        except Exception as exc:  # noqa: BLE001 - a result that cannot be drawn still shows as text
            shown = {}
            note = f"(could not draw the result: {error_text(exc)})"
            return [note, spec.render(done.output), done.route.describe(), raw_output(done.output), code, *blank]
        return [
            "",
            spec.render(done.output),
            done.route.describe(),
            raw_output(done.output),
            code,
            *[shown.get(v) for v in views],
        ]

    return run


def _documents_tab(desk: DocumentDesk) -> None:
    gr.Markdown(
        "Questions answered over a Chroma collection (`hf-tools ingest PATH` makes one), with the sources."
        + (f" {desk.label}" if desk.label else "")
    )
    question = gr.Textbox(label="Question", lines=2, elem_id="rag-question")
    k = gr.Number(label="k", info="Chunks to read.", value=3, precision=0, elem_id="rag-k")
    ask = gr.Button("Ask", variant="primary", elem_id="rag-run")
    error = gr.Markdown(elem_id="rag-error", elem_classes=["hf-error"])
    answer = gr.Textbox(label="Answer", interactive=False, lines=3, elem_id="rag-answer")
    sources = gr.Dataframe(
        headers=["file", "page", "score", "path"], label="Sources", interactive=False, elem_id="rag-sources"
    )
    how = gr.Markdown(elem_id="rag-route", elem_classes=["hf-route"])

    def run(q: str, top: float | None) -> Iterator[list[Any]]:
        try:
            for part in desk.ask(q or "", int(top) if top is not None else 3):
                rows = [[s.file, s.page, s.score, s.path] for s in part.sources]
                table = {"headers": ["file", "page", "score", "path"], "data": rows or [["", None, None, ""]]}
                yield ["", part.text, table, f"{part.how} · {part.seconds * 1000:.0f} ms"]
        except Exception as exc:  # noqa: BLE001 - the page shows one line, never a traceback
            yield [f"**{error_text(exc)}**", "", None, ""]

    ask.click(run, inputs=[question, k], outputs=[error, answer, sources, how], concurrency_limit=2, api_name="ask")


def _plain(content: Any) -> str:
    """The text of a chat message's content (a string, or Gradio's list of content blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(_plain(part) for part in content)
    if isinstance(content, dict):
        return str(content.get("text") or "")
    return "" if content is None else str(content)


def _file_path(part: Any) -> str | None:
    """The local path of a file in a chat message (Gradio's ``{"type": "file", "file": {"path"}}``)."""
    if isinstance(part, dict) and part.get("type") == "file" and isinstance(part.get("file"), dict):
        path = part["file"].get("path")
        return str(path) if path else None
    return None


def _read_image(path: str) -> bytes:
    """An attached image's bytes (from Gradio's upload cache), refused over the size limit before reading."""
    from hf_tools.playground.live import MAX_CHAT_IMAGE_BYTES

    size = Path(path).stat().st_size
    if size > MAX_CHAT_IMAGE_BYTES:
        raise HFInputError(f"the image is {size} bytes; at most {MAX_CHAT_IMAGE_BYTES} are sent")
    return Path(path).read_bytes()


def _model_content(content: Any) -> str | list[dict[str, Any]]:
    """A chat message's content for the model: its text, with its images as image content blocks."""
    from hf_tools.playground.live import image_block

    if not isinstance(content, list):
        return _plain(content)
    paths = [path for path in map(_file_path, content) if path]
    text = "".join(_plain(part) for part in content if _file_path(part) is None)
    if not paths:
        return text
    return [*([{"type": "text", "text": text}] if text else []), *[image_block(_read_image(p)) for p in paths]]


def chat_code(options: dict[str, Any], message: str, images: list[str] | None = None) -> str:
    """The ``hf_tools`` code that streams the same answer (``images``: the attached files' names).

    Example:
        >>> print(chat_code({"model": "org/chat", "provider": "cheapest"}, "Hi"))
        import hf_tools
        <BLANKLINE>
        chat = hf_tools.ChatHFInference(model="org/chat", provider="cheapest")
        for chunk in chat.stream([("user", "Hi")]):
            print(chunk.content, end="", flush=True)
        >>> print(chat_code({"model": "org/vlm"}, "What is it?", ["cat.png"]))
        import base64
        import hf_tools
        <BLANKLINE>
        chat = hf_tools.ChatHFInference(model="org/vlm")
        image_1 = base64.b64encode(open("cat.png", "rb").read()).decode()
        message = [
            {"type": "text", "text": "What is it?"},
            {"type": "image", "base64": image_1, "mime_type": "image/png"},
        ]
        for chunk in chat.stream([("user", message)]):
            print(chunk.content, end="", flush=True)

    """
    import mimetypes

    from hf_tools.playground.code import _literal

    arguments = ", ".join(f"{key}={_literal(value)}" for key, value in options.items() if value is not None)
    if not images:
        return "\n".join(
            [
                "import hf_tools",
                "",
                f"chat = hf_tools.ChatHFInference({arguments})",
                f'for chunk in chat.stream([("user", {_literal(message)})]):',
                '    print(chunk.content, end="", flush=True)',
            ]
        )
    reads = []
    parts = [f'    {{"type": "text", "text": {_literal(message)}}},'] if message.strip() else []
    for number, name in enumerate(images, 1):
        mime = mimetypes.guess_type(name)[0] or "image/png"
        reads.append(f'image_{number} = base64.b64encode(open({_literal(name)}, "rb").read()).decode()')
        parts.append(f'    {{"type": "image", "base64": image_{number}, "mime_type": {_literal(mime)}}},')
    return "\n".join(
        [
            "import base64",
            "import hf_tools",
            "",
            f"chat = hf_tools.ChatHFInference({arguments})",
            *reads,
            "message = [",
            *parts,
            "]",
            'for chunk in chat.stream([("user", message)]):',
            '    print(chunk.content, end="", flush=True)',
        ]
    )


def _chat_tab(options: dict[str, Any], demo: bool) -> None:
    from hf_tools.chat_models import DEFAULT_CHAT_MODEL
    from hf_tools.playground.live import stream_chat

    default_model = str(options.get("model") or DEFAULT_CHAT_MODEL)
    gr.Markdown(
        "Chat with `hf_tools.ChatHFInference`: the answer streams; each answer shows the provider that"
        " answered, its time, tokens and cost. Attach images to a message for a vision model."
        + (" (Demo: a loopback router answers `You said: ...`, with the number of images.)" if demo else "")
    )
    with gr.Row():
        model = gr.Dropdown(
            [default_model], value=default_model, allow_custom_value=True, label="Model", elem_id="chat-model"
        )
        provider = gr.Dropdown(
            ["auto", "cheapest", "fastest"],
            value=str(options.get("provider") or "auto"),
            allow_custom_value=True,
            label="Provider",
            info="auto: the router chooses; cheapest/fastest: ordered by the router's prices or speed;"
            " or a provider name.",
            elem_id="chat-provider",
        )
    chatbot = gr.Chatbot(label="Conversation", elem_id="chat-conversation", height=320)
    message = gr.MultimodalTextbox(
        label="Message",
        info="Attach images with the clip (PNG, JPEG, GIF, WebP, BMP).",
        lines=2,
        file_types=["image"],
        file_count="multiple",
        sources=["upload"],
        submit_btn=False,
        elem_id="chat-message",
    )
    send = gr.Button("Send", variant="primary", elem_id="chat-run")
    error = gr.Markdown(elem_id="chat-error", elem_classes=["hf-error"])
    route = gr.Markdown(elem_id="chat-route", elem_classes=["hf-route"])
    code = gr.Code(label="Copy code", language="python", interactive=False, elem_id="chat-out-code")
    cleared = {"text": "", "files": []}

    async def answer(
        value: dict[str, Any] | None, history: list[Any] | None, chosen: str | None, via: str | None
    ) -> AsyncIterator[list[Any]]:
        text = str((value or {}).get("text") or "")
        files = [str(f) for f in (value or {}).get("files") or []]
        past_shown = [m for m in history or [] if isinstance(m, dict)]
        call = {key: value for key, value in options.items() if key not in ("model", "provider")}
        call["model"] = (chosen or "").strip() or default_model
        if via and via.strip() not in ("", "auto"):
            call["provider"] = via.strip()
        snippet = chat_code(
            {k: v for k, v in call.items() if k in ("model", "provider")}, text, [Path(f).name for f in files]
        )
        try:
            past = [{"role": m["role"], "content": _model_content(m.get("content"))} for m in past_shown]
            images = [_read_image(f) for f in files]
        except (HFInputError, OSError) as exc:
            yield [past_shown, value, f"**{error_text(exc)}**", "", snippet]
            return
        said: Any = [*([text] if text else []), *[{"path": f} for f in files]] if files else text
        shown = [*past_shown, {"role": "user", "content": said}, {"role": "assistant", "content": ""}]
        async for update in stream_chat(call, past, text, images):
            shown[-1] = {"role": "assistant", "content": update.text}
            if not update.done:
                yield [shown, cleared, "", "", snippet]
                continue
            if update.error is not None:
                yield [past_shown, value, f"**{update.error}**", "", snippet]
                return
            route_line = update.route.describe() if update.route is not None else ""
            yield [shown, cleared, "", route_line, snippet]

    wiring: dict[str, Any] = {
        "inputs": [message, chatbot, model, provider],
        "outputs": [chatbot, message, error, route, code],
        "concurrency_limit": 4,
    }
    send.click(answer, api_name="chat", **wiring)
    message.submit(answer, api_visibility="undocumented", **wiring)  # Enter sends too


def build_app(config: PlaygroundConfig | None = None) -> gr.Blocks:
    """The playground page for ``config``.

    Example:
        >>> app = build_app(PlaygroundConfig(settings={"base_url": "http://127.0.0.1:9/{model}"}, hub_search=False))
        >>> type(app).__name__
        'Blocks'

    """
    config = config or PlaygroundConfig()
    by_family: dict[str, list[TaskSpec]] = {name: [] for name in FAMILIES}
    for spec in TASKS.values():
        by_family[family_of(spec)].append(spec)
    with gr.Blocks(title="hf_tools playground", analytics_enabled=False) as app:
        banner = (
            "# hf_tools playground\nTry any task, model and provider;"
            " every call shows its route and the code that reproduces it."
        )
        if config.demo:
            banner += (
                "\n\n**Demo**: calls go to a loopback server on this machine with canned answers"
                " (no token, nothing leaves it)."
            )
        gr.Markdown(banner)
        with gr.Tabs():
            for family in FAMILIES:
                specs = by_family[family]
                if not specs:
                    continue
                with gr.Tab(family, id=family.lower()), gr.Tabs():
                    for spec in specs:
                        with gr.Tab(spec.name, id=spec.tool_name, elem_id=f"tab-{spec.tool_name}"):
                            _task_tab(spec, config)
            if config.chat is not None:
                with gr.Tab("Chat", id="chat", elem_id="tab-chat"):
                    _chat_tab(config.chat, config.demo)
            if config.documents is not None:
                with gr.Tab("Documents (RAG)", id="documents", elem_id="tab-documents"):
                    _documents_tab(config.documents)
    return typing.cast("gr.Blocks", app)
