"""``hf-tools playground``: try any task, model and provider in the browser, see the result, copy the code.

A Gradio page (the ``ui`` extra) generated from the task registry: one tab per task family, one
form per task built from its input model, the output drawn for a person (images, detections on
theirs, masks, players, labels as bars, entities highlighted, tables) with the raw typed output one
click away, the route and time of every call, and the ``hf_tools`` code that reproduces it. A
chat tab streams :class:`~hf_tools.ChatHFInference`'s answers with the provider that answered,
tokens and cost; video jobs show their progress live and can be cancelled at the provider
(:mod:`hf_tools.playground.live`). A document tab answers over a Chroma store made by
``hf-tools ingest``.

``--demo`` needs no token: calls go to a :class:`~hf_tools.testing.LoopbackServer` started in
the process (chat and video jobs to a loopback router playing the providers), and the
document tab answers over the sample corpus ingested with local embeddings. The page binds
127.0.0.1 unless ``--host`` says otherwise; an address other machines can reach needs a login
(``--auth``, ``HF_TOOLS_PLAYGROUND_AUTH`` or a generated password; see
:mod:`hf_tools.playground.guard` for what keeps the server serving).

Example:
    >>> import argparse
    >>> from hf_tools.cli import build_parser
    >>> args = build_parser().parse_args(["playground", "--demo", "--port", "0"])
    >>> args.demo, args.host
    (True, '127.0.0.1')

"""

from __future__ import annotations

from hf_tools.playground.calls import CallResult, Route, run_call
from hf_tools.playground.code import call_code
from hf_tools.playground.documents import DocumentAnswer, DocumentDesk
from hf_tools.playground.forms import FormField, form_fields, input_from_form
from hf_tools.playground.views import output_views, raw_output, view_values

__all__ = [
    "CallResult",
    "DocumentAnswer",
    "DocumentDesk",
    "FormField",
    "Route",
    "call_code",
    "form_fields",
    "input_from_form",
    "output_views",
    "raw_output",
    "run_call",
    "view_values",
]
