"""A thread is the same thread from every language: values are the serializer's bytes, stored
and returned untouched; channel versions keep their type."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from checkpointd.v1 import checkpoint_service_pb2 as service_pb2
from checkpoints import config, make_checkpoint
from graphs import build_approval_graph
from langgraph.checkpoint.base.id import uuid6
from typed_values import from_grpcurl, from_json, from_proto, run_grpcurl, run_node

from checkpointd import CheckpointdSaver


@pytest.fixture
def saver(address: str) -> Iterator[CheckpointdSaver]:
    with CheckpointdSaver.from_url(address) as s:
        yield s


def dumped(saver: CheckpointdSaver, value: object) -> tuple[str, str]:
    """What the Python serializer makes of a value, as (type, base64)."""
    type_, data = saver.serde.dumps_typed(value)
    return (type_, base64.b64encode(data).decode())


def test_a_python_thread_reads_byte_for_byte_in_typescript_and_grpcurl(
    saver: CheckpointdSaver, address: str, thread_id: str
) -> None:
    # A real graph, stopped at its interrupt: msgpack values, an __interrupt__ write, string versions.
    build_approval_graph(saver).invoke({"request": "cross-language"}, config(thread_id))
    # And a hand-made checkpoint with what a graph rarely writes: bytes, None, sends, an unmodelled key.
    latest = saver.get_tuple(config(thread_id))
    assert latest is not None
    values = {"blob": b"\x00\x01\xfe\xff", "nothing": None, "text": "héllo \u0000"}
    versions = {channel: saver.get_next_version(None) for channel in values}
    extra = make_checkpoint(values, versions, step=9, pending_sends=["send-1", {"to": "node"}], custom={"k": [1, 2]})  # type: ignore[arg-type]
    saved = saver.put(latest.config, extra, {"step": 9, "source": "update"}, versions)  # type: ignore[arg-type]
    saver.put_writes(saved, [("blob", b"\x10\x20"), ("text", "write")], "task-py", "~py")

    python = from_proto(list(saver.client.list(service_pb2.ListRequest(config={"thread_id": thread_id}))))
    assert len(python) == 4  # input, draft, approve-pending, the hand-made one

    # What the Python serializer wrote is what the server holds.
    mine = python[extra["id"]]
    assert mine["channelValues"] == {channel: dumped(saver, value) for channel, value in values.items()}
    assert mine["pendingSends"] == [dumped(saver, "send-1"), dumped(saver, {"to": "node"})]
    assert mine["extra"] == {"custom": dumped(saver, {"k": [1, 2]})}
    assert mine["pendingWrites"] == [
        ("task-py", "blob", "~py", dumped(saver, b"\x10\x20")),
        ("task-py", "text", "~py", dumped(saver, "write")),
    ]
    interrupted = [t for t in python.values() if any(w[1] == "__interrupt__" for w in t["pendingWrites"])]
    assert len(interrupted) == 1
    assert all(kind == "stringValue" for t in python.values() for kind, _ in t["channelVersions"].values())

    typescript = from_json(run_node("list-thread.mjs", address, thread_id))
    assert typescript == python
    grpcurl = from_grpcurl(run_grpcurl(address, "List", {"config": {"threadId": thread_id}}))
    assert grpcurl == python


def test_a_langgraph_js_thread_reads_back_in_python_as_typed_bytes(
    saver: CheckpointdSaver, address: str, thread_id: str
) -> None:
    id1, id2 = str(uuid6(clock_seq=-1)), str(uuid6(clock_seq=0))
    written = run_node("write-thread.mjs", address, thread_id, id1, id2)
    python = from_proto(list(saver.client.list(service_pb2.ListRequest(config={"thread_id": thread_id}))))
    assert python == from_json(written["listed"])
    # Byte for byte what LangGraph.js's serializer produced.
    for checkpoint_id, expected in written["expected"].items():
        assert python[checkpoint_id]["channelValues"] == {
            k: (v["type"], v["data"]) for k, v in expected["channelValues"].items()
        }
    writes = {w["channel"]: (w["value"]["type"], w["value"]["data"]) for w in written["expected"][id2]["pendingWrites"]}
    # In LangGraph's order (task_path, task_id, idx): __interrupt__'s idx is negative.
    assert python[id2]["pendingWrites"] == [
        ("task-js", "__interrupt__", "~js", writes["__interrupt__"]),
        ("task-js", "messages", "~js", writes["messages"]),
    ]
    # JavaScript numbers stay numbers.
    assert python[id2]["channelVersions"] == {
        "messages": ("intValue", "2"),
        "count": ("intValue", "2"),
        "profile": ("intValue", "1"),
    }

    # And the Python saver reads the thread: LangGraph.js's "json" values decode with JsonPlusSerializer.
    latest = saver.get_tuple(config(thread_id))
    assert latest is not None
    assert latest.config == config(thread_id, id2)
    assert latest.parent_config == config(thread_id, id1)
    assert latest.checkpoint["channel_values"] == {
        "messages": ["hi from js", "hello from js"],
        "count": 2,
        "profile": {"name": "Chulsoo", "tags": ["a", "b"], "score": 0.5},
    }
    assert latest.checkpoint["channel_versions"] == {"messages": 2, "count": 2, "profile": 1}
    assert latest.checkpoint["versions_seen"] == {"__input__": {}, "agent": {"messages": 2, "count": 1.5}}
    assert latest.checkpoint["updated_channels"] == ["messages", "count"]
    assert latest.metadata == {"source": "loop", "step": 0, "parents": {}, "writer": "js"}
    assert latest.pending_writes == [
        ("task-js", "__interrupt__", [{"value": {"question": "ok?"}, "id": "interrupt-js-1"}]),
        ("task-js", "messages", ["pending from js"]),
    ]
