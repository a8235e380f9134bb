"""Runs TURNS turns of the bench's graph on THREADS threads through one saver.

usage: run_graph_turns.py (checkpointd ADDRESS | postgres DATABASE_URL) TURNS THREADS
The graph is bench/graph/chat_graph.py, the one `pnpm bench` measures (3 nodes, 5 channels,
messages growing each turn). Bounded: TURNS * THREADS invocations.
"""

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "graph"))

from chat_graph import build_graph, turn_input  # noqa: E402


async def run(saver, turns: int, threads: int) -> None:
    app = build_graph().compile(checkpointer=saver)

    async def thread(n: int) -> None:
        config = {"configurable": {"thread_id": f"footprint-{n}"}}
        for turn in range(1, turns + 1):
            await app.ainvoke(turn_input(turn), config)

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
