"""Turns an assistant, its sources, the memory and the question into model messages."""

from __future__ import annotations

from collections.abc import Sequence

from askwell.chat.events import Source
from askwell.llm.base import Message

_LANGUAGE_NAMES = {
    "ar": "Arabic",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "hi": "Hindi",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ru": "Russian",
    "sv": "Swedish",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "zh": "Chinese",
}

_DEFAULT_SYSTEM = "You are a helpful assistant. Answer clearly and concisely."


def language_name(code: str) -> str:
    return _LANGUAGE_NAMES.get(code.split("-")[0].split("_")[0].lower(), code)


def build_messages(
    *,
    system_prompt: str,
    question: str,
    memory: Sequence[dict[str, str]],
    sources: Sequence[Source],
    language: str | None,
) -> list[Message]:
    """System instructions (+ numbered passages when there are sources), memory, then the question."""
    system = system_prompt.strip() or _DEFAULT_SYSTEM
    if sources:
        passages = "\n\n".join(f"[{i}] ({s.name}) {s.content}" for i, s in enumerate(sources, 1))
        system += (
            "\n\nAnswer from the numbered context passages below and cite them as [n]. "
            "If they do not contain the answer, say that you don't know.\n\n" + passages
        )
    if language:
        system += f"\n\nAlways answer in {language_name(language)}."
    messages = [Message(role="system", content=system)]
    messages += [
        Message(role="assistant" if t["role"] == "assistant" else "user", content=t["content"])
        for t in memory
    ]
    messages.append(Message(role="user", content=question))
    return messages
