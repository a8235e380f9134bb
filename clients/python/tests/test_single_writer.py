"""single_writer=True: leases with fencing tokens in the Python saver (sync and async) and
wait_for_lease, against a real checkpointd."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import grpc
import pytest
from graphs import build_chat_graph
from processes import SCRIPTS

from checkpointd import (
    AsyncCheckpointdClient,
    CheckpointdClient,
    CheckpointdError,
    CheckpointdSaver,
    LeaseLostError,
    wait_for_lease,
    wait_for_lease_async,
)
from checkpointd.leases import duration
from checkpointd.saver import SingleWriter
from checkpointd.v1 import checkpoint_pb2
from checkpointd.v1 import checkpoint_service_pb2 as service_pb2


def test_a_single_writer_graph_holds_the_thread(address: str, thread_id: str) -> None:
    config = {"configurable": {"thread_id": thread_id}}
    with CheckpointdSaver.from_url(address, single_writer=SingleWriter(holder="py-sync", ttl=5)) as saver:
        graph = build_chat_graph(saver)
        graph.invoke({"messages": ["my name is Ada"]}, config)
        state = graph.invoke({"messages": ["what is my name?"]}, config)
        assert state["messages"][-1] == "your name is Ada"
        # Another worker, without the lease: its write is refused naming the holder.
        with CheckpointdSaver.from_url(address) as plain:
            with pytest.raises(CheckpointdError) as refused:
                build_chat_graph(plain).invoke({"messages": ["hi"]}, config)
            assert refused.value.code == grpc.StatusCode.FAILED_PRECONDITION
            assert "leased by py-sync" in refused.value.details
            # Another single writer cannot start on the held thread.
            with CheckpointdSaver.from_url(address, single_writer=True) as other:
                with pytest.raises(CheckpointdError, match="leased by py-sync"):
                    build_chat_graph(other).invoke({"messages": ["hi"]}, config)
            saver.release_thread(thread_id)
            # Released: the thread takes writes again.
            build_chat_graph(plain).invoke({"messages": ["hello"]}, config)


async def test_a_single_writer_graph_under_asyncio_and_a_lost_lease(address: str, thread_id: str) -> None:
    config = {"configurable": {"thread_id": thread_id}}
    async with CheckpointdSaver.from_url(address, single_writer=SingleWriter(holder="py-async", ttl=0.3)) as saver:
        graph = build_chat_graph(saver)
        await graph.ainvoke({"messages": ["my name is Grace"]}, config)
        state = await graph.ainvoke({"messages": ["what is my name?"]}, config)
        assert state["messages"][-1] == "your name is Grace"
        assert saver.leases is not None
        # The worker stalls past its ttl (a blocked loop: no renewal goes out); a standby takes over.
        time.sleep(0.5)
        async with AsyncCheckpointdClient(address) as client:
            taken = await wait_for_lease_async(client, thread_id, "py-standby", 5, timeout=5)
            assert taken.fencing_token == 2
            with pytest.raises(LeaseLostError):
                await graph.ainvoke({"messages": ["still here?"]}, config)
            await client.release_lease(service_pb2.ReleaseLeaseRequest(thread_id=thread_id, lease_id=taken.lease_id))


def test_wait_for_lease_takes_over_as_soon_as_the_holder_releases(address: str, thread_id: str) -> None:
    with CheckpointdClient(address) as client:
        held = client.acquire_lease(service_pb2.AcquireLeaseRequest(thread_id=thread_id, holder="first", ttl=duration(60)))
        import threading

        threading.Timer(
            0.3, lambda: client.release_lease(service_pb2.ReleaseLeaseRequest(thread_id=thread_id, lease_id=held.lease_id))
        ).start()
        started = time.monotonic()
        taken = wait_for_lease(client, thread_id, "standby", 10, timeout=20)
        # Woken by lease_released, long before the first lease's 60 s.
        assert time.monotonic() - started < 5
        assert taken.fencing_token == held.fencing_token + 1


def _lines(process: subprocess.Popen[str], until: str, n: int | None = None) -> dict[str, object]:
    assert process.stdout is not None
    for line in process.stdout:
        event = json.loads(line)
        if event.get("event") == until and (n is None or event.get("n") == n):
            return event
    raise AssertionError(f"the worker ended without a {until} line: {process.stderr.read() if process.stderr else ''}")


def test_the_sigkilled_holder_is_replaced_and_its_late_write_refused(address: str, thread_id: str) -> None:
    def worker(name: str, wait: str) -> subprocess.Popen[str]:
        argv = [sys.executable, str(SCRIPTS / "run_lease_worker.py"), "--address", address, "--thread", thread_id]
        argv += ["--worker", name, "--ttl", "1", "--steps", "8", "--wait", wait]
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=SCRIPTS)

    first = worker("py-worker-1", "0")
    token1 = int(str(_lines(first, "lease")["token"]))
    _lines(first, "step", 3)
    second = worker("py-worker-2", "20")
    first.kill()
    first.wait()
    token2 = int(str(_lines(second, "lease")["token"]))
    assert token2 == token1 + 1
    done = _lines(second, "done")
    assert second.wait(timeout=30) == 0
    log = [str(s) for s in done["log"]]  # type: ignore[union-attr]
    assert done["count"] == 8
    assert [int(s.split(":")[1]) for s in log] == list(range(1, 9))
    assert any(s.startswith("py-worker-2:") for s in log)
    with CheckpointdClient(address) as client:
        latest = client.get_tuple(service_pb2.GetTupleRequest(config=checkpoint_pb2.CheckpointConfig(thread_id=thread_id)))
        assert latest is not None
        late = service_pb2.PutRequest(
            config=checkpoint_pb2.CheckpointConfig(thread_id=thread_id, checkpoint_id=latest.config.checkpoint_id),
            checkpoint=checkpoint_pb2.Checkpoint(v=4, id="1f0c0000-0000-6000-8000-ffffffffffff", ts="2026-12-02T00:00:00Z"),
            fencing_token=token1,
        )
        with pytest.raises(CheckpointdError) as refused:
            client.put(late)
        assert refused.value.code == grpc.StatusCode.FAILED_PRECONDITION
        parents = [t.parent_config.checkpoint_id for t in client.list(service_pb2.ListRequest(config=checkpoint_pb2.CheckpointConfig(thread_id=thread_id)))]
        assert len(set(parents)) == len(parents)  # one chain: no checkpoint has two children
