"""Stored messages -> the history endpoint's format (sources, step tree, repaired charts)."""

from __future__ import annotations

from typing import Any

from askwell.chat.models import ChatMessage

_PASSTHROUGH = ("sql", "table", "usage", "timings", "error", "cited", "interrupted")


def format_message(message: ChatMessage) -> dict[str, Any]:
    formatted: dict[str, Any] = {
        "id": str(message.id),
        "text": message.content,
        "sender": "user" if message.role == "user" else "bot",
        "created_at": message.created_at.isoformat(),
    }
    meta = message.metadata_ or {}
    if isinstance(meta.get("sources"), list):
        formatted["sources"] = [format_source(s) for s in meta["sources"] if isinstance(s, dict)]
    if isinstance(meta.get("steps"), list):
        formatted["steps"] = build_step_tree([s for s in meta["steps"] if isinstance(s, dict)])
    if isinstance(meta.get("visualization"), dict):
        formatted["visualization"] = repair_visualization(meta["visualization"])
    for key in _PASSTHROUGH:
        if key in meta:
            formatted[key] = meta[key]
    return formatted


def format_source(source: dict[str, Any]) -> dict[str, Any]:
    metadata = dict(source.get("metadata") or {})
    name = source.get("name") or metadata.get("file_name") or "source"
    return {
        "id": str(source.get("id", "")),
        "name": name,
        "type": source.get("type") or _type_from_name(name),
        "content": source.get("content", ""),
        "metadata": metadata,
    }


def build_step_tree(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Root steps with their `sub_steps`, each level sorted by sequence.

    Steps without an id, and sub-steps whose parent is missing, are kept as roots.
    """
    nodes: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    for raw in steps:
        node = {**raw, "label": raw.get("label") or raw.get("name") or "Step", "sub_steps": []}
        step_id = node.get("step_id") or node.get("id")
        if step_id:
            node["id"] = step_id
            by_id[str(step_id)] = node
        nodes.append(node)
    roots: list[dict[str, Any]] = []
    for node in nodes:
        parent = by_id.get(str(node.get("parent_id"))) if node.get("parent_id") else None
        if parent is not None and parent is not node:
            node["isSubStep"] = True
            parent["sub_steps"].append(node)
        else:
            roots.append(node)
    _sort_by_sequence(roots)
    return roots


def _sort_by_sequence(nodes: list[dict[str, Any]]) -> None:
    nodes.sort(key=lambda n: _number(n.get("sequence")) or 0)
    for node in nodes:
        _sort_by_sequence(node["sub_steps"])


def repair_visualization(viz: dict[str, Any]) -> dict[str, Any]:
    """Numbers stringified on the way to storage become JSON numbers again."""
    repaired = dict(viz)
    series = viz.get("series")
    if isinstance(series, list):
        repaired["series"] = [_repair_series_item(item) for item in series]
    return repaired


def _repair_series_item(item: Any) -> Any:
    if isinstance(item, dict):
        fixed = dict(item)
        if isinstance(item.get("data"), list):
            fixed["data"] = [_repair_point(p) for p in item["data"]]
        return fixed
    return _repair_point(item)


def _repair_point(point: Any) -> Any:
    if isinstance(point, dict):
        return {**point, "y": _number(point.get("y"))} if "y" in point else point
    return _number(point)


def _number(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return value
        return (
            int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
        )
    return value


def _type_from_name(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return suffix or "text"
