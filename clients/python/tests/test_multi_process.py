"""A real LangGraph StateGraph across separate OS processes, through CheckpointdSaver."""

from __future__ import annotations

import os

from graphs import build_approval_graph
from processes import Process, run

from checkpointd import CheckpointdSaver


def test_interrupt_in_one_process_resume_in_another(address: str, thread_id: str) -> None:
    """Worker 1 stops at interrupt() and exits; an approver answers through Watch + Resume;
    worker 2, which never ran the thread, gets the answer through watch(), claims it and finishes."""
    # Worker 2 and the approver only know the thread id; events are durable, so they may start first.
    worker2 = Process("run_resume_worker", address=address, thread=thread_id, worker="worker-2")
    approver = Process("run_approver", address=address, thread=thread_id, answer="approved by Ada")
    worker1 = Process("run_interrupt_worker", address=address, thread=thread_id, request="release 1.2")

    first = worker1.result()
    assert first["next"] == ["approve"]
    assert [i["value"] for i in first["interrupts"]] == [{"question": 'approve "release 1.2"?'}]
    assert first["log"] == ["drafted release 1.2"]

    answered = approver.result()
    assert answered["question"] == [{"question": 'approve "release 1.2"?'}]

    second = worker2.result()
    assert second["resumeId"] == answered["resumeId"]
    assert second["approved"] == "approved by Ada"
    assert second["log"] == [
        "drafted release 1.2",
        "approval: approved by Ada",
        "published release 1.2 (approved by Ada)",
    ]
    assert len({worker1.pid, approver.pid, worker2.pid, os.getpid()}) == 4

    # The finished state, read by yet another saver.
    with CheckpointdSaver.from_url(address) as saver:
        state = build_approval_graph(saver).get_state({"configurable": {"thread_id": thread_id}})
        assert state.next == ()
        assert state.values["approved"] == "approved by Ada"


def test_multi_turn_memory_across_processes(address: str, thread_id: str) -> None:
    turn1 = run("run_chat_turn", address=address, thread=thread_id, message="my name is Chulsoo")
    assert turn1["messages"] == ["my name is Chulsoo", "noted: my name is Chulsoo"]
    turn2 = run("run_chat_turn", address=address, thread=thread_id, message="what is my name?")
    assert turn2["messages"] == [
        "my name is Chulsoo",
        "noted: my name is Chulsoo",
        "what is my name?",
        "your name is Chulsoo",
    ]
    assert turn1["pid"] != turn2["pid"]
