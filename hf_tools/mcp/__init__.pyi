# The public names of hf_tools.mcp: the one list (__init__.py reads it for lazy imports).
from hf_tools.mcp.about import INSTRUCTIONS as INSTRUCTIONS
from hf_tools.mcp.guard import HTTPGuard as HTTPGuard
from hf_tools.mcp.server import HFToolsMCP as HFToolsMCP
from hf_tools.mcp.server import create_server as create_server
from hf_tools.mcp.server import run as run
from hf_tools.mcp.server import serve_http as serve_http
from hf_tools.mcp.tools import DocumentSearchTool as DocumentSearchTool
from hf_tools.mcp.tools import LangChainTool as LangChainTool
from hf_tools.mcp.tools import Passage as Passage
from hf_tools.mcp.tools import error_result as error_result
