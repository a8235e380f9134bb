"""The same graphs under asyncio: ainvoke, aget_state, aget_state_history use the async saver methods."""

from __future__ import annotations

import sys

import pytest
from graphs import build_approval_graph, build_chat_graph
from langgraph.types import Command

from checkpointd import CheckpointdSaver


async def test_chat_memory_and_history_with_ainvoke(address: str, thread_id: str) -> None:
    async with CheckpointdSaver.from_url(address) as saver:
        graph = build_chat_graph(saver)
        config = {"configurable": {"thread_id": thread_id}}
        await graph.ainvoke({"messages": ["my name is Chulsoo"]}, config)
        state = await graph.ainvoke({"messages": ["what is my name?"]}, config)
        assert state["messages"][-1] == "your name is Chulsoo"
        history = [s async for s in graph.aget_state_history(config)]
        assert [s.metadata["step"] for s in history] == [4, 3, 2, 1, 0, -1]
        assert (await graph.aget_state(config)).values == state


@pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="LangGraph's interrupt() under ainvoke needs Python 3.11+ (its context does not reach the node before)",
)
async def test_interrupt_and_resume_with_ainvoke(address: str, thread_id: str) -> None:
    config = {"configurable": {"thread_id": thread_id}}
    async with CheckpointdSaver.from_url(address) as saver:
        graph = build_approval_graph(saver)
        first = await graph.ainvoke({"request": "release 2.0"}, config)
        assert first["log"] == ["drafted release 2.0"]
        snapshot = await graph.aget_state(config)
        assert snapshot.next == ("approve",)
        assert [i.value for t in snapshot.tasks for i in t.interrupts] == [{"question": 'approve "release 2.0"?'}]
    # A new saver (and a new grpc.aio channel) picks the thread up.
    async with CheckpointdSaver.from_url(address) as saver:
        done = await build_approval_graph(saver).ainvoke(Command(resume="yes"), config)
        assert done["log"][-1] == "published release 2.0 (yes)"
