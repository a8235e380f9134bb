from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from stack import Stack, start_stack


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """One PostgreSQL + Redis + checkpointd stack for the whole session."""
    running = start_stack("postgres")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def address(stack: Stack) -> str:
    return stack.address


@pytest.fixture
def thread_id(request: pytest.FixtureRequest) -> str:
    """A thread id no other test uses."""
    return f"py-{request.node.name[:40]}-{uuid.uuid4().hex[:8]}"
