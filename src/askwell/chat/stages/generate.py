"""Prompt the model with the budgeted context and stream its answer, checked (citations, no
stretch of the instructions).

The answer of every turn no kind takes over: from the sources a kind gathered, if any.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from askwell.chat.passage_budget import PassageBudget
from askwell.chat.prompting import Budget, build_prompt
from askwell.turn.answer_checks import AnswerChecks
from askwell.turn.events import ChatEvent, SourcesEvent, TokenEvent, UsageInfo
from askwell.turn.state import GENERATE, Turn, TurnDeps


class GenerateStage:
    def __init__(self, passage_budget: PassageBudget | None = None) -> None:
        # Applied to models with a finite context window only: those are the local ones,
        # which read a long prompt slowly. Remote models keep every passage whole.
        self._passage_budget = passage_budget

    async def run(self, turn: Turn, deps: TurnDeps) -> AsyncIterator[ChatEvent]:
        if turn.route != GENERATE:
            return
        yield turn.steps.start("generate", "Generating answer", model=deps.model.name)
        budget = None
        if deps.model.context_window:
            budget = Budget(deps.model.context_window, deps.options.max_tokens, deps.model.count_tokens)
        prompt = build_prompt(
            system_prompt=turn.system_prompt,
            question=turn.question,
            memory=turn.memory,
            sources=turn.sources,
            language=turn.language,
            budget=budget,
            passage_budget=self._passage_budget if budget is not None else None,
        )
        # Only the passages that fit the prompt can be cited: those are the turn's sources.
        turn.sources = prompt.sources
        if turn.searched:
            yield SourcesEvent(sources=turn.sources)
        # What the system message says is not for the user, whatever a passage asks for.
        checks = AnswerChecks(instructions=prompt.messages[0].content, source_count=len(turn.sources))
        try:
            try:
                async for chunk in deps.model.stream(prompt.messages, deps.options):
                    if chunk.text and (text := checks.feed(chunk.text)):
                        yield self._token(turn, text)
                    if chunk.usage is not None:
                        turn.usage = UsageInfo(
                            prompt_tokens=chunk.usage.prompt_tokens,
                            completion_tokens=chunk.usage.completion_tokens,
                        )
            except Exception:
                # The model failed mid-answer: the partial answer kept is all it said, checked.
                if tail := checks.flush():
                    yield self._token(turn, tail)
                raise
            if tail := checks.flush():
                yield self._token(turn, tail)
        finally:
            self._mark_cited(turn, checks.cited)
        # Shown when the answer repeated the instructions and that stretch was taken out.
        withheld: dict[str, Any] = {"withheld": "instructions"} if checks.leaked else {}
        if checks.meta_removed:
            withheld["meta_sentences_removed"] = checks.meta_removed
        yield turn.steps.finish(
            "generate",
            completion_tokens=turn.usage.completion_tokens,
            memory_used=prompt.memory_used,
            passages_used=prompt.passages_used,
            cited=sorted(checks.cited),
            **withheld,
        )

    @staticmethod
    def _token(turn: Turn, text: str) -> TokenEvent:
        if turn.first_token_ms is None:
            turn.first_token_ms = turn.elapsed_ms()
        turn.answer.append(text)
        return TokenEvent(content=text)

    @staticmethod
    def _mark_cited(turn: Turn, cited: set[int]) -> None:
        for number, source in enumerate(turn.sources, 1):
            source.metadata["cited"] = number in cited
