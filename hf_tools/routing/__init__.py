"""Today's router: served default models, provider failover and task fallbacks through chat.

* :func:`plan_call` — which model answers a task call, through which providers, and whether
  through ``chat_completion`` (see :mod:`hf_tools.routing.plan`);
* :func:`run_plan` and friends — make the call, failing over along the plan's providers, and
  record the provider that answered (see :mod:`hf_tools.routing.execute`).
"""

from hf_tools.routing.execute import arun_plan, astream_plan, run_plan, stream_plan
from hf_tools.routing.plan import CHAT_TASK, CallPlan, aplan_call, chat_providers, clear_cache, plan_call

__all__ = [
    "CHAT_TASK",
    "CallPlan",
    "aplan_call",
    "arun_plan",
    "astream_plan",
    "chat_providers",
    "clear_cache",
    "plan_call",
    "run_plan",
    "stream_plan",
]
