"""A real (tiny) reranking server on 127.0.0.1 speaking both `/rerank` dialects, for tests.

No package ships a reranking model for llama.cpp's server or TEI, so this peer scores by a
rule the tests can recompute (`score`), over a real socket and real JSON:

- {model, query, documents, top_n} -> {results: [{index, relevance_score}]} (Jina, Cohere v2,
  vLLM, llama.cpp), best first and cut to top_n, as those servers answer;
- {query, texts} -> [{index, score}] (Text Embeddings Inference), best first.

The model names a rule: "overlap" counts the query's distinct words found in the passage,
"reverse" is minus that (the least related first). A few names misbehave on purpose: "slow"
answers after 5 s, "error" with a 500, "html" with a page, "short" leaves out a passage.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from tests.server import JsonHandler

_WORD = re.compile(r"[a-z0-9]+")
SLOW_S = 5.0


def score(model: str, query: str, passage: str) -> float:
    """What the peer answers for `passage` under `model`'s rule."""
    overlap = len(set(_WORD.findall(query.lower())) & set(_WORD.findall(passage.lower())))
    return float(-overlap if model == "reverse" else overlap)


@dataclass
class Seen:
    path: str
    body: dict[str, Any]
    authorization: str | None


@dataclass
class RerankServer:
    url: str
    seen: list[Seen] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    record: RerankServer


class _Handler(JsonHandler):
    server: _Server

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.record.seen.append(Seen(self.path, body, self.headers.get("Authorization")))
        if self.path != "/rerank":
            self._send(404, {"error": "Not Found"})
            return
        if "texts" in body:  # TEI: one model per server, scored by overlap
            ranked = self._ranked("overlap", body["query"], body["texts"])
            self._send(200, [{"index": i, "score": s} for i, s in ranked])
            return
        model = body["model"]
        if model == "slow":
            time.sleep(SLOW_S)
        if model == "error":
            self._send_raw(500, "text/plain", b"CUDA out of memory\nstack trace follows")
            return
        if model == "html":
            self._send_raw(200, "text/html", b"<html><body>It works!</body></html>")
            return
        ranked = self._ranked(model, body["query"], body["documents"])[: body.get("top_n")]
        if model == "short":
            ranked = ranked[:-1]
        results = [{"index": i, "relevance_score": s} for i, s in ranked]
        self._send(200, {"model": model, "results": results, "usage": {"total_tokens": 0}})

    @staticmethod
    def _ranked(model: str, query: str, passages: list[str]) -> list[tuple[int, float]]:
        scored = [(i, score(model, query, p)) for i, p in enumerate(passages)]
        return sorted(scored, key=lambda pair: -pair[1])


@contextmanager
def running_rerank_server() -> Iterator[RerankServer]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.record = RerankServer(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.record
    finally:
        httpd.shutdown()
        httpd.server_close()
