"""A real LangGraph graph, end to end, on one saver: `pnpm bench` runs this as a subprocess.

The graph of chat_graph.py (3 nodes, 5 channels, messages growing each turn), compiled with either
AsyncPostgresSaver (on a psycopg AsyncConnectionPool) or checkpointd's async CheckpointdSaver,
and driven by `threads` asyncio workers, each `ainvoke`-ing turn after turn on a thread of its
own. Stdout carries one JSON object a line: {"event": "start"} when the measured loop begins
(the runner reads the other processes' CPU then) and {"event": "done", ...} with the results.

    python python_graph_bench.py --saver checkpointd --url 127.0.0.1:50051 --threads 16 \
        --prefix r1 --max-invokes 2000 --max-seconds 5 --warm-invokes 50
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from typing import Any

import grpc
from chat_graph import build_graph, turn_input


class CountCalls(grpc.aio.UnaryUnaryClientInterceptor, grpc.aio.UnaryStreamClientInterceptor):
    """Counts the RPCs a grpc.aio channel makes, by method."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        self.calls[_method(details)] += 1
        return await continuation(details, request)

    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        self.calls[_method(details)] += 1
        return await continuation(details, request)


def _method(details: Any) -> str:
    method = details.method
    return (method.decode() if isinstance(method, bytes) else str(method)).rsplit("/", 1)[-1]


def count_rpcs() -> CountCalls:
    """Every grpc.aio channel made from now on counts its calls (the saver makes its own channel)."""
    counter = CountCalls()
    original = grpc.aio.insecure_channel

    def insecure_channel(target: str, options: Any = None, compression: Any = None, interceptors: Any = None) -> Any:
        return original(target, options=options, compression=compression, interceptors=[*(interceptors or []), counter])

    grpc.aio.insecure_channel = insecure_channel  # type: ignore[assignment]
    return counter


async def open_saver(kind: str, url: str, pool_size: int) -> tuple[Any, Any]:
    """The saver and a coroutine function that closes it."""
    if kind == "checkpointd":
        from checkpointd.saver import CheckpointdSaver

        saver = CheckpointdSaver.from_url(url)
        return saver, saver.aclose
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool

    pool = AsyncConnectionPool(
        conninfo=url,
        min_size=pool_size,
        max_size=pool_size,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        open=False,
    )
    await pool.open(wait=True)
    saver = AsyncPostgresSaver(pool)
    await saver.setup()
    return saver, pool.close


def percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return float("nan")
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))]


async def run_loop(graph: Any, threads: int, prefix: str, max_invokes: int, max_seconds: float) -> dict[str, Any]:
    """`threads` workers, each on its own thread id, until max_invokes in all or max_seconds."""
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    deadline = started + max_seconds
    issued = 0

    async def worker(index: int) -> None:
        nonlocal issued
        config = {"configurable": {"thread_id": f"{prefix}-t{index}"}}
        turn = 0
        while issued < max_invokes and time.perf_counter() < deadline:
            issued += 1
            turn += 1
            begin = time.perf_counter()
            try:
                await asyncio.wait_for(graph.ainvoke(turn_input(turn), config), 30)
                latencies.append((time.perf_counter() - begin) * 1000)
            except Exception as error:  # noqa: BLE001 - counted and reported
                errors.append(repr(error))

    await asyncio.gather(*(worker(i) for i in range(threads)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "invokes": len(latencies),
        "errors": len(errors),
        "firstError": errors[0] if errors else None,
        "elapsedSeconds": elapsed,
        "invokesPerSecond": len(latencies) / elapsed if elapsed > 0 else float("nan"),
        "p50Ms": percentile(latencies, 0.5),
        "p99Ms": percentile(latencies, 0.99),
    }


def emit(value: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saver", choices=["checkpointd", "postgres"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--max-invokes", type=int, required=True)
    parser.add_argument("--max-seconds", type=float, required=True)
    parser.add_argument("--warm-invokes", type=int, default=0)
    args = parser.parse_args()
    if not 1 <= args.threads <= 256 or not 1 <= args.max_invokes <= 1_000_000 or not 0 < args.max_seconds <= 600:
        raise SystemExit("threads, max-invokes or max-seconds out of bounds")

    counter = count_rpcs()
    saver, close = await open_saver(args.saver, args.url, max(2, args.threads))
    try:
        graph = build_graph().compile(checkpointer=saver)
        if args.warm_invokes > 0:
            await run_loop(graph, args.threads, f"{args.prefix}-warm", args.warm_invokes, args.max_seconds)
        counter.calls.clear()
        emit({"event": "start"})
        cpu_before = time.process_time()
        result = await run_loop(graph, args.threads, args.prefix, args.max_invokes, args.max_seconds)
        cpu_seconds = time.process_time() - cpu_before
        invokes = max(1, result["invokes"])
        rpcs = sum(counter.calls.values())
        emit(
            {
                "event": "done",
                **result,
                "workerCpuMicrosPerInvoke": cpu_seconds * 1e6 / invokes,
                "rpcsPerInvoke": rpcs / invokes if args.saver == "checkpointd" else None,
                "rpcsByMethod": dict(counter.calls),
            }
        )
    finally:
        await close()


if __name__ == "__main__":
    asyncio.run(main())
