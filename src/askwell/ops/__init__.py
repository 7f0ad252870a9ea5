"""Operations: health and readiness, Prometheus metrics, logs with a request id.

A low-level package: chat/, documents/, sql/ and jobs/ call its small recording functions
(`metrics.observe_*`, `logs.request_context`); it imports none of them back.
"""
