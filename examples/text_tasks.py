"""Chain text tasks with LCEL: summarize, then translate, then classify the original.

Runs offline against hf_tools' loopback server; drop ``base_url`` and set ``HF_TOKEN`` to call
the real Inference API instead.
"""

from langchain_core.runnables import RunnableParallel

import hf_tools
from hf_tools.testing import LoopbackServer

with LoopbackServer() as server:
    settings = hf_tools.HFSettings(base_url=server.base_url)
    summarize = hf_tools.runnable("summarization", settings=settings)
    translate = hf_tools.runnable("translation", settings=settings)
    classify = hf_tools.runnable("text-classification", settings=settings)

    pipeline = RunnableParallel(
        french=summarize | (lambda s: {"text": s.summary_text, "src_lang": "en", "tgt_lang": "fr"}) | translate,
        sentiment=classify,
    )
    review = "I love this phone. The battery lasts two days and the screen is great."
    result = pipeline.invoke(review)
    print("summary in French:", result["french"].translation_text)
    print("sentiment:", result["sentiment"][0].label, round(result["sentiment"][0].score, 2))
