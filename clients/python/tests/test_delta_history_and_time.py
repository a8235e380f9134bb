"""DeltaChannel history in one RPC (get_delta_channel_history, sync and async) and point-in-time reads
(get_tuple_at), against the real stack."""

from __future__ import annotations

import asyncio
import operator
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, TypedDict

import pytest
from langgraph.channels.delta import DeltaChannel
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

from checkpointd import AsyncCheckpointdClient, CheckpointdClient, CheckpointdError, CheckpointdSaver
from checkpointd.v1 import checkpoint_pb2
from checkpointd.v1 import checkpoint_service_pb2 as service_pb2


def _append(state: Sequence[str], writes: Sequence[Any]) -> list[str]:
    out = list(state)
    for write in writes:
        out.extend(write if isinstance(write, list) else [write])
    return out


class State(TypedDict):
    log: Annotated[list[str], DeltaChannel(_append, snapshot_frequency=4)]
    turn: Annotated[int, operator.add]


def build_graph(checkpointer: BaseCheckpointSaver[Any]) -> Any:
    """Two parallel nodes and a join each turn write the DeltaChannel `log`."""
    builder = StateGraph(State)
    builder.add_node("left", lambda s: {"log": [f"left {s['turn']}"]})
    builder.add_node("right", lambda s: {"log": [f"right {s['turn']}", f"right' {s['turn']}"]})
    builder.add_node("join", lambda s: {"log": [f"join {s['turn']} after {len(s['log'])}"]})
    builder.add_edge(START, "left")
    builder.add_edge(START, "right")
    builder.add_edge("left", "join")
    builder.add_edge("right", "join")
    builder.add_edge("join", END)
    return builder.compile(checkpointer=checkpointer)


def forked_history(graph: Any, thread_id: str) -> None:
    """Five turns, then a fork from the end of turn 2 and two turns on it."""
    config = {"configurable": {"thread_id": thread_id}}
    for turn in range(1, 6):
        graph.invoke({"log": [f"user {turn}"], "turn": 1}, config)
    after_two = next(s for s in graph.get_state_history(config) if s.values.get("turn") == 2 and not s.next)
    fork = after_two.config
    for turn in (6, 7):
        graph.invoke({"log": [f"user {turn} on the fork"], "turn": 1}, fork)
        fork = graph.get_state(config).config


class CountingSaver(CheckpointdSaver):
    """Counts the RPCs the saver's reads make."""

    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.get_tuples = 0
        self.histories = 0
        real_get, real_history = self.client.get_tuple, self.client.get_delta_channel_history

        def get_tuple(*args: Any, **kwargs: Any) -> Any:
            self.get_tuples += 1
            return real_get(*args, **kwargs)

        def history(*args: Any, **kwargs: Any) -> Any:
            self.histories += 1
            return real_history(*args, **kwargs)

        self.client.get_tuple = get_tuple  # type: ignore[method-assign]
        self.client.get_delta_channel_history = history  # type: ignore[method-assign]


@pytest.fixture
def saver(address: str) -> Iterator[CountingSaver]:
    with CountingSaver(address) as s:
        yield s


def test_history_equals_the_base_walk_on_a_forked_thread(saver: CountingSaver, thread_id: str) -> None:
    forked_history(build_graph(saver), thread_id)
    tuples = list(saver.list({"configurable": {"thread_id": thread_id}}))
    assert len(tuples) > 20
    channels = ["log", "turn", "never"]
    seeded = 0
    for t in tuples:
        ours = saver.get_delta_channel_history(config=t.config, channels=channels)
        base = BaseCheckpointSaver.get_delta_channel_history(saver, config=t.config, channels=channels)
        assert ours == base
        assert list(ours) == channels
        seeded += "seed" in ours["log"]
    assert seeded > 0
    latest = {"configurable": {"thread_id": thread_id}}
    assert saver.get_delta_channel_history(config=latest, channels=channels) == (
        BaseCheckpointSaver.get_delta_channel_history(saver, config=latest, channels=channels)
    )
    unknown = {"configurable": {"thread_id": thread_id, "checkpoint_id": "nope"}}
    assert saver.get_delta_channel_history(config=unknown, channels=["log"]) == {"log": {"writes": []}}
    assert saver.get_delta_channel_history(config=latest, channels=[]) == {}


