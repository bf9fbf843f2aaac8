"""The loopback server's answers for the text tasks, in the exact wire shape."""

from __future__ import annotations

import hashlib
from typing import Any


def _params(body: dict[str, Any]) -> dict[str, Any]:
    params = body.get("parameters")
    return params if isinstance(params, dict) else {}


def _score(text: str) -> float:
    """A stable pseudo-score in (0, 1) from a string."""
    digest = hashlib.sha256(text.encode()).digest()
    return round(0.05 + 0.9 * digest[0] / 255, 4)


_POSITIVE = ("good", "great", "love", "excellent", "happy", "wonderful", "best", "like")


MAX_GENERATED_TOKENS = 512  # answers never grow with the client's numbers beyond this
MAX_ANSWERS = 50


def text_generation(body: dict[str, Any]) -> Any:
    limit = _params(body).get("max_new_tokens") or 8
    words = [f"word{i}" for i in range(min(int(limit), MAX_GENERATED_TOKENS))]
    return [{"generated_text": " " + " ".join(words)}]


def text_classification(body: dict[str, Any]) -> Any:
    text = str(body.get("inputs", "")).lower()
    positive = 0.97 if any(word in text for word in _POSITIVE) else 0.03
    scores = {"POSITIVE": positive, "NEGATIVE": round(1 - positive, 4)}
    ranked = [{"label": label, "score": score} for label, score in sorted(scores.items(), key=lambda kv: -kv[1])]
    top_k = _params(body).get("top_k")
    return [ranked[:top_k] if top_k else ranked]


def zero_shot_classification(body: dict[str, Any]) -> Any:
    text = str(body.get("inputs", "")).lower()
    candidates = list(_params(body).get("candidate_labels") or [])
    raw = {label: (2.0 if label.lower() in text else _score(label + text)) for label in candidates}
    total = sum(raw.values()) or 1.0
    ranked = sorted(raw.items(), key=lambda kv: -kv[1])
    return [{"label": label, "score": round(value / total, 4)} for label, value in ranked]


def question_answering(body: dict[str, Any]) -> Any:
    inputs = body.get("inputs") or {}
    context = str(inputs.get("context", ""))
    question = str(inputs.get("question", ""))
    words = context.split()
    asked = {w.strip("?.,").lower() for w in question.split()}
    fresh = [i for i, w in enumerate(words) if w.strip(".,").lower() not in asked]
    pick = fresh[-1] if fresh else 0
    answer = words[pick].strip(".,") if words else ""
    start = context.find(answer)
    top_k = _params(body).get("top_k") or 1
    best = {"answer": answer, "score": 0.91, "start": start, "end": start + len(answer)}
    if top_k == 1:
        return best
    others = [words[i].strip(".,") for i in fresh if i != pick][: top_k - 1]
    return [best] + [
        {"answer": w, "score": 0.05, "start": context.find(w), "end": context.find(w) + len(w)} for w in others
    ]


def summarization(body: dict[str, Any]) -> Any:
    text = str(body.get("inputs", ""))
    first = text.split(". ")[0].strip().rstrip(".")
    return [{"summary_text": first + "."}]


def translation(body: dict[str, Any]) -> Any:
    text = str(body.get("inputs", ""))
    target = _params(body).get("tgt_lang") or "fr"
    return [{"translation_text": f"[{target}] {text}"}]


def token_classification(body: dict[str, Any]) -> Any:
    text = str(body.get("inputs", ""))
    entities = []
    offset = 0
    for word in text.split():
        start = text.index(word, offset)
        offset = start + len(word)
        clean = word.strip(".,!?")
        if clean[:1].isupper() and start > 0:
            entities.append(
                {
                    "entity_group": "PER" if len(clean) % 2 else "LOC",
                    "score": 0.99,
                    "word": clean,
                    "start": start,
                    "end": start + len(clean),
                }
            )
    return entities


def fill_mask(body: dict[str, Any]) -> Any:
    text = str(body.get("inputs", ""))
    params = _params(body)
    targets = params.get("targets") or ["paris", "london", "rome", "berlin", "madrid"]
    top_k = params.get("top_k") or 5
    out = []
    for rank, token in enumerate(targets[:top_k]):
        out.append(
            {
                "score": round(0.6 / (rank + 1), 4),
                "token": 1000 + rank,
                "token_str": token,
                "sequence": text.replace("[MASK]", token).replace("<mask>", token),
            }
        )
    return out


def sentence_similarity(body: dict[str, Any]) -> Any:
    inputs = body.get("inputs") or {}
    source = set(str(inputs.get("source_sentence", "")).lower().split())
    scores = []
    for other in inputs.get("sentences") or []:
        words = set(str(other).lower().split())
        union = source | words
        scores.append(round(len(source & words) / len(union), 4) if union else 0.0)
    return scores


def table_question_answering(body: dict[str, Any]) -> Any:
    inputs = body.get("inputs") or {}
    table: dict[str, list[str]] = inputs.get("table") or {}
    query = str(inputs.get("query", "")).lower()
    columns = list(table)
    if len({len(cells) for cells in table.values()}) > 1:
        raise ValueError("every column of the table must have the same number of cells")
    for col_index, column in enumerate(columns):
        for row_index, cell in enumerate(table[column]):
            if str(cell).lower() in query:
                other = columns[(col_index + 1) % len(columns)]
                value = table[other][row_index]
                return {
                    "answer": value,
                    "coordinates": [[row_index, (col_index + 1) % len(columns)]],
                    "cells": [value],
                    "aggregator": "NONE",
                }
    first = table[columns[0]][0] if columns and table[columns[0]] else ""
    return {"answer": first, "coordinates": [[0, 0]], "cells": [first], "aggregator": "NONE"}
