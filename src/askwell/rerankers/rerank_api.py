"""Rerankers served over HTTP at `<ASKWELL_RERANKER_BASE_URL>/rerank`.

One client for the `/rerank` API that most servers share: Jina, Cohere v2, vLLM and
llama.cpp's server (`--reranking`) take {model, query, documents, top_n} and answer
{results: [{index, relevance_score}]}. Text Embeddings Inference takes {query, texts} and
answers a bare list of {index, score}: ASKWELL_RERANKER_FORMAT=tei sends its body, and either
answer is read whatever the format, by its shape.

Every failure becomes Unavailable naming the setting to check; nothing the server sends back
reaches a message beyond the first line of its text, redacted (errors.py).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any, Literal, TypeGuard

import httpx

from askwell.errors import Invalid, Unavailable
from askwell.settings import Settings

_CODE = "reranker_unavailable"
_SNIPPET = 200  # characters of a server's error text worth showing


class RerankAPIReranker:
    def __init__(
        self,
        model: str,
        *,
        base_url: str,
        api_key: str | None,
        wire_format: Literal["rerank", "tei"],
        timeout_s: float,
    ) -> None:
        self.name = f"http:{model}"
        self._model = model
        self._url = base_url.rstrip("/") + "/rerank"
        self._format = wire_format
        self._timeout_s = timeout_s
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # Built on first use: a client binds to the event loop it first runs on.
        self._client: httpx.AsyncClient | None = None

    async def rerank(self, query: str, passages: Sequence[str]) -> list[float]:
        if not passages:
            return []
        payload = await self._post(self._body(query, passages))
        return self._scores(payload, len(passages))

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _body(self, query: str, passages: Sequence[str]) -> dict[str, Any]:
        if self._format == "tei":
            # TEI refuses a text longer than its model's window unless told to truncate it.
            return {"query": query, "texts": list(passages), "truncate": True}
        # top_n: every passage, since some servers answer only their best few by default.
        return {"model": self._model, "query": query, "documents": list(passages), "top_n": len(passages)}

    async def _post(self, body: dict[str, Any]) -> Any:
        if self._client is None:
            self._client = httpx.AsyncClient(
                headers=self._headers, timeout=httpx.Timeout(self._timeout_s), trust_env=False
            )
        where = f"The reranker {self.name} at {self._url}"
        try:
            # httpx's timeout bounds each wait; this bounds the whole answer (a trickling server).
            async with asyncio.timeout(self._timeout_s):
                response = await self._client.post(self._url, json=body)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise Unavailable(
                f"{where} did not answer within {self._timeout_s:g} s (ASKWELL_RERANKER_TIMEOUT_S)",
                code=_CODE,
            ) from exc
        except httpx.TransportError as exc:
            raise Unavailable(
                f"Cannot reach the reranker {self.name} at {self._url}: check "
                f"ASKWELL_RERANKER_BASE_URL and that the server is running ({type(exc).__name__})",
                code=_CODE,
            ) from exc
        if response.status_code in (401, 403):
            raise Unavailable(
                f"{where} refused the credentials ({response.status_code}): check ASKWELL_RERANKER_API_KEY",
                code=_CODE,
            )
        if response.is_error:
            hint = " (is it a reranking model? is the path right?)" if response.status_code == 404 else ""
            raise Unavailable(
                f"{where} answered {response.status_code}{hint}: {_first_line(response.text)}", code=_CODE
            )
        try:
            return response.json()
        except ValueError as exc:
            raise self._garbage("a body that is not JSON") from exc

    def _scores(self, payload: Any, count: int) -> list[float]:
        # {"results": [...]} from the /rerank API, a bare list from TEI.
        items = payload.get("results") if isinstance(payload, dict) else payload
        if not isinstance(items, list):
            raise self._garbage("neither a `results` list nor a list of scores")
        scores: list[float | None] = [None] * count
        for item in items:
            index = item.get("index") if isinstance(item, dict) else None
            score = item.get("relevance_score", item.get("score")) if isinstance(item, dict) else None
            if not _is_int(index) or not 0 <= index < count:
                raise self._garbage(f"a result whose index is not one of the {count} passages")
            if not _is_number(score) or not math.isfinite(score):
                raise self._garbage("a result whose score is not a finite number")
            scores[index] = float(score)
        answered = [s for s in scores if s is not None]
        if len(answered) != count:
            raise Unavailable(
                f"The reranker {self.name} scored {len(answered)} of {count} passages "
                "(does the server cut the answer to its top_n?)",
                code=_CODE,
            )
        return answered

    def _garbage(self, what: str) -> Unavailable:
        return Unavailable(
            f"The reranker {self.name} at {self._url} answered {what}: check ASKWELL_RERANKER_BASE_URL "
            "and ASKWELL_RERANKER_FORMAT",
            code=_CODE,
        )


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "(empty body)"
    return line[:_SNIPPET]


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def create(model: str, settings: Settings) -> RerankAPIReranker:
    if not settings.reranker_base_url:
        raise Invalid(
            f"The reranker http:{model} needs its server: set ASKWELL_RERANKER_BASE_URL "
            "(Askwell POSTs to <url>/rerank)",
            code="invalid_reranker",
        )
    if not settings.reranker_base_url.startswith(("http://", "https://")):
        raise Invalid(
            f"ASKWELL_RERANKER_BASE_URL must start with http:// or https://, not "
            f"{settings.reranker_base_url!r}",
            code="invalid_reranker",
        )
    return RerankAPIReranker(
        model,
        base_url=settings.reranker_base_url,
        api_key=settings.reranker_api_key.get_secret_value() if settings.reranker_api_key else None,
        wire_format=settings.reranker_format,
        timeout_s=settings.reranker_timeout_s,
    )
