"""Per-call latency of the async CheckpointdSaver inside a real LangGraph graph.

The bench's graph (bench/graph/chat_graph.py: 3 nodes, 5 channels, messages growing every
turn), ``ainvoke`` once per turn on one thread (``--threads N``: N threads at once in one event loop), against the test stack
(PostgreSQL + Redis + checkpointd; ``pnpm run build`` first). Prints p50/p90 per saver call,
invokes/s, the client's CPU µs per invoke and the RPCs per invoke. ``--batch off`` sends every
call on its own (the client before call batching); ``--batch both`` interleaves the two, round
by round, in one run, so that both see the same machine load. ``--cprofile FILE`` writes a
cProfile of the last mode's rounds.

    .venv/bin/python bench/python/profile_saver.py --turns 200 --rounds 3 --batch both
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import statistics
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python" / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "graph"))

from chat_graph import build_graph, turn_input  # noqa: E402
from stack import start_stack  # noqa: E402

from checkpointd.saver import CheckpointdSaver  # noqa: E402

TIMED = ("aget_tuple", "aput", "aput_writes")


def time_calls(saver: CheckpointdSaver, samples: dict[str, list[float]]) -> None:
    """Wraps the saver's async calls to record each one's wall time (ms)."""
    for name in TIMED:
        inner = getattr(saver, name)

        async def timed(*args: Any, _inner: Any = inner, _name: str = name, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await _inner(*args, **kwargs)
            finally:
                samples[_name].append((time.perf_counter() - started) * 1000)

        setattr(saver, name, timed)


async def run_thread(graph: Any, turns: int, durability: str) -> None:
    config = {"configurable": {"thread_id": f"profile-{uuid.uuid4().hex[:8]}"}}
    for turn in range(1, turns + 1):
        await graph.ainvoke(turn_input(turn), config, durability=durability)


async def run_round(address: str, batch: bool, turns: int, threads: int, durability: str) -> dict[str, Any]:
    samples: dict[str, list[float]] = defaultdict(list)
    async with CheckpointdSaver(address, batch=batch) as saver:
        time_calls(saver, samples)
        graph = build_graph().compile(checkpointer=saver)
        await run_thread(graph, 1, durability)  # warm-up
        samples.clear()
        batcher = saver._aclient()._batcher
        sent0 = (batcher.batches_sent, batcher.singles_sent) if batcher else (0, 0)
        cpu0, main0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
        await asyncio.gather(*(run_thread(graph, turns, durability) for _ in range(threads)))
        invokes = turns * threads
        wall, cpu, main = time.perf_counter() - wall0, time.process_time() - cpu0, time.thread_time() - main0
        sent = (batcher.batches_sent - sent0[0], batcher.singles_sent - sent0[1]) if batcher else (0, 0)
    return {
        "samples": samples,
        "invokes_per_s": invokes / wall,
        "cpu_us_per_invoke": cpu / invokes * 1e6,
        "main_cpu_us_per_invoke": main / invokes * 1e6,
        "batches_per_invoke": sent[0] / invokes,
        "singles_per_invoke": sent[1] / invokes,
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def report(label: str, results: list[dict[str, Any]]) -> None:
    merged: dict[str, list[float]] = defaultdict(list)
    for result in results:
        for name, values in result["samples"].items():
            merged[name].extend(values)
    rates = [r["invokes_per_s"] for r in results]
    cpus = [r["cpu_us_per_invoke"] for r in results]
    mains = [r["main_cpu_us_per_invoke"] for r in results]
    batches = statistics.mean(r["batches_per_invoke"] for r in results)
    singles = statistics.mean(r["singles_per_invoke"] for r in results)
    print(
        f"{label}: invokes/s {min(rates):.0f}-{max(rates):.0f}; client CPU µs/invoke {statistics.median(cpus):.0f}"
        f" (event-loop thread {statistics.median(mains):.0f});"
        f" per invoke {batches:.1f} Batch + {singles:.1f} single RPCs"
    )
    for name in TIMED:
        values = merged.get(name, [])
        print(f"  {name:12} n={len(values):5}  p50 {pct(values, 0.5):6.2f} ms  p90 {pct(values, 0.9):6.2f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="LangGraph threads run at once in the one event loop")
    parser.add_argument("--batch", choices=("on", "off", "both"), default="both")
    parser.add_argument("--durability", choices=("async", "sync", "exit"), default="async")
    parser.add_argument("--address", help="a running checkpointd (default: start the test stack)")
    parser.add_argument("--cprofile", help="write a cProfile of the last mode's rounds here")
    args = parser.parse_args()
    turns, rounds = max(1, min(args.turns, 5000)), max(1, min(args.rounds, 20))
    threads = max(1, min(args.threads, 64))
    modes = {"on": [True], "off": [False], "both": [False, True]}[args.batch]

    stack = None if args.address else start_stack("postgres")
    address = args.address or stack.address  # type: ignore[union-attr]
    profile = cProfile.Profile() if args.cprofile else None
    results: dict[bool, list[dict[str, Any]]] = defaultdict(list)
    try:
        for _ in range(rounds):
            for batch in modes:  # interleaved, so that both see the same machine load
                if profile is not None and batch == modes[-1]:
                    profile.enable()
                results[batch].append(await run_round(address, batch, turns, threads, args.durability))
                if profile is not None and batch == modes[-1]:
                    profile.disable()
    finally:
        if stack is not None:
            stack.stop()
    print(f"{turns} turns x {threads} threads x {rounds} rounds, durability={args.durability}")
    for batch in modes:
        report("batch on" if batch else "batch off", results[batch])
    if profile is not None:
        profile.dump_stats(args.cprofile)


if __name__ == "__main__":
    asyncio.run(main())
