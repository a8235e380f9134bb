"""Runs TURNS turns of a 5-channel LangGraph graph on THREADS threads through one saver.

usage: run_graph_turns.py (checkpointd ADDRESS | postgres DATABASE_URL) TURNS THREADS
Each turn appends one message (messages grow by one each turn) and rewrites the
four other channels, as a chat agent's state does. Bounded: TURNS * THREADS invocations.
"""

import asyncio
import operator
import sys
from typing import Annotated, TypedDict

from langgraph.graph import END, START, StateGraph


class State(TypedDict):
    messages: Annotated[list[str], operator.add]
    step: int
    summary: str
    scratch: dict
    last_tool: str


def agent(state: State) -> dict:
    step = state.get("step", 0) + 1
    return {
        "messages": [f"turn {step}: " + "lorem ipsum dolor sit amet " * 8],
        "step": step,
        "summary": f"after {step} turns",
        "scratch": {"n": step, "tags": ["a", "b", "c"]},
        "last_tool": "search" if step % 2 else "calculator",
    }


def build():
    graph = StateGraph(State)
    graph.add_node("agent", agent)
    graph.add_edge(START, "agent")
    graph.add_edge("agent", END)
    return graph


async def run(saver, turns: int, threads: int) -> None:
    app = build().compile(checkpointer=saver)

    async def thread(n: int) -> None:
        config = {"configurable": {"thread_id": f"footprint-{n}"}}
        for _ in range(turns):
            await app.ainvoke({"messages": []}, config)

    await asyncio.gather(*(thread(n) for n in range(threads)))


async def main() -> None:
    kind, target, turns, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if kind == "checkpointd":
        from checkpointd.saver import CheckpointdSaver

        saver = CheckpointdSaver.from_url(target)
        try:
            await run(saver, turns, threads)
        finally:
            await saver.aclose()
    else:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        async with AsyncPostgresSaver.from_conn_string(target) as saver:
            await saver.setup()
            await run(saver, turns, threads)


asyncio.run(main())