def test_async_history_equals_the_base_walk(address: str, thread_id: str) -> None:
    async def run() -> None:
        async with CheckpointdSaver.from_url(address) as saver:
            graph = build_graph(saver)
            config = {"configurable": {"thread_id": thread_id}}
            for turn in range(1, 5):
                await graph.ainvoke({"log": [f"user {turn}"], "turn": 1}, config)
            async for t in saver.alist(config):
                ours = await saver.aget_delta_channel_history(config=t.config, channels=["log", "turn"])
                base = await BaseCheckpointSaver.aget_delta_channel_history(
                    saver, config=t.config, channels=["log", "turn"]
                )
                assert ours == base
            state = await graph.aget_state(config)
            assert len(state.values["log"]) == 4 * 5

    asyncio.run(run())


def test_a_delta_channel_graph_reads_its_state_in_one_history_rpc(saver: CountingSaver, thread_id: str) -> None:
    ours, reference = build_graph(saver), build_graph(InMemorySaver())
    config = {"configurable": {"thread_id": thread_id}}
    for turn in range(1, 8):
        ours.invoke({"log": [f"user {turn}"], "turn": 1}, config)
        reference.invoke({"log": [f"user {turn}"], "turn": 1}, config)
    saver.get_tuples = saver.histories = 0
    state = ours.get_state(config)
    assert state.values == reference.get_state(config).values
    assert len(state.values["log"]) == 7 * 5
    assert (saver.get_tuples, saver.histories) == (1, 1)  # the checkpoint, then its history


def test_get_tuple_at_returns_the_latest_at_or_before(address: str, thread_id: str) -> None:
    start = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
    ids = [f"1f0c0000-0000-6000-8000-00000000000{i}" for i in range(1, 4)]
    with CheckpointdClient(address) as client:
        parent = ""
        for i, checkpoint_id in enumerate(ids):
            # Python's isoformat (+00:00, microseconds) and another zone's offset name instants alike.
            ts = (start + timedelta(minutes=10 * i)).astimezone(timezone(timedelta(hours=i))).isoformat()
            client.put(
                service_pb2.PutRequest(
                    config=checkpoint_pb2.CheckpointConfig(thread_id=thread_id, checkpoint_id=parent),
                    checkpoint=checkpoint_pb2.Checkpoint(v=4, id=checkpoint_id, ts=ts),
                )
            )
            parent = checkpoint_id

        def at(minutes: float) -> str | None:
            found = client.get_tuple_at(thread_id, start + timedelta(minutes=minutes))
            return None if found is None else found.config.checkpoint_id

        assert at(15) == ids[1]
        assert at(10) == ids[1]  # inclusive
        assert at(25) == ids[2]
        assert at(-1) is None  # before the first
        assert client.get_tuple_at(thread_id, start + timedelta(minutes=15), checkpoint_ns="other") is None
        with pytest.raises(ValueError, match="timezone-aware"):
            client.get_tuple_at(thread_id, datetime(2026, 5, 1, 12, 15))
        with pytest.raises(CheckpointdError, match="as_of and config.checkpoint_id"):
            request = service_pb2.GetTupleRequest(
                config=checkpoint_pb2.CheckpointConfig(thread_id=thread_id, checkpoint_id=ids[0])
            )
            request.as_of.FromDatetime(start)
            client.get_tuple(request)

    async def run() -> None:
        async with AsyncCheckpointdClient(address) as aclient:
            found = await aclient.get_tuple_at(thread_id, start + timedelta(minutes=15))
            assert found is not None and found.config.checkpoint_id == ids[1]
            assert await aclient.get_tuple_at(thread_id, start - timedelta(seconds=1)) is None

    asyncio.run(run())

