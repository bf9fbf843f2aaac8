"""Image → caption → speech, from a picture file in the working directory.

Local paths are read only inside the allowed folders (default: the working directory).
"""

import asyncio

from hf_tools.media.workflows import image_to_speech
from hf_tools.testing import LoopbackServer
from hf_tools.testing.answers import png_bytes

with open("garden.png", "wb") as handle:
    handle.write(png_bytes(160, 120, (40, 180, 60), objects=["bird", "tree"]))

with LoopbackServer() as server:
    flow = image_to_speech(base_url=server.base_url)
    spoken = asyncio.run(flow.ainvoke("garden.png"))
    print("caption:", spoken.caption)
    print("speech:", spoken.audio.describe())
    print("saved:", spoken.audio.save("."))
