"""Scanned page → document question answering (and what happens when a path escapes the folder)."""

from hf_tools.media import MediaPathError
from hf_tools.media.workflows import document_qa
from hf_tools.testing import LoopbackServer
from hf_tools.testing.answers import png_bytes

page = png_bytes(400, 120, (250, 250, 250), page_text="Invoice 2024-17 from Acme Tools. Amount due: 1200 EUR.")
with open("scan.png", "wb") as handle:
    handle.write(page)

with LoopbackServer() as server:
    ask = document_qa(base_url=server.base_url)
    for question in ["Who sent the invoice?", "What is the amount due?"]:
        result = ask.invoke({"image": "scan.png", "question": question})
        print(f"{question} -> {result.answer!r} (score {result.score:.2f})")
    try:
        ask.invoke({"image": "../../etc/passwd", "question": "Anything?"})
    except MediaPathError as refused:
        print("refused:", refused)
