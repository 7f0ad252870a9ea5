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
# Ranks the top five genres and calls the first one's count "a total" (as the 1.5B model did).
MISSTATING_ANALYST = "function:tests.models:misstating_analyst"
_TOP_GENRES = (
    "SELECT g.Name AS genre, COUNT(*) AS tracks FROM Track t JOIN Genre g ON g.GenreId = t.GenreId "
    "GROUP BY g.Name ORDER BY tracks DESC LIMIT 5"
)

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


def misstating_analyst(messages: list[Message], options: GenerationOptions) -> str:
    if _writes_sql(messages):
        return f"```sql\n{_TOP_GENRES}\n```"
    if messages and "from the query result" in messages[0].content:
        first = messages[-1].content.split("Result:\n", 1)[-1].splitlines()[1].split(" | ")
        return f"The top genre is {first[0]}. The five genres have a total of {first[1]} tracks."
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
        lines = [line for line in last.split("Result:\n", 1)[-1].splitlines() if not line.startswith("(")]
        first = lines[1] if len(lines) > 1 else "none"
        total = re.search(r"^\((\d+) rows", last, re.M)  # more rows than the prompt shows
        return (
            f"The result has {total.group(1) if total else max(len(lines) - 1, 0)} rows. First row: {first}."
        )
    return None


def breaks_on_request(messages: list[Message], options: GenerationOptions) -> str:
    """Answers like `scripted:echo`, but fails on a question that asks it to (evaluation tests)."""
    if "please break here" in messages[-1].content:
        raise RuntimeError("the model broke on purpose")
    return compose_answer(messages)
