"""Jittered exponential backoff, as the TypeScript client's ``backoffDelay``."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol


class BackoffPolicy(Protocol):
    @property
    def initial_backoff(self) -> float: ...
    @property
    def max_backoff(self) -> float: ...
    @property
    def multiplier(self) -> float: ...


def backoff_delay(retry: int, policy: BackoffPolicy, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry number ``retry`` (1 for the first retry).

    Exponential, capped, with "equal jitter" (half fixed, half random): clients
    that failed together do not retry together, yet each one does back off.
    """
    exponential = policy.initial_backoff * policy.multiplier ** max(0, retry - 1)
    capped = min(policy.max_backoff, exponential)
    return capped / 2 + rand() * (capped / 2)
