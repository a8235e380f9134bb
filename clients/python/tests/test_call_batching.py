"""The asyncio client's call batching: the calls of one event-loop turn go as one Batch RPC."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from checkpoints import config, make_checkpoint
from fake_server import FakeServer, Script

from checkpointd import AsyncCheckpointdClient, CheckpointdError, RetryPolicy
from checkpointd.saver import CheckpointdSaver
from checkpointd.v1 import checkpoint_pb2
from checkpointd.v1 import checkpoint_service_pb2 as service_pb2

RPCS = ("Put", "PutWrites", "GetTuple", "Batch")


def count_rpcs(client: AsyncCheckpointdClient) -> Counter[str]:
    """Counts the RPCs the client starts, by method, at the generated stub (what goes on the wire)."""
    counts: Counter[str] = Counter()
    for name in RPCS:
        method = getattr(client.raw, name)

        def counted(*args: Any, _method: Any = method, _name: str = name, **kwargs: Any) -> Any:
            counts[_name] += 1
            return _method(*args, **kwargs)

        setattr(client.raw, name, counted)
    return counts


async def saved_thread(saver: CheckpointdSaver, thread_id: str) -> dict[str, Any]:
    first = make_checkpoint({"a": 1}, {"a": "1"}, step=0)
    return dict(await saver.aput(config(thread_id), first, {"step": 0}, {"a": "1"}))


async def test_calls_in_one_turn_go_as_one_batch_each_with_its_own_result(address: str, thread_id: str) -> None:
    async with CheckpointdSaver(address) as saver:
        first = await saved_thread(saver, thread_id)
        client = saver._aclient()
        counts = count_rpcs(client)
        second = make_checkpoint({"a": 2}, {"a": "2"}, step=1)
        bad = service_pb2.GetTupleRequest(config=checkpoint_pb2.CheckpointConfig(thread_id=""))
        put, writes, found, failed = await asyncio.gather(
            saver.aput(first, second, {"step": 1}, {"a": "2"}),
            saver.aput_writes(first, [("a", 5)], "task-1"),
            saver.aget_tuple(first),
            client.get_tuple(bad),
            return_exceptions=True,
        )
        assert counts == Counter({"Batch": 1})
        assert put["configurable"]["checkpoint_id"] == second["id"]
        assert writes is None
        assert found is not None and found.checkpoint["id"] == first["configurable"]["checkpoint_id"]
        assert isinstance(failed, CheckpointdError) and failed.code == grpc.StatusCode.INVALID_ARGUMENT
        again = await saver.aget_tuple(first)
        assert again is not None and [w[1:] for w in again.pending_writes or []] == [("a", 5)]
        latest = await saver.aget_tuple(config(thread_id))
        assert latest is not None and latest.checkpoint["id"] == second["id"]


async def test_a_lone_call_goes_at_once_as_itself(address: str, thread_id: str) -> None:
    async with CheckpointdSaver(address) as saver:
        first = await saved_thread(saver, thread_id)
        counts = count_rpcs(saver._aclient())
        call = asyncio.ensure_future(saver.aput_writes(first, [("a", 5)], "task-1"))
        for _ in range(3):  # the task's first step, the batcher's flush, the RPC's start
            await asyncio.sleep(0)
        assert counts == Counter({"PutWrites": 1})
        await call
        assert counts == Counter({"PutWrites": 1})


async def test_a_burst_goes_in_batches_of_at_most_32(address: str, thread_id: str) -> None:
    async with CheckpointdSaver(address) as saver:
        first = await saved_thread(saver, thread_id)
        counts = count_rpcs(saver._aclient())
        found = await asyncio.gather(*(saver.aget_tuple(first) for _ in range(40)))
        assert counts == Counter({"Batch": 2})
        assert {t.checkpoint["id"] for t in found if t is not None} == {first["configurable"]["checkpoint_id"]}
        assert len(found) == 40


async def test_batching_off_sends_every_call_alone(address: str, thread_id: str) -> None:
    async with CheckpointdSaver(address, batch=False) as saver:
        first = await saved_thread(saver, thread_id)
        counts = count_rpcs(saver._aclient())
        await asyncio.gather(saver.aget_tuple(first), saver.aget_tuple(first), saver.aput_writes(first, [], "t"))
        assert counts == Counter({"GetTuple": 2, "PutWrites": 1})


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def fake(script: Script) -> Iterator[FakeServer]:
    server = FakeServer(script)
    try:
        yield server
    finally:
        server.stop()


def put_request(n: int) -> service_pb2.PutRequest:
    return service_pb2.PutRequest(
        config=checkpoint_pb2.CheckpointConfig(thread_id=f"t-{n}"), checkpoint=checkpoint_pb2.Checkpoint(id=f"c-{n}")
    )


async def test_a_server_without_batch_gets_single_calls_from_then_on(fake: FakeServer, script: Script) -> None:
    async with AsyncCheckpointdClient(fake.address) as client:
        counts = count_rpcs(client)
        answers = await asyncio.gather(*(client.put(put_request(n)) for n in range(3)))
        assert [a.config.thread_id for a in answers] == ["t-0", "t-1", "t-2"]
        assert counts == Counter({"Batch": 1, "Put": 3}) and script.calls.get("Put") == 3
        await asyncio.gather(*(client.put(put_request(n)) for n in range(3)))
        assert counts == Counter({"Batch": 1, "Put": 6}) and script.calls.get("Put") == 6


async def test_an_unavailable_result_is_sent_again_on_its_own(fake: FakeServer, script: Script) -> None:
    script.batch, script.batch_unavailable_results = True, 1
    async with AsyncCheckpointdClient(fake.address) as client:
        answers = await asyncio.gather(client.put(put_request(0)), client.put(put_request(1)))
        assert [a.config.thread_id for a in answers] == ["t-0", "t-1"]
        assert script.calls == {"Batch": 1, "Batch.put": 2, "Put": 1}


async def test_a_batch_that_failed_unavailable_is_retried_whole(fake: FakeServer, script: Script) -> None:
    script.batch, script.unavailable = True, {"Batch": 1}
    async with AsyncCheckpointdClient(fake.address, retry=fast_retries()) as client:
        found, written = await asyncio.gather(
            client.get_tuple(service_pb2.GetTupleRequest()), client.put_writes(service_pb2.PutWritesRequest())
        )
        assert found is None and written is None
        assert script.calls == {"Batch": 2, "Batch.get_tuple": 1, "Batch.put_writes": 1}


async def test_a_batch_that_failed_for_good_fails_each_call(fake: FakeServer, script: Script) -> None:
    script.batch, script.unavailable = True, {"Batch": 5}
    async with AsyncCheckpointdClient(fake.address, retry=fast_retries(max_attempts=2)) as client:
        results = await asyncio.gather(client.put(put_request(0)), client.put(put_request(1)), return_exceptions=True)
        assert [r.code if isinstance(r, CheckpointdError) else r for r in results] == [grpc.StatusCode.UNAVAILABLE] * 2
        assert script.calls == {"Batch": 2}


async def test_a_batch_too_large_for_the_server_is_sent_as_single_calls(fake: FakeServer, script: Script) -> None:
    script.batch, script.batch_abort = True, grpc.StatusCode.RESOURCE_EXHAUSTED
    async with AsyncCheckpointdClient(fake.address) as client:
        for burst in (1, 2):  # the next burst tries Batch again: only UNIMPLEMENTED turns it off
            answers = await asyncio.gather(client.put(put_request(0)), client.put(put_request(1)))
            assert [a.config.thread_id for a in answers] == ["t-0", "t-1"]
            assert script.calls == {"Batch": burst, "Put": 2 * burst}


async def test_a_batch_rejected_for_good_fails_each_call_with_the_error(fake: FakeServer, script: Script) -> None:
    script.batch, script.batch_abort = True, grpc.StatusCode.PERMISSION_DENIED
    async with AsyncCheckpointdClient(fake.address) as client:
        results = await asyncio.gather(client.put(put_request(0)), client.put(put_request(1)), return_exceptions=True)
        codes = [r.code if isinstance(r, CheckpointdError) else r for r in results]
        assert codes == [grpc.StatusCode.PERMISSION_DENIED] * 2
        assert script.calls == {"Batch": 1}


def fast_retries(max_attempts: int = 5) -> RetryPolicy:
    return RetryPolicy(max_attempts=max_attempts, initial_backoff=0.01, max_backoff=0.02)
