"""How a prompt asks for the answer's language (shared by every answering stage)."""

from __future__ import annotations

_LANGUAGE_NAMES = {
    "ar": "Arabic", "de": "German", "en": "English", "es": "Spanish", "fr": "French",
    "hi": "Hindi", "it": "Italian", "ja": "Japanese", "ko": "Korean", "nl": "Dutch",
    "pl": "Polish", "pt": "Portuguese", "ru": "Russian", "sv": "Swedish", "tr": "Turkish",
    "uk": "Ukrainian", "zh": "Chinese",
}  # fmt: skip

_ANSWER_IN = {
    "de": "Antworte auf Deutsch.", "en": "Answer in English.", "es": "Responde en español.",
    "fr": "Réponds en français.", "it": "Rispondi in italiano.", "nl": "Antwoord in het Nederlands.",
    "pt": "Responda em português.",
}  # fmt: skip


def _base(code: str) -> str:
    return code.split("-")[0].split("_")[0].lower()


def language_name(code: str) -> str:
    return _LANGUAGE_NAMES.get(_base(code), code)


def answer_in(language: str) -> str:
    """The language instruction, written in that language when we know it (followed far more reliably)."""
    return _ANSWER_IN.get(_base(language), f"Answer in {language_name(language)}.")
