"""THE task registry: ``TASKS`` maps every Hub task name to its one declaration.

Adding a task is one ``registry.register(TaskSpec(...))`` in the module of its family;
the Runnable, the Tool, the CLI and the loopback server pick it up from here.
"""

from hf_tools.tasks.audio import register_audio_tasks
from hf_tools.tasks.embedding import register_embedding_tasks
from hf_tools.tasks.registry import TaskRegistry, UnknownTaskError
from hf_tools.tasks.spec import TaskInput, TaskSpec
from hf_tools.tasks.tabular import register_tabular_tasks
from hf_tools.tasks.text import register_text_tasks
from hf_tools.tasks.video import register_video_tasks
from hf_tools.tasks.vision import register_vision_tasks

TASKS = TaskRegistry()
register_text_tasks(TASKS)
register_vision_tasks(TASKS)
register_audio_tasks(TASKS)
register_embedding_tasks(TASKS)
register_tabular_tasks(TASKS)
register_video_tasks(TASKS)

__all__ = ["TASKS", "TaskInput", "TaskRegistry", "TaskSpec", "UnknownTaskError"]
