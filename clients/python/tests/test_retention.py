"""Retention from Python: set_retention/get_thread, and a watch that starts behind the thread's
compaction point raises EventsCompactedError (sync and asyncio), never a silent gap."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from stack import Replica, Stack, free_port

from checkpointd import AsyncCheckpointdClient, CheckpointdClient, EventsCompactedError, WatchThread
from checkpointd.v1 import checkpoint_pb2, checkpoint_service_pb2


def checkpoint_id(i: int) -> str:
    return f"1f0c0000-0000-6000-8000-{i:012d}"


@pytest.fixture
def sweeping(stack: Stack) -> Iterator[Replica]:
    """A replica whose sweeper passes every 200 ms (only threads with a policy of their own are trimmed:
    the stack's server sets no defaults)."""
    running = Replica(stack, free_port(), env={"SWEEP_INTERVAL": "200ms"})
    running.start()
    yield running
    running.stop()


def test_a_watch_behind_the_compaction_point_raises(sweeping: Replica, thread_id: str) -> None:
    with CheckpointdClient(sweeping.address, timeout=30) as client:
        for i in range(6):
            parent = {} if i == 0 else {"checkpoint_id": checkpoint_id(i - 1)}
            client.put(
                checkpoint_service_pb2.PutRequest(
                    config=checkpoint_pb2.CheckpointConfig(thread_id=thread_id, **parent),
                    checkpoint=checkpoint_pb2.Checkpoint(v=4, id=checkpoint_id(i), ts="2026-01-01T00:00:00+00:00"),
                )
            )
        thread = client.set_retention(
            checkpoint_service_pb2.SetRetentionRequest(
                thread_id=thread_id, policy=checkpoint_service_pb2.RetentionPolicy(max_versions=2)
            )
        )
        assert thread.thread_policy.max_versions == 2
        deadline = time.monotonic() + 20
        while client.get_thread(thread_id).checkpoint_count != 2:
            assert time.monotonic() < deadline, "the sweeper did not trim the thread"
            time.sleep(0.1)
        # Four checkpoints went, and their checkpoint_saved events with them.
        with pytest.raises(EventsCompactedError) as raised:
            for _ in client.subscribe(checkpoint_service_pb2.SubscribeRequest(thread_id=thread_id, after_event_id=0)):
                pass
        assert raised.value.thread_id == thread_id
        assert raised.value.compacted_through == 4
        assert "events up to 4 were compacted" in raised.value.details

        with client.watch([WatchThread(thread_id, after_event_id=1)]) as watch, pytest.raises(EventsCompactedError) as again:
            for _ in watch:
                pass
        assert again.value.compacted_through == 4
        assert again.value.thread_id == thread_id

    async def watch_async() -> EventsCompactedError:
        async with AsyncCheckpointdClient(sweeping.address, timeout=30) as aio:
            with pytest.raises(EventsCompactedError) as caught:
                async for _ in aio.watch([WatchThread(thread_id, after_event_id=2)]):
                    pass
            return caught.value

    assert asyncio.run(watch_async()).compacted_through == 4
