"""One turn of the chat graph in its own process: the thread's earlier turns come from checkpointd."""

from __future__ import annotations

from graphs import build_chat_graph
from process_args import exit_after, process_args, report

from checkpointd import CheckpointdSaver

args = process_args("address", "thread", "message")
exit_after(60, "chat turn")
with CheckpointdSaver.from_url(args["address"]) as saver:
    state = build_chat_graph(saver).invoke(
        {"messages": [args["message"]]}, {"configurable": {"thread_id": args["thread"]}}
    )
    report({"messages": state["messages"]})
