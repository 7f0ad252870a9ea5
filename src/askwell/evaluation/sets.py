"""Reading an uploaded evaluation set: JSONL or CSV lines into validated questions.

Every line is checked and every problem is reported with its line number and field, so an
admin fixes a file in one pass rather than one error per upload.

CSV columns: `question`, `expected_answer`, `expected_documents` (names separated by `;`, a
page after `#`: `guide.pdf#4; faq.html`), `expected_sql`, `expected_result` (JSON: a list of
rows, or {"columns": [...], "rows": [...]}), `id`. JSONL lines carry the same fields, with
`expected_documents` a list of names or of {"name", "page"} objects.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from askwell.evaluation.schemas import EvalItem

MAX_BYTES = 5 * 1024 * 1024
MAX_QUESTIONS = 2000
_MAX_PROBLEMS = 50  # enough to fix a file by; a wholly wrong file would list every line


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based, as an editor shows it (the CSV header is line 1)
    field: str
    message: str


class SetProblems(Exception):
    """The file cannot be used as it is; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the evaluation set")
        self.problems = problems


def parse_set(content: bytes, filename: str) -> list[EvalItem]:
    """The file's questions, or SetProblems naming each bad line and field."""
    if len(content) > MAX_BYTES:
        raise SetProblems([Problem(0, "file", f"the file is over {MAX_BYTES // (1024 * 1024)} MB; split it")])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SetProblems([Problem(0, "file", "the file is not UTF-8 text")]) from None
    rows = _csv_rows(text) if filename.lower().endswith(".csv") else _jsonl_rows(text)
    items: list[EvalItem] = []
    problems: list[Problem] = []
    for line, row in rows:
        if isinstance(row, Problem):
            problems.append(row)
            continue
        try:
            items.append(EvalItem.model_validate(row))
        except ValidationError as exc:
            problems.extend(
                Problem(line, ".".join(str(p) for p in err["loc"]) or "line", err["msg"])
                for err in exc.errors()
            )
        if len(problems) >= _MAX_PROBLEMS:
            break
    if not problems and not items:
        problems.append(Problem(0, "file", "the file has no questions"))
    if len(items) > MAX_QUESTIONS:
        problems.append(Problem(0, "file", f"{len(items)} questions; a set holds at most {MAX_QUESTIONS}"))
    if problems:
        raise SetProblems(problems[:_MAX_PROBLEMS])
    return items


def _jsonl_rows(text: str) -> list[tuple[int, dict[str, Any] | Problem]]:
    rows: list[tuple[int, dict[str, Any] | Problem]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            rows.append((number, Problem(number, "line", f"not valid JSON ({exc.msg})")))
            continue
        if not isinstance(value, dict):
            rows.append((number, Problem(number, "line", "each line must be a JSON object")))
            continue
        rows.append((number, _normalised(value)))
    return rows


def _csv_rows(text: str) -> list[tuple[int, dict[str, Any] | Problem]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "question" not in reader.fieldnames:
        return [(1, Problem(1, "question", "the CSV header must name a `question` column"))]
    rows: list[tuple[int, dict[str, Any] | Problem]] = []
    for row in reader:
        number = reader.line_num
        if None in row:
            rows.append((number, Problem(number, "line", "more cells than the header has columns")))
            continue
        value: dict[str, Any] = {key: cell for key, cell in row.items() if cell not in ("", None)}
        if "expected_documents" in value:
            value["expected_documents"] = value["expected_documents"].split(";")
        if "expected_result" in value:
            try:
                value["expected_result"] = json.loads(value["expected_result"])
            except json.JSONDecodeError as exc:
                rows.append((number, Problem(number, "expected_result", f"not valid JSON ({exc.msg})")))
                continue
        rows.append((number, _normalised(value)))
    return rows


def _normalised(value: dict[str, Any]) -> dict[str, Any]:
    """The short forms spelled out: documents as names, a result as a bare list of rows."""
    value["expected_documents"] = _documents(value.get("expected_documents"))
    if isinstance(value.get("expected_result"), list):
        value["expected_result"] = {"rows": value["expected_result"]}
    return value


def _documents(value: Any) -> Any:
    """Names ("guide.pdf", "guide.pdf#4") as {"name", "page"}; anything else is left to validation."""
    if not isinstance(value, list):
        return [] if value is None else value
    documents = []
    for entry in value:
        if isinstance(entry, str):
            name, _, page = entry.strip().partition("#")
            documents.append({"name": name, **({"page": page} if page else {})})
        else:
            documents.append(entry)
    return [d for d in documents if not (isinstance(d, dict) and d.get("name") == "")]
