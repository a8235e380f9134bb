"""get_thread_storage over the wire (sync and asyncio): a large value is stored as chunks, so
the thread's stored bytes fall below its logical bytes once a second version shares most of them."""

from __future__ import annotations

import asyncio
import os

import grpc
import pytest
from stack import Stack

from checkpointd import AsyncCheckpointdClient, CheckpointdClient, CheckpointdError
from checkpointd.v1 import checkpoint_pb2, checkpoint_service_pb2

VALUE = os.urandom(40_000)


def put_version(client: CheckpointdClient, thread_id: str, step: int, data: bytes) -> None:
    version = checkpoint_pb2.ChannelVersion(string_value=f"{step:032d}.0")
    parent = {} if step == 1 else {"checkpoint_id": f"1f0c0000-0000-6000-8000-{step - 1:012d}"}
    client.put(
        checkpoint_service_pb2.PutRequest(
            config=checkpoint_pb2.CheckpointConfig(thread_id=thread_id, **parent),
            checkpoint=checkpoint_pb2.Checkpoint(
                v=4,
                id=f"1f0c0000-0000-6000-8000-{step:012d}",
                ts="2026-01-01T00:00:00+00:00",
                channel_values={"doc": checkpoint_pb2.TypedValue(type="bytes", data=data)},
                channel_versions={"doc": version},
            ),
            new_versions={"doc": version},
        )
    )


def test_a_chunked_value_is_counted_once_per_chunk(stack: Stack, thread_id: str) -> None:
    with CheckpointdClient(stack.address, timeout=30) as client:
        assert client.get_thread_storage(thread_id).found is False
        put_version(client, thread_id, 1, VALUE)
        put_version(client, thread_id, 2, VALUE + os.urandom(3_000))
        storage = client.get_thread_storage(thread_id)
        assert storage.found and storage.checkpoint_count == 2
        [doc] = [c for c in storage.channels if c.channel == "doc"]
        assert doc.values.count == 2 and doc.values.chunked_count == 2
        assert doc.values.logical_bytes == 83_000
        # The second version shares the first's chunks: stored well under what was written.
        assert doc.values.stored_bytes < 0.7 * doc.values.logical_bytes
        assert storage.chunk_count > 0 and storage.chunk_bytes > 0

        with pytest.raises(CheckpointdError) as refused:
            client.get_thread_storage("")
        assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
        assert "thread_id is required" in refused.value.details

    async def from_asyncio() -> checkpoint_service_pb2.GetThreadStorageResponse:
        async with AsyncCheckpointdClient(stack.address, timeout=30) as aio:
            return await aio.get_thread_storage(thread_id)

    assert asyncio.run(from_asyncio()) == storage
