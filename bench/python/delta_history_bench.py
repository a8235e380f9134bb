"""get_state of a long DeltaChannel thread: GetDeltaChannelHistory (one RPC) vs the base-class walk.

A one-node chat graph whose ``messages`` is a ``DeltaChannel`` (LangGraph's messages delta
reducer) gets ``--turns`` invokes on one thread (each turn: a prose-like user message and a reply,
~400 B each), through the sync CheckpointdSaver, against the test stack (PostgreSQL + Redis +
checkpointd; ``pnpm run build`` first). Then ``graph.get_state`` of the latest checkpoint is timed
``--reps`` times, alternating two savers on the same server and thread:

- ``rpc``: CheckpointdSaver as shipped, whose get_delta_channel_history is one GetDeltaChannelHistory;
- ``walk``: the same saver with BaseCheckpointSaver's default get_delta_channel_history, one
  GetTuple per ancestor.

Both must return the same state; the script checks that, counts each one's RPCs per get_state and
prints one JSON line per snapshot frequency.

    .venv/bin/python bench/python/delta_history_bench.py --turns 500 --reps 5
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Annotated, Any, TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python" / "tests"))

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage  # noqa: E402
from langgraph.channels.delta import DeltaChannel  # noqa: E402
from langgraph.checkpoint.base import BaseCheckpointSaver  # noqa: E402
from langgraph.graph import START, StateGraph  # noqa: E402
from langgraph.graph.message import _messages_delta_reducer  # noqa: E402
from stack import start_stack  # noqa: E402

from checkpointd import CheckpointdSaver  # noqa: E402

WORDS = (
    "the of and to in is was for on that with as by at from his her it an were are which this be or "
    "has had not but have they their one all been would there more when who will its also into after "
    "first two other time new some could these may than then only over most such about any state river "
    "north empire council harbor winter market letter garden silver engine station answer morning"
).split()


def prose(rng: random.Random, size: int) -> str:
    out: list[str] = []
    while sum(len(w) + 1 for w in out) < size:
        out.append(rng.choice(WORDS))
    return " ".join(out).capitalize() + "."


class CountingSaver(CheckpointdSaver):
    """Counts the RPCs its reads make; ``walk=True`` uses the base class's ancestor walk."""

    def __init__(self, address: str, walk: bool) -> None:
        super().__init__(address)
        self.walk = walk
        self.rpcs = 0
        for name in ("get_tuple", "get_delta_channel_history", "list"):
            real = getattr(self.client, name)

            def counted(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
                self.rpcs += 1
                return _real(*args, **kwargs)

            setattr(self.client, name, counted)

    def get_delta_channel_history(self, *, config: Any, channels: Any) -> Any:
        if self.walk:
            return BaseCheckpointSaver.get_delta_channel_history(self, config=config, channels=channels)
        return super().get_delta_channel_history(config=config, channels=channels)


def build(checkpointer: BaseCheckpointSaver[Any], snapshot_frequency: int) -> Any:
    channel = DeltaChannel(_messages_delta_reducer, snapshot_frequency=snapshot_frequency)
    State = TypedDict("State", {"messages": Annotated[list[AnyMessage], channel]})  # noqa: UP013

    def reply(state: Any) -> dict[str, Any]:
        last = state["messages"][-1]
        rng = random.Random(len(state["messages"]))
        return {"messages": [AIMessage(content=f"{prose(rng, 400)} ({len(str(last.content))})")]}

    builder = StateGraph(State)
    builder.add_node("reply", reply)
    builder.add_edge(START, "reply")
    return builder.compile(checkpointer=checkpointer)


def run(address: str, turns: int, reps: int, snapshot_frequency: int) -> dict[str, Any]:
    writer = CountingSaver(address, walk=False)
    graph = build(writer, snapshot_frequency)
    config = {"configurable": {"thread_id": f"delta-bench-{uuid.uuid4().hex[:8]}"}}
    rng = random.Random(7)
    started = time.perf_counter()
    for _ in range(turns):
        graph.invoke({"messages": [HumanMessage(content=prose(rng, 400))]}, config)
    write_s = time.perf_counter() - started
    checkpoints = sum(1 for _ in writer.list(config))

    savers = {"rpc": CountingSaver(address, walk=False), "walk": CountingSaver(address, walk=True)}
    graphs = {mode: build(saver, snapshot_frequency) for mode, saver in savers.items()}
    times: dict[str, list[float]] = {mode: [] for mode in savers}
    rpcs: dict[str, int] = {}
    states: dict[str, Any] = {}
    for rep in range(reps + 1):  # the first round warms both up and is not counted
        for mode in savers if rep % 2 == 0 else reversed(list(savers)):
            savers[mode].rpcs = 0
            t0 = time.perf_counter()
            state = graphs[mode].get_state(config)
            elapsed = (time.perf_counter() - t0) * 1000
            if rep > 0:
                times[mode].append(elapsed)
            rpcs[mode] = savers[mode].rpcs
            states[mode] = state.values
    if states["rpc"] != states["walk"]:
        raise SystemExit("the two savers returned different states")
    for saver in [writer, *savers.values()]:
        saver.close()
    p50 = {mode: statistics.median(ts) for mode, ts in times.items()}
    return {
        "turns": turns,
        "checkpoints": checkpoints,
        "messages": len(states["rpc"]["messages"]),
        "snapshot_frequency": snapshot_frequency,
        "write_s": round(write_s, 1),
        "get_state_ms_p50": {mode: round(v, 2) for mode, v in p50.items()},
        "get_state_ms_all": {mode: [round(v, 1) for v in ts] for mode, ts in times.items()},
        "rpcs_per_get_state": rpcs,
        "speedup": round(p50["walk"] / p50["rpc"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=500, help="invokes on the thread (2 checkpoints each)")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument(
        "--snapshot-frequency",
        type=int,
        action="append",
        help="DeltaChannel snapshot_frequency (repeatable; default: 100, LangGraph's, and 100000, no snapshot)",
    )
    args = parser.parse_args()
    stack = start_stack("postgres")
    try:
        for frequency in args.snapshot_frequency or [100, 100_000]:
            print(json.dumps(run(stack.address, args.turns, args.reps, frequency)), flush=True)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
