"""Give memory a finished piece of work no longer needs back to the operating system.

A long-lived worker that parses and embeds thousands of documents otherwise keeps its peak:
CPython and glibc's malloc hold on to freed memory inside their heaps (one arena per thread that
ever allocated, up to 8 per core), and only ``malloc_trim`` hands the free pages in the middle of
those heaps back. :func:`release_memory` is cheap (milliseconds; bench/ingest_memory.py measures
it), so it runs after every job, not on a timer.

Elsewhere than glibc (musl, macOS) there is no ``malloc_trim``: only the garbage collection runs.
For worker processes, ``MALLOC_ARENA_MAX=2`` in the environment also caps the number of arenas
(see bench/RESULTS.md, "ingest_memory"); it is left to the deployment rather than forced here.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

logger = logging.getLogger(__name__)


def release_memory() -> None:
    """Collect garbage, then return the allocator's free pages to the OS (glibc only).

    Call it once a job (an ingestion, a long export) has finished and dropped its data. Safe from
    any thread; it holds the GIL for the collection and each malloc arena's lock in turn.
    """
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def anonymous_bytes() -> int | None:
    """This process's resident anonymous memory (RssAnon), or None where /proc is absent."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
    return None


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # glibc; musl has no such symbol
    except (OSError, AttributeError):
        logger.debug("malloc_trim not available: only garbage collection releases memory")
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim  # type: ignore[no-any-return]
