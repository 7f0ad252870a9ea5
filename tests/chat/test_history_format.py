"""The history formatting rules on stored metadata (no database needed)."""

from __future__ import annotations

from askwell.chat.history import build_step_tree
from askwell.turn.steps import StepTracker


def test_step_tree_nests_sub_steps_in_the_order_they_started() -> None:
    steps = StepTracker()
    steps.start("retrieve", "Searching documents")
    steps.start("keyword", "keyword search", parent="retrieve")
    steps.start("vector", "vector search", parent="retrieve")
    steps.finish("vector", hits=3)  # finished first: the order stays the starting order
    steps.finish("keyword", hits=2)
    steps.finish("retrieve")
    steps.start("generate", "Generating answer")
    tree = build_step_tree(steps.record())
    assert [s["label"] for s in tree] == ["Searching documents", "Generating answer"]
    retrieve = tree[0]
    assert [s["label"] for s in retrieve["sub_steps"]] == ["keyword search", "vector search"]
    assert all(s["isSubStep"] is True for s in retrieve["sub_steps"])
    assert "isSubStep" not in retrieve and retrieve["id"] == "retrieve"
