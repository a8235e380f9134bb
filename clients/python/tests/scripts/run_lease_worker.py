"""A worker with single_writer=True in its own process: takes the thread's lease (waiting for it
when another holds it), prints its token, runs the counter graph on from the thread's last
checkpoint (or from the start), prints each step, releases. A test SIGKILLs one mid-run."""

from __future__ import annotations

from graphs import build_counter_graph
from process_args import exit_after, process_args, report

from checkpointd import CheckpointdSaver
from checkpointd.saver import SingleWriter

args = process_args("address", "thread", "worker", "ttl", "steps", "wait")
exit_after(60, "lease worker")
single = SingleWriter(holder=args["worker"], ttl=float(args["ttl"]), wait=float(args["wait"]))
with CheckpointdSaver.from_url(args["address"], single_writer=single) as saver:
    config = {"configurable": {"thread_id": args["thread"]}, "recursion_limit": 100}
    graph = build_counter_graph(saver, args["worker"], int(args["steps"]), 0.15)
    assert saver.leases is not None
    report({"event": "lease", "token": saver.leases.token(saver.client, args["thread"])})
    started = graph.get_state(config).values.get("count") is not None
    state = graph.invoke(None if started else {"count": 0}, config)
    saver.release_thread(args["thread"])
    report({"event": "done", "count": state["count"], "log": state["log"]})
