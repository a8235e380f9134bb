"""Thread leases (docs/protocol.md, "Leases"): waiting for a thread's lease, and the error a
saver raises into a graph that lost it."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import grpc
from google.protobuf import duration_pb2

from .errors import CheckpointdError
from .v1 import checkpoint_service_pb2 as service_pb2

if TYPE_CHECKING:
    from .aio_client import AsyncCheckpointdClient
    from .client import CheckpointdClient

#: The metadata a write's fencing token may travel in instead of the request's field.
FENCING_TOKEN_HEADER = "x-checkpointd-fencing-token"


class LeaseLostError(RuntimeError):
    """This worker no longer holds the thread's lease: another worker owns the thread; stop the run."""

    def __init__(self, thread_id: str, reason: str) -> None:
        super().__init__(f"lease on thread {thread_id} lost: {reason}")
        self.thread_id = thread_id
        self.reason = reason


@dataclass(frozen=True)
class HeldLease:
    """Who holds a thread, as a refused AcquireLease says it."""

    holder: str
    expires_at: datetime | None
    #: The thread's last event id then: the lease's end comes after it.
    last_event_id: int


def lease_holder_of(error: BaseException) -> HeldLease | None:
    """The holder a FAILED_PRECONDITION from AcquireLease names; None for any other error."""
    if not isinstance(error, CheckpointdError) or error.code != grpc.StatusCode.FAILED_PRECONDITION:
        return None
    holder = error.metadata.get("x-checkpointd-lease-holder")
    if holder is None:
        return None
    expires = error.metadata.get("x-checkpointd-lease-expires-at")
    return HeldLease(
        holder=holder,
        expires_at=None if expires is None else datetime.fromisoformat(expires.replace("Z", "+00:00")),
        last_event_id=int(error.metadata.get("x-checkpointd-last-event-id", "0")),
    )


def duration(seconds: float) -> duration_pb2.Duration:
    out = duration_pb2.Duration()
    out.FromMilliseconds(round(seconds * 1000))
    return out


def _seconds_left(held: HeldLease) -> float:
    if held.expires_at is None:
        return 60.0
    return max(0.0, held.expires_at.timestamp() - datetime.now(held.expires_at.tzinfo).timestamp()) + 0.05


_ENDINGS = ("lease_released", "lease_expired", "thread_deleted")


def wait_for_lease(
    client: CheckpointdClient, thread_id: str, holder: str, ttl: float, *, timeout: float | None = None
) -> service_pb2.AcquireLeaseResponse:
    """Takes the thread's lease as soon as it frees (a standby worker's take-over).

    Tries AcquireLease; while another holder has it, watches the thread from the event id the
    refusal named for ``lease_released`` / ``lease_expired`` (or until the lease's expiry: a dead
    holder records nothing), then tries again. No polling. ``timeout`` (seconds) bounds the wait:
    then the last refusal is raised.
    """
    from .watch_state import WatchThread

    deadline = None if timeout is None else time.monotonic() + timeout
    request = service_pb2.AcquireLeaseRequest(thread_id=thread_id, holder=holder, ttl=duration(ttl))
    while True:
        try:
            return client.acquire_lease(request)
        except CheckpointdError as error:
            held = lease_holder_of(error)
            if held is None:
                raise
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise
        wait = _seconds_left(held) if left is None else min(_seconds_left(held), left)
        watch = client.watch([WatchThread(thread_id, after_event_id=held.last_event_id)])
        timer = threading.Timer(wait, watch.close)
        timer.daemon = True
        timer.start()
        try:
            for event in watch:
                if event.WhichOneof("kind") in _ENDINGS:
                    break
        finally:
            timer.cancel()
            watch.close()


async def wait_for_lease_async(
    client: AsyncCheckpointdClient, thread_id: str, holder: str, ttl: float, *, timeout: float | None = None
) -> service_pb2.AcquireLeaseResponse:
    """:func:`wait_for_lease` for the asyncio client."""
    from .watch_state import WatchThread

    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout
    request = service_pb2.AcquireLeaseRequest(thread_id=thread_id, holder=holder, ttl=duration(ttl))
    while True:
        try:
            return await client.acquire_lease(request)
        except CheckpointdError as error:
            held = lease_holder_of(error)
            if held is None:
                raise
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                raise
        wait = _seconds_left(held) if left is None else min(_seconds_left(held), left)
        watch = client.watch([WatchThread(thread_id, after_event_id=held.last_event_id)])

        async def until_ended() -> None:
            async for event in watch:
                if event.WhichOneof("kind") in _ENDINGS:
                    return

        try:
            await asyncio.wait_for(until_ended(), wait)
        except asyncio.TimeoutError:
            pass
        finally:
            await watch.aclose()
