"""THE task registry: ``TASKS`` maps every Hub task name to its one declaration.

Adding a task is one ``registry.register(TaskSpec(...))`` in the module of its family;
the Runnable, the Tool, the CLI and the loopback server pick it up from here.
"""

from hf_tools.tasks.registry import TaskRegistry, UnknownTaskError
from hf_tools.tasks.spec import TaskInput, TaskSpec
from hf_tools.tasks.text import register_text_tasks

TASKS = TaskRegistry()
register_text_tasks(TASKS)

__all__ = ["TASKS", "TaskInput", "TaskRegistry", "TaskSpec", "UnknownTaskError"]
