"""Worker process 1: runs the approval graph on a new thread until its interrupt, then exits."""

from __future__ import annotations

from graphs import build_approval_graph
from process_args import exit_after, process_args, report

from checkpointd import CheckpointdSaver

args = process_args("address", "thread", "request")
exit_after(60, "interrupt worker")
with CheckpointdSaver.from_url(args["address"]) as saver:
    graph = build_approval_graph(saver)
    config = {"configurable": {"thread_id": args["thread"]}}
    result = graph.invoke({"request": args["request"]}, config)
    snapshot = graph.get_state(config)
    report(
        {
            "interrupts": [{"id": i.id, "value": i.value} for task in snapshot.tasks for i in task.interrupts],
            "next": list(snapshot.next),
            "log": result["log"],
        }
    )
