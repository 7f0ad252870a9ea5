"""The http: reranker against a real reranking server on 127.0.0.1, in both wire formats."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from askwell.errors import Invalid, Unavailable
from askwell.rerankers.registry import RerankerRegistry, check_reranker_name
from askwell.settings import Settings
from tests.rerank_server import RerankServer, running_rerank_server, score
from tests.server import free_port

QUERY = "how often are passwords rotated"
PASSAGES = [
    "The cafeteria serves lentil soup on Mondays.",
    "Passwords are rotated every 90 days.",
    "Laptops use full-disk encryption; passwords are long.",
]


@pytest.fixture(scope="module")
def server() -> Iterator[RerankServer]:
    with running_rerank_server() as running:
        yield running


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def registry(server: RerankServer) -> AsyncIterator[RerankerRegistry]:
    registry = RerankerRegistry(_settings(reranker_base_url=server.url + "/", reranker_api_key="sk-rr"))
    yield registry
    await registry.aclose()


async def test_scores_come_back_in_passage_order(registry: RerankerRegistry, server: RerankServer) -> None:
    reranker = registry.get("http:overlap")
    assert reranker.name == "http:overlap"
    # The server answers best first; the scores must follow the passages' order (by "index").
    assert await reranker.rerank(QUERY, PASSAGES) == [score("overlap", QUERY, p) for p in PASSAGES]
    seen = server.seen[-1]
    assert seen.path == "/rerank"
    assert seen.body == {"model": "overlap", "query": QUERY, "documents": PASSAGES, "top_n": 3}
    assert seen.authorization == "Bearer sk-rr"
    assert await reranker.rerank(QUERY, []) == []


async def test_tei_format(server: RerankServer) -> None:
    registry = RerankerRegistry(_settings(reranker_base_url=server.url, reranker_format="tei"))
    try:
        scores = await registry.get("http:bge-reranker-base").rerank(QUERY, PASSAGES)
    finally:
        await registry.aclose()
    assert scores == [score("overlap", QUERY, p) for p in PASSAGES]
    assert server.seen[-1].body == {"query": QUERY, "texts": PASSAGES, "truncate": True}
    assert server.seen[-1].authorization is None


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("error", "answered 500: CUDA out of memory"),
        ("html", "answered a body that is not JSON: check ASKWELL_RERANKER_BASE_URL"),
        ("short", "scored 2 of 3 passages"),
    ],
)
async def test_bad_answers_are_unavailable(registry: RerankerRegistry, model: str, message: str) -> None:
    with pytest.raises(Unavailable, match=message) as caught:
        await registry.get(f"http:{model}").rerank(QUERY, PASSAGES)
    assert caught.value.code == "reranker_unavailable"
    assert "stack trace" not in caught.value.message  # only the first line of the server's text


async def test_wrong_path_says_so(server: RerankServer) -> None:
    registry = RerankerRegistry(_settings(reranker_base_url=server.url + "/v9"))
    try:
        with pytest.raises(Unavailable, match=r"answered 404 \(is it a reranking model"):
            await registry.get("http:overlap").rerank(QUERY, PASSAGES)
    finally:
        await registry.aclose()


async def test_slow_server_times_out(server: RerankServer) -> None:
    registry = RerankerRegistry(_settings(reranker_base_url=server.url, reranker_timeout_s=0.2))
    try:
        with pytest.raises(Unavailable, match=r"did not answer within 0.2 s \(ASKWELL_RERANKER_TIMEOUT_S\)"):
            await registry.get("http:slow").rerank(QUERY, PASSAGES)
    finally:
        await registry.aclose()


async def test_server_down() -> None:
    registry = RerankerRegistry(_settings(reranker_base_url=f"http://127.0.0.1:{free_port()}"))
    try:
        with pytest.raises(
            Unavailable, match=r"Cannot reach the reranker http:overlap .* ASKWELL_RERANKER_BASE_URL"
        ):
            await registry.get("http:overlap").rerank(QUERY, PASSAGES)
    finally:
        await registry.aclose()


def test_names_and_missing_server() -> None:
    assert check_reranker_name("http:bge-reranker-v2-m3") == ("http", "bge-reranker-v2-m3")
    with pytest.raises(Invalid, match='must be written "provider:model"'):
        check_reranker_name("http")
    with pytest.raises(Invalid, match="Unknown reranker provider 'local'; known: http"):
        check_reranker_name("local:ms-marco-minilm")
    with pytest.raises(Invalid, match="set ASKWELL_RERANKER_BASE_URL"):
        RerankerRegistry(_settings()).get("http:overlap")
    with pytest.raises(Invalid, match="must start with http:// or https://"):
        RerankerRegistry(_settings(reranker_base_url="localhost:8080")).get("http:overlap")
