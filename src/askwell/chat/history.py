"""Stored messages -> the history endpoint's format: the metadata as stored, steps as a tree."""

from __future__ import annotations

from typing import Any

from askwell.chat.models import ChatMessage

# What flows._persist stores with a bot message and the history returns as it is.
_PASSTHROUGH = ("sources", "sql", "table", "visualization", "usage", "timings", "error", "interrupted")


def format_message(message: ChatMessage) -> dict[str, Any]:
    formatted: dict[str, Any] = {
        "id": str(message.id),
        "text": message.content,
        "sender": "user" if message.role == "user" else "bot",
        "created_at": message.created_at.isoformat(),
    }
    meta = message.metadata_ or {}
    if "steps" in meta:
        formatted["steps"] = build_step_tree(meta["steps"])
    for key in _PASSTHROUGH:
        if key in meta:
            formatted[key] = meta[key]
    return formatted


def build_step_tree(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Root steps with their `sub_steps`, each level in the order the steps started.

    Steps are stored flat (turn.steps.StepTracker.record); a sub-step names its parent.
    """
    nodes = {step["step_id"]: {**step, "id": step["step_id"], "sub_steps": []} for step in steps}
    roots: list[dict[str, Any]] = []
    for node in sorted(nodes.values(), key=lambda n: n["sequence"]):
        parent = nodes.get(node["parent_id"]) if node.get("parent_id") else None
        if parent is not None:
            parent["sub_steps"].append({**node, "isSubStep": True})
        else:
            roots.append(node)
    return roots
