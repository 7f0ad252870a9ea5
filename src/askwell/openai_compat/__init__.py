"""The OpenAI-compatible Chat Completions API over assistants (`/v1`): a translation of the
native turn's events into OpenAI's wire format, not a second chat engine."""
