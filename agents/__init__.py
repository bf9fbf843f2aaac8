"""Compositions built on hf_tools: agents, RAG chains and multimodal workflows."""
