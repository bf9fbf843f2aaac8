"""A streaming chatbot with memory on ChatHFInference.

Runs offline against hf_tools' loopback server (an OpenAI-compatible chat route); drop
``base_url`` and set ``HF_TOKEN`` to chat with the real model through the Hugging Face router.
"""

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from hf_tools import ChatHFInference
from hf_tools.testing import LoopbackServer
from hf_tools.testing.chat import chat_reply

MODEL = "Qwen/Qwen2.5-7B-Instruct"

with LoopbackServer() as server:
    server.enqueue(
        MODEL,
        chat_reply("Nice to meet you, Ada! What story shall I write?"),
        chat_reply("Once upon a time, a robot named Bolt learned to paint the sea."),
        chat_reply("You are Ada, and you asked for a story about a robot."),
    )
    chat = ChatHFInference(model=MODEL, base_url=server.base_url, temperature=0.7, max_tokens=200)

    history: list[BaseMessage] = [SystemMessage("You are a friendly storyteller.")]
    for user_text in ["Hi, I am Ada.", "Write a one-line story about a robot.", "Who am I and what did I ask?"]:
        history.append(HumanMessage(user_text))
        print(f"user: {user_text}")
        print("bot: ", end="", flush=True)
        answer = None
        for chunk in chat.stream(history):  # token by token
            print(chunk.content, end="", flush=True)
            answer = chunk if answer is None else answer + chunk
        print()
        assert answer is not None
        history.append(AIMessage(str(answer.content)))
        usage = answer.usage_metadata or {}
        print(f"     [{usage.get('output_tokens')} tokens, finish: {answer.response_metadata.get('finish_reason')}]")

    sent = server.requests[-1].body["messages"]
    print(f"the last request carried the whole conversation: {len(sent)} messages")
