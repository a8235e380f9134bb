"""``single_writer=True``: the leases a CheckpointdSaver holds, one per thread it runs."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import grpc

from ..aio_client import AsyncCheckpointdClient
from ..client import CheckpointdClient
from ..errors import CheckpointdError
from ..leases import LeaseLostError, duration
from ..v1 import checkpoint_service_pb2 as service_pb2

T = TypeVar("T")


@dataclass
class SingleWriter:
    """``single_writer`` options of CheckpointdSaver."""

    #: Named to other workers while this saver holds a thread (default: host, pid, a random suffix).
    holder: str | None = None
    #: The lease's ttl in seconds; renewed every third of it.
    ttl: float = 30.0
    #: How long the first call of a run waits for another holder's lease to end (0: fail at once).
    wait: float = 0.0


@dataclass
class _Lease:
    thread_id: str
    lease_id: str
    token: int
    lost: LeaseLostError | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    task: asyncio.Task[None] | None = None


def _refused(error: BaseException) -> bool:
    return isinstance(error, CheckpointdError) and error.code == grpc.StatusCode.FAILED_PRECONDITION


class ThreadLeases:
    """A thread's lease is taken at the saver's first call for it (sync or async), renewed in the
    background every ttl/3 (a daemon thread, or a task of the running loop), and its token goes
    with every write until release(). A renewal or write refused with FAILED_PRECONDITION means
    another worker took the thread: every later call for it raises LeaseLostError."""

    def __init__(self, options: SingleWriter) -> None:
        if not 0.1 <= options.ttl <= 3600:
            raise ValueError(f"single_writer ttl must be from 0.1 to 3600 seconds, not {options.ttl}")
        self.holder = options.holder or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.options = options
        self._leases: dict[str, _Lease] = {}
        self._lock = threading.Lock()

    def _request(self, thread_id: str) -> service_pb2.AcquireLeaseRequest:
        request = service_pb2.AcquireLeaseRequest(thread_id=thread_id, holder=self.holder, ttl=duration(self.options.ttl))
        if self.options.wait > 0:
            request.wait.CopyFrom(duration(self.options.wait))
        return request

    def _held(self, thread_id: str) -> _Lease | None:
        lease = self._leases.get(thread_id)
        if lease is not None and lease.lost is not None:
            raise lease.lost
        return lease

    def _lose(self, lease: _Lease, error: CheckpointdError) -> LeaseLostError:
        if lease.lost is None:
            lease.lost = LeaseLostError(lease.thread_id, error.details)
        lease.stop.set()
        return lease.lost

    # -- sync ----------------------------------------------------------------------------------

    def token(self, client: CheckpointdClient, thread_id: str) -> int:
        with self._lock:
            lease = self._held(thread_id)
            if lease is None:
                got = client.acquire_lease(self._request(thread_id), timeout=self.options.wait + 10)
                lease = _Lease(thread_id, got.lease_id, got.fencing_token)
                self._leases[thread_id] = lease
                threading.Thread(target=self._renew_loop, args=(client, lease), daemon=True).start()
            return lease.token

    def fenced(self, client: CheckpointdClient, thread_id: str, write: Callable[[int], T]) -> T:
        token = self.token(client, thread_id)
        try:
            return write(token)
        except CheckpointdError as error:
            lease = self._leases.get(thread_id)
            if not _refused(error) or lease is None:
                raise
            raise self._lose(lease, error) from error

    def _renew_loop(self, client: CheckpointdClient, lease: _Lease) -> None:
        period = self.options.ttl / 3
        while not lease.stop.wait(period):
            try:
                client.renew_lease(
                    service_pb2.RenewLeaseRequest(thread_id=lease.thread_id, lease_id=lease.lease_id), timeout=period
                )
            except CheckpointdError as error:
                if _refused(error):
                    self._lose(lease, error)
                    return
            except Exception:  # closed client, cut connection: the next tick tries again
                pass

    def release(self, client: CheckpointdClient, thread_id: str) -> None:
        with self._lock:
            lease = self._leases.pop(thread_id, None)
        if lease is None:
            return
        lease.stop.set()
        if lease.lost is None:
            client.release_lease(service_pb2.ReleaseLeaseRequest(thread_id=thread_id, lease_id=lease.lease_id))

    def threads(self) -> list[str]:
        return list(self._leases)

    # -- async ---------------------------------------------------------------------------------

    async def atoken(self, client: AsyncCheckpointdClient, thread_id: str) -> int:
        lease = self._held(thread_id)
        if lease is None:
            got = await client.acquire_lease(self._request(thread_id), timeout=self.options.wait + 10)
            lease = self._leases.get(thread_id)
            if lease is None:
                lease = _Lease(thread_id, got.lease_id, got.fencing_token)
                self._leases[thread_id] = lease
                lease.task = asyncio.get_running_loop().create_task(self._arenew_loop(client, lease))
        return lease.token

    async def afenced(self, client: AsyncCheckpointdClient, thread_id: str, write: Callable[[int], Awaitable[T]]) -> T:
        token = await self.atoken(client, thread_id)
        try:
            return await write(token)
        except CheckpointdError as error:
            lease = self._leases.get(thread_id)
            if not _refused(error) or lease is None:
                raise
            raise self._lose(lease, error) from error

    async def _arenew_loop(self, client: AsyncCheckpointdClient, lease: _Lease) -> None:
        period = self.options.ttl / 3
        while not lease.stop.is_set():
            await asyncio.sleep(period)
            if lease.stop.is_set():
                return
            try:
                await client.renew_lease(
                    service_pb2.RenewLeaseRequest(thread_id=lease.thread_id, lease_id=lease.lease_id), timeout=period
                )
            except CheckpointdError as error:
                if _refused(error):
                    self._lose(lease, error)
                    return
            except Exception:
                pass

    async def arelease(self, client: AsyncCheckpointdClient, thread_id: str) -> None:
        lease = self._leases.pop(thread_id, None)
        if lease is None:
            return
        lease.stop.set()
        if lease.task is not None:
            lease.task.cancel()
        if lease.lost is None:
            await client.release_lease(service_pb2.ReleaseLeaseRequest(thread_id=thread_id, lease_id=lease.lease_id))
