"""A STEPS-step conversation of prose-like messages through one LangGraph Python saver.

usage: run_prose_growth.py (checkpointd ADDRESS | postgres DATABASE_URL) STEPS
The Python twin of bench/compare/measure-storage-growth.ts with bench/storage/prose-text.ts's
messages: each step a task writes the new message (aput_writes), then a checkpoint whose
`messages` channel is one message longer (the whole list, as the messages reducer keeps it) is
put. Plain channels, no DeltaChannel. Bounded: STEPS puts and STEPS - 1 put_writes.
"""

import asyncio
import sys
from datetime import datetime, timezone
from pathlib import Path

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.base.id import uuid6

sys.path.insert(0, str(Path(__file__).resolve().parent))

from prose_text import prose_text  # noqa: E402


def message(step: int):
    if step % 2 == 0:
        return HumanMessage(id=f"m-{step}", content=prose_text(step + 1, 260))
    return AIMessage(id=f"m-{step}", content=prose_text(step + 1, 260))


async def run(saver, steps: int) -> None:
    config = {"configurable": {"thread_id": "growth", "checkpoint_ns": ""}}
    messages = []
    version = None
    for step in range(steps):
        m = message(step)
        if step > 0:
            await saver.aput_writes(config, [("messages", [m])], f"task-{step}")
        messages.append(m)
        version = saver.get_next_version(version, None)
        checkpoint = empty_checkpoint()
        checkpoint["id"] = str(uuid6(clock_seq=step))
        checkpoint["ts"] = datetime.now(timezone.utc).isoformat()
        checkpoint["channel_values"] = {"messages": list(messages)}
        checkpoint["channel_versions"] = {"messages": version}
        checkpoint["versions_seen"] = {"agent": {"messages": version}}
        checkpoint["updated_channels"] = ["messages"]
        metadata = {"source": "loop", "step": step, "parents": {}, "run_id": "bench-run"}
        config = await saver.aput(config, checkpoint, metadata, {"messages": version})


async def main() -> None:
    kind, target, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if not 0 < steps <= 5000:
        raise SystemExit("STEPS must be 1..5000")
    if kind == "checkpointd":
        from checkpointd.saver import CheckpointdSaver

        saver = CheckpointdSaver.from_url(target)
        try:
            await run(saver, steps)
        finally:
            await saver.aclose()
    else:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        async with AsyncPostgresSaver.from_conn_string(target) as saver:
            await saver.setup()
            await run(saver, steps)


asyncio.run(main())
