"""Prompt → image → object detection → a caption of what was found; the annotated image is saved.

Runs offline against hf_tools' loopback server; drop ``base_url`` and set ``HF_TOKEN`` to call
the real Inference API instead.
"""

from pathlib import Path

from hf_tools.media.workflows import prompt_to_findings
from hf_tools.testing import LoopbackServer

with LoopbackServer() as server:
    flow = prompt_to_findings(base_url=server.base_url, media_output_dir="generated")
    found = flow.invoke({"prompt": "a cat and a dog under a tree", "width": 320, "height": 200})
    print(found.caption)
    print("image:", found.image.describe())
    print("boxes:", found.detections.describe())
    print("annotated copy:", found.annotated.describe())
    print("on disk:", found.annotated.path is not None and Path(found.annotated.path).exists())
