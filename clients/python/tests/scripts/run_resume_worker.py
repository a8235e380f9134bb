"""Worker process 2: has never run the thread; waits for a resume through watch(), claims
it, and resumes the graph with Command(resume=...)."""

from __future__ import annotations

from typing import Any

from checkpointd.v1 import checkpoint_service_pb2 as service_pb2
from graphs import build_approval_graph
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.types import Command
from process_args import exit_after, process_args, report

from checkpointd import CheckpointdClient, CheckpointdSaver

args = process_args("address", "thread", "worker")
exit_after(60, "resume worker")
serde = JsonPlusSerializer()
resume: Any = None
resume_id = ""
with CheckpointdClient(args["address"]) as client, client.watch([args["thread"]]) as watch:
    for event in watch:
        if event.WhichOneof("kind") != "resume_requested":
            continue
        claim = client.claim_resume(
            service_pb2.ClaimResumeRequest(
                thread_id=args["thread"], resume_id=event.resume_requested.resume_id, worker_id=args["worker"]
            )
        )
        if not claim.claimed:
            continue
        answers = {key: serde.loads_typed((value.type, value.data)) for key, value in claim.values.items()}
        # One interrupt: its answer; several: LangGraph's map of interrupt id -> answer.
        resume = next(iter(answers.values())) if len(answers) == 1 else answers
        resume_id = claim.resume_id
        break

with CheckpointdSaver.from_url(args["address"]) as saver:
    state = build_approval_graph(saver).invoke(Command(resume=resume), {"configurable": {"thread_id": args["thread"]}})
    report({"resumeId": resume_id, "approved": state["approved"], "log": state["log"]})
