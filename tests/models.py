"""Function-driven chat models for the tests: `function:tests.models:NAME`.

They know the prompts of the SQL route, so a test of that route needs no real model:
routing says "database", a SQL prompt gets the SQL of its example whose question is
asked, a result gets a one-line summary; anything else is answered like `scripted:echo`.
"""

from __future__ import annotations

import re

from askwell.llm.base import GenerationOptions, Message
from askwell.llm.scripted import compose_answer
from askwell.sql.prompting import RETRY_INSTRUCTION

ANALYST = "function:tests.models:analyst"
RETRYING_ANALYST = "function:tests.models:retrying_analyst"  # its first SQL does not parse
STUCK_ANALYST = "function:tests.models:stuck_analyst"  # writes the same broken SQL every time
MISSPELLING_ANALYST = "function:tests.models:misspelling_analyst"  # a column name one letter off
# Looks for a title no employee has, and the right one once the retry prompt lists the titles.
LITERAL_ANALYST = "function:tests.models:literal_analyst"

_EXAMPLE = re.compile(r"^Question: ([^\n]+)\nSQL: (.+?)(?=\n\n|\Z)", re.M | re.S)
_BROKEN = "```sql\nSELEC broken FROM\n```"


def analyst(messages: list[Message], options: GenerationOptions) -> str:
    return _sql_route_reply(messages) or compose_answer(messages)


def retrying_analyst(messages: list[Message], options: GenerationOptions) -> str:
    if _writes_sql(messages) and RETRY_INSTRUCTION not in messages[-1].content:
        return _BROKEN
    return analyst(messages, options)


def stuck_analyst(messages: list[Message], options: GenerationOptions) -> str:
    return _BROKEN if _writes_sql(messages) else analyst(messages, options)


def misspelling_analyst(messages: list[Message], options: GenerationOptions) -> str:
    if _writes_sql(messages):
        return "```sql\nSELECT COUNT(*) AS long_tracks FROM Track WHERE Milisecond > 300000\n```"
    return analyst(messages, options)


def literal_analyst(messages: list[Message], options: GenerationOptions) -> str:
    if _writes_sql(messages):
        title = "Sales Support Agent" if "never holds" in messages[-1].content else "Sales Agent"
        return f"```sql\nSELECT FirstName, LastName FROM Employee WHERE Title = '{title}'\n```"
    return analyst(messages, options)


def _writes_sql(messages: list[Message]) -> bool:
    return bool(messages) and "Reply with the SQL only" in messages[0].content


def _sql_route_reply(messages: list[Message]) -> str | None:
    system = messages[0].content if messages and messages[0].role == "system" else ""
    last = messages[-1].content if messages else ""
    if system.startswith("You route questions"):
        return "database"
    if _writes_sql(messages):
        prompt = messages[1].content
        question = prompt.rsplit("Question: ", 1)[-1].strip()
        examples = _EXAMPLE.findall(prompt)
        chosen = next((sql for q, sql in examples if q.strip().lower() == question.lower()), None)
        return f"```sql\n{chosen or (examples[0][1] if examples else 'SELECT 1')}\n```"
    if "from the query result" in system:
        lines = last.split("Result:\n", 1)[-1].splitlines()
        first = lines[1] if len(lines) > 1 else "none"
        return f"The result has {max(len(lines) - 1, 0)} rows. First row: {first}."
    return None
