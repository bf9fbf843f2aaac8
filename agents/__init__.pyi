# The public names of hf_tools.agents: the one list (__init__.py reads it for lazy imports).
from hf_tools.agents.chat import RAGChatState as RAGChatState
from hf_tools.agents.chat import rag_chat as rag_chat
from hf_tools.agents.rag import rag_agent as rag_agent
from hf_tools.agents.router import MULTIMODAL_TASKS as MULTIMODAL_TASKS
from hf_tools.agents.router import ROUTER_TASKS as ROUTER_TASKS
from hf_tools.agents.router import create_multimodal_assistant as create_multimodal_assistant
from hf_tools.agents.router import create_task_router_agent as create_task_router_agent
from hf_tools.agents.tool_agent import HFAgentState as HFAgentState
from hf_tools.agents.tool_agent import MediaArtifactMiddleware as MediaArtifactMiddleware
from hf_tools.agents.tool_agent import MediaItem as MediaItem
from hf_tools.agents.tool_agent import create_hf_agent as create_hf_agent
from hf_tools.agents.tool_agent import find_media as find_media
from hf_tools.agents.tool_agent import hf_tool_error_middleware as hf_tool_error_middleware
from hf_tools.agents.tool_agent import tool_error_content as tool_error_content
