"""``checkpointd import-langgraph`` from LangGraph Python's own AsyncPostgresSaver: real graphs (one
left at its interrupt, one interrupted inside a subgraph) fill its tables; the import writes them
through a running server; every checkpoint reads back through CheckpointdSaver as the source saver
returns it; the interrupted runs resume on checkpointd and finish; a second import adds nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from graphs import build_approval_graph, build_chat_graph, build_nested_graph
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.types import Command
from stack import CLI, REPO, Stack

from checkpointd import CheckpointdSaver

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="LangGraph's interrupt() under ainvoke needs Python 3.11+ (its context does not reach the node before)",
)


def new_database(url: str) -> str:
    """A new, empty database on the stack's PostgreSQL; its URL."""
    name = f"lg_py_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def import_langgraph(source: str, address: str) -> dict[str, Any]:
    done = subprocess.run(
        ["node", str(CLI), "import-langgraph", "--from", source, "--server", address, "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert '"progress"' in done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])["imported"]
    return result


async def history(saver: Any, thread: str) -> tuple[list[Any], list[Any]]:
    """list() newest first, and aget_tuple() of every id it names."""
    listed = [t async for t in saver.alist({"configurable": {"thread_id": thread}})]
    by_id = [await saver.aget_tuple(t.config) for t in listed]
    return listed, by_id


async def test_import_from_async_postgres_saver(stack: Stack) -> None:
    assert stack.database_url is not None
    source = new_database(stack.database_url)
    run = uuid.uuid4().hex[:8]
    chats = [f"py-import-chat-{run}-{i}" for i in range(2)]
    done, waiting, nested = f"py-import-done-{run}", f"py-import-waiting-{run}", f"py-import-nested-{run}"
    threads = [*chats, done, waiting, nested]
    async with AsyncPostgresSaver.from_conn_string(source) as saver:
        await saver.setup()
        chat = build_chat_graph(saver)
        for thread in chats:
            for text in ["hello", "my name is Chulsoo", "what is my name?"]:
                await chat.ainvoke({"messages": [text]}, {"configurable": {"thread_id": thread}})
        approval = build_approval_graph(saver)
        await approval.ainvoke({"request": "release 1"}, {"configurable": {"thread_id": done}})
        await approval.ainvoke(Command(resume="yes"), {"configurable": {"thread_id": done}})
        await approval.ainvoke({"request": "release 2"}, {"configurable": {"thread_id": waiting}})
        await build_nested_graph(saver).ainvoke({"log": []}, {"configurable": {"thread_id": nested}})

        first = import_langgraph(source, stack.address)
        total = 0
        async with CheckpointdSaver.from_url(stack.address) as ours:
            for thread in threads:
                want = await history(saver, thread)
                got = await history(ours, thread)
                assert len(want[0]) > 1
                assert got == want, thread
                total += len(want[0])
        assert first["threads"] == len(threads) and first["checkpoints"] == total and first["skipped"] == 0
        assert first["writes"] > 0

    again = import_langgraph(source, stack.address)
    assert again == {"threads": len(threads), "checkpoints": 0, "skipped": total, "writes": 0}

    async with CheckpointdSaver.from_url(stack.address) as ours:
        finished = await build_approval_graph(ours).ainvoke(
            Command(resume="on checkpointd"), {"configurable": {"thread_id": waiting}}
        )
        assert finished["log"] == [
            "drafted release 2",
            "approval: on checkpointd",
            "published release 2 (on checkpointd)",
        ]
        inner = await build_nested_graph(ours).ainvoke(Command(resume="yes"), {"configurable": {"thread_id": nested}})
        assert inner["log"] == ["inner:yes", "after"]
