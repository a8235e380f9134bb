"""The approver process: watches a thread and answers its first interrupt with Resume."""

from __future__ import annotations

from checkpointd.v1 import checkpoint_pb2
from checkpointd.v1 import checkpoint_service_pb2 as service_pb2
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from process_args import exit_after, process_args, report

from checkpointd import CheckpointdClient

args = process_args("address", "thread", "answer")
exit_after(60, "approver")
serde = JsonPlusSerializer()
with CheckpointdClient(args["address"]) as client, client.watch([args["thread"]]) as watch:
    for event in watch:
        if event.WhichOneof("kind") != "interrupted":
            continue
        written = event.interrupted.value
        interrupts = serde.loads_typed((written.type, written.data))  # LangGraph's Interrupt objects
        answer_type, answer_bytes = serde.dumps_typed(args["answer"])
        resumed = client.resume(
            service_pb2.ResumeRequest(
                thread_id=args["thread"],
                checkpoint_ns=event.interrupted.config.checkpoint_ns,
                values={i.id: checkpoint_pb2.TypedValue(type=answer_type, data=answer_bytes) for i in interrupts},
                idempotency_key=f"approve:{args['thread']}:{event.event_id}",
            )
        )
        report({"question": [i.value for i in interrupts], "resumeId": resumed.resume_id, "eventId": resumed.event_id})
        break
