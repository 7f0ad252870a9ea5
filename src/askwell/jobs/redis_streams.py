"""The production queue: job ids on a Redis stream, consumed by `askwell worker` processes.

Taskiq's Redis Streams broker carries them with acknowledgements (a message is acked once
its job has run, so a killed worker's message is delivered again). Redis holds nothing the
database does not: if it is flushed or replaced, `lost_messages` notices the missing
marker and the reconciler sends every queued job again. Taskiq re-claims a dead consumer's
messages only after a fetch returns something, so the database heartbeat, not the broker,
is what brings an orphaned job back quickly.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError, ResponseError
from taskiq.acks import AcknowledgeType
from taskiq.api import run_receiver_task
from taskiq_redis import RedisStreamBroker

logger = logging.getLogger(__name__)

Consume = Callable[[uuid.UUID], Awaitable[bool]]
GROUP = "askwell-workers"
_TASK_NAME = "askwell.run_job"
_STOP_GRACE_S = 3.0


class RedisStreamsTransport:
    name = "redis"

    def __init__(
        self,
        url: str,
        *,
        stream: str,
        consume: Consume | None = None,
        concurrency: int = 1,
        timeout_s: float = 2.0,
        redeliver_after_s: float = 600.0,
    ) -> None:
        """`consume` set: a worker, which receives and runs jobs; unset: an API process, which sends."""
        self._stream = stream
        self._marker = f"{stream}:marker"  # set while this Redis has held the stream since we looked
        self._consume = consume
        self._concurrency = concurrency
        self._broker = RedisStreamBroker(
            url,
            queue_name=stream,
            consumer_group_name=GROUP,
            consumer_id="0",  # a group made after jobs were sent still reads them
            idle_timeout=int(redeliver_after_s * 1000),
            maxlen=100_000,  # acked entries are trimmed; the database keeps the record
            socket_timeout=timeout_s + 5,  # above the 2 s blocking read
            socket_connect_timeout=timeout_s,
            # No silent reconnect: a failed read ends the listener, and `_receive_forever`
            # (or, for a send, the reconciler) is what tries again.
            retry=Retry(NoBackoff(), retries=0),
        )

        async def run_job(job_id: str) -> None:  # taskiq registers functions, not methods
            await self._deliver(job_id)

        self._task = self._broker.register_task(run_job, task_name=_TASK_NAME)
        self._redis = Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self._receiver: asyncio.Task[None] | None = None

    async def start(self) -> None:
        try:
            await self._broker.startup()
        except (ConnectionError, OSError, RedisError) as exc:
            # Starting without Redis is allowed: jobs wait in the database, the receiver retries.
            logger.warning("The Redis job queue is unreachable (%s); jobs wait until it is back", exc)
        if self._consume is not None:
            self._receiver = asyncio.create_task(self._receive_forever(), name="job-receiver")

    async def send(self, job_ids: Sequence[uuid.UUID]) -> None:
        for job_id in job_ids:
            await self._task.kiq(str(job_id))

    async def lost_messages(self) -> bool:
        # Setting the marker succeeds only on a new (or flushed) Redis: it may not hold what was sent.
        return bool(await self._redis.set(self._marker, "1", nx=True))

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        if self._receiver is not None:
            await self._stop_receiver(self._receiver)
        await self._broker.shutdown()
        await self._redis.aclose()

    async def _stop_receiver(self, receiver: asyncio.Task[None]) -> None:
        """Cancel the receiver, bounded. Now and then (about 1 start-and-close in 100 on
        Python 3.11, taskiq 0.13, redis-py 8) the cancel of taskiq's pending read is lost: the
        listener reads on and taskiq waits for it forever. Closing the broker's connections
        fails that read (the broker does not retry), which ends the listener."""
        receiver.cancel()
        _, pending = await asyncio.wait({receiver}, timeout=_STOP_GRACE_S)
        if pending:
            logger.warning("The job receiver ignored its cancel; closing its Redis connections")
            await self._broker.connection_pool.disconnect()
            _, pending = await asyncio.wait({receiver}, timeout=_STOP_GRACE_S)
        if pending:
            logger.error("The job receiver did not stop; leaving it to the process's exit")

    async def _deliver(self, job_id: str) -> None:
        assert self._consume is not None
        if await self._consume(uuid.UUID(job_id)):
            await self.send([uuid.UUID(job_id)])

    async def _receive_forever(self) -> None:
        """Taskiq's receiver, restarted when Redis goes away (it ends on a lost connection)."""
        delay = 0.5
        while True:
            try:
                await self._ensure_group()
                await run_receiver_task(
                    self._broker,
                    max_async_tasks=self._concurrency,
                    ack_time=AcknowledgeType.WHEN_EXECUTED,
                    validate_params=False,
                )
                logger.warning("Job receiver ended; starting it again")
                await asyncio.sleep(delay)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("Job receiver stopped (%s); reconnecting in %.1f s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _ensure_group(self) -> None:
        """The consumer group, made again after a flush (the broker makes it only at start-up)."""
        try:
            await self._redis.xgroup_create(self._stream, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
