"""An agent that classifies, summarizes and translates with the hf_tools tools.

The chat model (ChatHFInference) decides which tools to call; the tools are the typed
Inference API tasks. Runs offline against hf_tools' loopback server, which here plays a model
that asks for three tools at once and then answers; drop ``base_url`` and set ``HF_TOKEN`` to
use real models.
"""

from hf_tools.agents import create_task_router_agent

from hf_tools.testing import LoopbackServer
from hf_tools.testing.chat import chat_reply

REVIEW = "I love this phone. The battery lasts two days and the screen is great."
MODEL = "Qwen/Qwen2.5-7B-Instruct"

with LoopbackServer() as server:
    server.enqueue(
        MODEL,
        chat_reply(
            tool_calls=[
                ("text_classification", {"text": REVIEW}),
                ("summarization", {"text": REVIEW}),
                ("translation", {"text": REVIEW, "src_lang": "en", "tgt_lang": "fr"}),
            ]
        ),
        chat_reply("The review is positive; it praises the battery. French version included."),
    )
    agent = create_task_router_agent(base_url=server.base_url, max_steps=5)
    state = agent.invoke({"messages": [("user", f"Classify, summarize and translate to French: {REVIEW}")]})

    for message in state["messages"]:
        if message.type == "tool":
            print(f"{message.name}: {message.content}")
            print(f"    artifact: {type(message.artifact).__name__}")
    print("answer:", state["messages"][-1].content)
