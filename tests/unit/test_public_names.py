"""Each package's public names are pinned: adding or dropping one is a decision, not an accident."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import hf_tools.errors

PUBLIC = {
    "hf_tools": [
        "AudioArtifact", "ChatHFInference", "Detections", "HFChroma", "HFEmbeddingFunction", "HFError",
        "HFInferenceEmbeddings", "HFInputError", "HFSettings", "HFTaskRunnable", "HFTaskTool", "HFToolkit",
        "ImageArtifact", "IngestReport", "LocalEmbeddings", "MediaError", "ModelCard", "ModelSummary", "TASKS",
        "TaskSpec", "chroma_store", "find_models", "ingest_files", "model_card", "model_tools", "runnable", "tool",
        "track_usage",
    ],
    "hf_tools.rag": [
        "ChatMemory", "ChromaRetriever", "ExtractiveAnswer", "HFChroma", "HFEmbeddingFunction",
        "HFInferenceEmbeddings", "HFStoreBusyError", "HFStoreError", "IngestReport", "LocalEmbeddings", "RAGAnswer",
        "Source", "chroma_store",
        "document_qa_chain", "format_docs", "ingest_files", "qa_task_answerer", "rag_chain", "rag_chatbot",
        "retriever_tool", "sentence_answerer",
    ],
    "hf_tools.agents": [
        "HFAgentState", "MULTIMODAL_TASKS", "MediaArtifactMiddleware", "MediaItem", "RAGChatState", "ROUTER_TASKS",
        "create_hf_agent", "create_multimodal_assistant", "create_task_router_agent", "find_media",
        "hf_tool_error_middleware", "rag_agent", "rag_chat", "tool_error_content",
    ],
    "hf_tools.hub": [
        "FindModelTool", "HFModelChoiceTool", "ModelCard", "ModelSummary", "ProviderStatus", "find_models",
        "model_card", "model_tools",
    ],
}  # fmt: skip


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_public_names_are_pinned_and_resolve(package: str) -> None:
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(PUBLIC[package])
    for name in module.__all__:
        assert getattr(module, name) is not None


def test_every_error_class_is_reachable_from_hf_tools_errors() -> None:
    names = [n for n in hf_tools.errors.__all__ if n.startswith("HF")]
    assert len(names) >= 17
    assert all(issubclass(getattr(hf_tools.errors, n), hf_tools.errors.HFError) for n in names)


def test_import_hf_tools_is_lazy() -> None:
    heavy = "('chromadb', 'langchain.', 'langgraph')"
    code = f"import sys, hf_tools; print(sorted(m for m in sys.modules if m.startswith({heavy})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
