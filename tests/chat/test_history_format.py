"""The history formatting rules on stored metadata (no database needed)."""

from __future__ import annotations

from askwell.chat.history import build_step_tree, format_source, repair_visualization


def test_step_tree_nests_sub_steps_sorted_by_sequence() -> None:
    steps = [
        {"step_id": "gen", "parent_id": None, "sequence": 4, "label": "Generate", "status": "done"},
        {"step_id": "kw", "parent_id": "ret", "sequence": 3, "label": "keyword search", "status": "done"},
        {"step_id": "ret", "parent_id": None, "sequence": 1, "label": "Retrieve", "status": "done"},
        {"step_id": "vec", "parent_id": "ret", "sequence": 2, "label": "vector search", "status": "done"},
        {"label": "legacy step without id", "sequence": 0, "status": "done"},
        {"step_id": "orphan", "parent_id": "missing", "sequence": 5, "name": "orphan", "status": "done"},
    ]
    tree = build_step_tree(steps)
    assert [s["label"] for s in tree] == ["legacy step without id", "Retrieve", "Generate", "orphan"]
    retrieve = tree[1]
    assert [s["label"] for s in retrieve["sub_steps"]] == ["vector search", "keyword search"]
    assert all(s["isSubStep"] is True for s in retrieve["sub_steps"])
    assert "isSubStep" not in retrieve


def test_visualization_numbers_are_repaired() -> None:
    cartesian = {"viz_type": "bar", "categories": ["a", "b"], "series": [{"name": "n", "data": ["1", "2.5"]}]}
    assert repair_visualization(cartesian)["series"][0]["data"] == [1, 2.5]
    pie = {"viz_type": "pie", "labels": ["a", "b"], "series": ["3", 4]}
    assert repair_visualization(pie)["series"] == [3, 4]
    treemap = {"viz_type": "treemap", "series": [{"name": "t", "data": [{"x": "a", "y": "7"}]}]}
    assert repair_visualization(treemap)["series"][0]["data"] == [{"x": "a", "y": 7}]
    kpi = {"viz_type": "kpi", "labels": ["total"], "series": ["1e3"]}
    assert repair_visualization(kpi)["series"] == [1000.0]
    untouched = {"viz_type": "bar", "series": [{"name": "n", "data": ["n/a"]}]}
    assert repair_visualization(untouched)["series"][0]["data"] == ["n/a"]


def test_source_gets_a_name_and_type() -> None:
    source = format_source({"id": 3, "content": "text", "metadata": {"file_name": "guide.pdf", "page": 3}})
    assert source == {
        "id": "3",
        "name": "guide.pdf",
        "type": "pdf",
        "content": "text",
        "metadata": {"file_name": "guide.pdf", "page": 3},
    }
