"""Speech → transcript → summary → speech, on a recording made with the stdlib ``wave`` module."""

from hf_tools.media.workflows import speech_summary
from hf_tools.testing import LoopbackServer
from hf_tools.testing.answers import wav_bytes

recording = wav_bytes(2.0, text="The team met on Monday. The release moves to June. Testing starts next week.")

with LoopbackServer() as server:
    out = speech_summary(base_url=server.base_url).invoke(recording)
    print("transcript:", out.transcript)
    print("summary:", out.summary)
    print("spoken summary:", out.audio.describe())
