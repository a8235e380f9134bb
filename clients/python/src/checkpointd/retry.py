"""Retries: ``UNAVAILABLE`` on an idempotent call is retried with backoff, within the deadline.

:class:`Attempts` decides; ``call_with_retries`` / ``acall_with_retries`` only drive it (sleep, call again).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc

from .backoff import backoff_delay
from .call_rules import retryable, status_code
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


class Attempts:
    """The attempts of one call: they share one deadline, and only an idempotent call has more than one."""

    def __init__(self, policy: RetryPolicy, *, idempotent: bool, timeout: float | None) -> None:
        self._policy = policy
        self._idempotent = idempotent
        self._deadline = deadline_of(timeout)
        #: The attempt under way (1 for the first).
        self.number = 1

    def timeout(self) -> float | None:
        """The deadline of the attempt under way: what is left of the call's."""
        return remaining(self._deadline)

    def backoff(self, error: grpc.RpcError) -> float:
        """The wait before the next attempt; raises CheckpointdError when ``error`` is final.

        Final: a call that is not idempotent, a code a retry does not help, the policy's last
        attempt, or a backoff that would end past the deadline.
        """
        if self._idempotent and self.number < max(1, self._policy.max_attempts) and retryable(status_code(error)):
            delay = backoff_delay(self.number, self._policy)
            if self._deadline is None or time.monotonic() + delay < self._deadline:
                self.number += 1
                return delay
        raise CheckpointdError.from_rpc_error(error) from error


def call_with_retries(attempt: Callable[[float | None], T], attempts: Attempts) -> T:
    """Runs ``attempt(timeout_left)`` until it succeeds or the error is final; raises CheckpointdError."""
    while True:
        try:
            return attempt(attempts.timeout())
        except grpc.RpcError as error:
            delay = attempts.backoff(error)
        time.sleep(delay)


async def acall_with_retries(attempt: Callable[[float | None], Awaitable[T]], attempts: Attempts) -> T:
    """The asyncio twin of call_with_retries."""
    while True:
        try:
            return await attempt(attempts.timeout())
        except grpc.RpcError as error:
            delay = attempts.backoff(error)
        await asyncio.sleep(delay)
