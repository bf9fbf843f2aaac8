"""The built wheel installs beside openai-agents in both orders (both own an ``agents`` name today).

Each order runs in a throwaway venv whose dependencies come from the test venv (a path entry,
so only hf-tools, openai-agents and openai-agents' own requirements are installed there).
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# each test builds or installs a wheel in a new venv: 40-80 s on a slow 2-core host, more than the default allowance
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

HF_CALL = textwrap.dedent(
    """
    import hf_tools, hf_tools.agents
    from hf_tools.testing import LoopbackServer
    assert "site-packages" in hf_tools.agents.__file__, hf_tools.agents.__file__
    with LoopbackServer() as server:
        out = hf_tools.runnable("summarization", base_url=server.base_url).invoke("Cats sleep. They eat.")
    assert out.summary_text == "Cats sleep.", out
    print("hf_tools ok")
    """
)
OA_CALL = textwrap.dedent(
    """
    import asyncio, json
    from agents import Agent, function_tool
    from agents.tool_context import ToolContext
    @function_tool
    def add(a: int, b: int) -> int:
        '''Add two numbers.'''
        return a + b
    agent = Agent(name="calc", instructions="add", tools=[add])
    args = json.dumps({"a": 1, "b": 2})
    context = ToolContext(context=None, tool_name="add", tool_call_id="1", tool_arguments=args)
    result = asyncio.run(add.on_invoke_tool(context, args))
    assert str(result) == "3", result
    print("openai-agents ok")
    """
)

# The README's openai-agents snippet: hf-tools mcp as an MCPServerStdio of openai-agents
OA_MCP = textwrap.dedent(
    """
    import asyncio, sys
    from agents.mcp import MCPServerStdio
    from hf_tools.testing import LoopbackServer

    async def main(url):
        params = {"command": sys.executable,
                  "args": ["-m", "hf_tools.cli", "mcp", "--tasks", "summarization", "--base-url", url]}
        async with MCPServerStdio(params=params, client_session_timeout_seconds=30) as hf:
            names = [tool.name for tool in await hf.list_tools()]
            result = await hf.call_tool("summarization", {"text": "Cats sleep. They eat."})
        assert names == ["summarization", "find_model"], names
        assert result.structuredContent == {"summary_text": "Cats sleep."}, result
        print("openai-agents mcp ok")

    with LoopbackServer() as server:
        asyncio.run(main(server.base_url))
    """
)


def _run(python: Path, code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
        timeout=600,
    )
    (built,) = out.glob("hf_tools-*.whl")
    return built


def test_the_wheel_claims_no_top_level_agents(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert not any(n.startswith("agents/") for n in names)
    assert "hf_tools/agents/__init__.py" in names and "hf_tools/agents/tool_agent.py" in names


def _venv(where: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=120)
    python = where / "bin" / "python"
    site = _run(python, "import sysconfig; print(sysconfig.get_paths()['purelib'])", where).stdout.strip()
    # the test venv's packages as a plain path entry: its .pth files (the editable hf_tools) are not run
    Path(site, "deps-from-test-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def _pip(python: Path, *args: str) -> None:
    done = subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("first", ["hf-tools", "openai-agents"])
def test_both_install_orders_and_uninstalling_either(wheel: Path, tmp_path: Path, first: str) -> None:
    python = _venv(tmp_path / "venv")
    packages = {"hf-tools": f"{wheel}[agents]", "openai-agents": "openai-agents"}
    second = "openai-agents" if first == "hf-tools" else "hf-tools"
    _pip(python, "install", packages[first])
    _pip(python, "install", packages[second])
    elsewhere = tmp_path / "elsewhere"  # not the checkout: only installed code is importable
    elsewhere.mkdir()
    for code, said in ((HF_CALL, "hf_tools ok"), (OA_CALL, "openai-agents ok")):
        done = _run(python, code, elsewhere)
        assert said in done.stdout, done.stderr[-2000:]
    # uninstall the one installed first: the other still works
    _pip(python, "uninstall", "--yes", "hf-tools" if first == "hf-tools" else "openai-agents")
    survivor, said = (OA_CALL, "openai-agents ok") if first == "hf-tools" else (HF_CALL, "hf_tools ok")
    done = _run(python, survivor, elsewhere)
    assert said in done.stdout, done.stderr[-2000:]


def test_an_editable_install_beside_openai_agents(tmp_path: Path) -> None:
    """The README's editable install: outside the checkout, `agents` is openai-agents' and ours is hf_tools.agents."""
    python = _venv(tmp_path / "venv")
    _pip(python, "install", "openai-agents")
    _pip(python, "install", "-e", f"{ROOT}[agents,mcp]")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    editable_hf = HF_CALL.replace('assert "site-packages" in', 'assert "site-packages" not in')
    for code, said in ((editable_hf, "hf_tools ok"), (OA_CALL, "openai-agents ok"), (OA_MCP, "openai-agents mcp ok")):
        done = _run(python, code, elsewhere)
        assert said in done.stdout, done.stderr[-2000:]


# -- `hf-tools playground --demo` from the wheel: the sample corpus is package data ----------------

ASK_THE_DEMO = textwrap.dedent(
    """
    import re, subprocess, sys
    from gradio_client import Client
    from hf_tools.playground.serve import DEMO_CORPUS
    assert "site-packages" in str(DEMO_CORPUS) and DEMO_CORPUS.is_dir(), DEMO_CORPUS
    command = [sys.executable, "-m", "hf_tools.cli", "playground", "--demo", "--port", "0"]
    page = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        seen = []
        for line in page.stdout:
            seen.append(line)
            found = re.search(r"hf-tools playground: (http://\\S+)", line)
            if found:
                break
        else:
            raise SystemExit("the playground did not start: " + "".join(seen))
        error, answer, sources, how = Client(found.group(1), verbose=False).predict(
            "Who designed the lens used in lighthouses?", 3, api_name="/ask"
        )
        assert not error and "Fresnel" in answer, (error, answer)
        assert "lighthouses.html" in str(sources), sources
        print("playground demo ok")
    finally:
        page.terminate()
        page.wait(10)
    """
)


def test_the_wheel_ships_the_demo_corpus(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    corpus = sorted(p.name for p in (ROOT / "examples" / "corpus").iterdir())
    assert corpus and all(f"hf_tools/playground/demo_corpus/{name}" in names for name in corpus)


def test_the_playground_demo_answers_over_the_corpus_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    pytest.importorskip("gradio")
    pytest.importorskip("gradio_client")
    python = _venv(tmp_path / "venv")
    _pip(python, "install", "--no-deps", str(wheel))
    elsewhere = tmp_path / "elsewhere"  # not the checkout: only installed code and data are found
    elsewhere.mkdir()
    done = _run(python, ASK_THE_DEMO, elsewhere)
    assert "playground demo ok" in done.stdout, done.stdout[-2000:] + done.stderr[-3000:]
