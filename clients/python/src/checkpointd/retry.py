"""Retry loops: ``UNAVAILABLE`` on an idempotent call is retried with backoff, within the deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc

from .backoff import backoff_delay
from .errors import CheckpointdError
from .options import RetryPolicy

T = TypeVar("T")


def deadline_of(timeout: float | None) -> float | None:
    """A ``time.monotonic()`` deadline, or None for none (a timeout of None, <= 0 or infinite)."""
    if timeout is None or timeout <= 0 or timeout == float("inf"):
        return None
    return time.monotonic() + timeout


def remaining(deadline: float | None) -> float | None:
    """Seconds left to the deadline (at least 1 ms, so that grpc reports DEADLINE_EXCEEDED itself)."""
    return None if deadline is None else max(0.001, deadline - time.monotonic())


def _should_retry(error: grpc.RpcError, attempt: int, policy: RetryPolicy, idempotent: bool) -> bool:
    code = error.code() if hasattr(error, "code") else None
    return idempotent and attempt < max(1, policy.max_attempts) and code == grpc.StatusCode.UNAVAILABLE


def _next_delay(attempt: int, policy: RetryPolicy, deadline: float | None) -> float | None:
    """The backoff before the next attempt, or None when it would pass the deadline."""
    delay = backoff_delay(attempt, policy)
    if deadline is not None and time.monotonic() + delay >= deadline:
        return None
    return delay


def call_with_retries(
    attempt: Callable[[float | None], T], *, policy: RetryPolicy, idempotent: bool, deadline: float | None
) -> T:
    """Runs ``attempt(timeout_left)`` until it succeeds or the error is final; raises CheckpointdError."""
    n = 1
    while True:
        try:
            return attempt(remaining(deadline))
        except grpc.RpcError as error:
            delay = _next_delay(n, policy, deadline) if _should_retry(error, n, policy, idempotent) else None
            if delay is None:
                raise CheckpointdError.from_rpc_error(error) from error
        time.sleep(delay)
        n += 1


async def acall_with_retries(
    attempt: Callable[[float | None], Awaitable[T]], *, policy: RetryPolicy, idempotent: bool, deadline: float | None
) -> T:
    """The asyncio twin of call_with_retries."""
    n = 1
    while True:
        try:
            return await attempt(remaining(deadline))
        except grpc.RpcError as error:
            delay = _next_delay(n, policy, deadline) if _should_retry(error, n, policy, idempotent) else None
            if delay is None:
                raise CheckpointdError.from_rpc_error(error) from error
        await asyncio.sleep(delay)
        n += 1
