"""CheckpointdSaver's methods, one by one, against a real server (PostgreSQL + Redis)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import grpc
import pytest
from checkpointd.v1 import checkpoint_service_pb2 as service_pb2
from checkpoints import config, make_checkpoint
from langgraph.checkpoint.base import WRITES_IDX_MAP

from checkpointd import CheckpointdError, CheckpointdSaver


@pytest.fixture
def saver(address: str) -> Iterator[CheckpointdSaver]:
    with CheckpointdSaver.from_url(address) as s:
        yield s


def ids(tuples: object) -> list[str]:
    return [t.checkpoint["id"] for t in tuples]  # type: ignore[attr-defined]


def test_round_trip_is_lossless(saver: CheckpointdSaver, thread_id: str) -> None:
    v1 = saver.get_next_version(None)
    checkpoint = make_checkpoint(
        {"text": "héllo \u0000 wörld", "nested": {"a": {"b": [None, True, 1.5]}}, "none": None, "raw": b"\x00\xff"},
        {"text": v1, "nested": 7, "none": 2.5, "raw": v1},
        seen={"agent": {"text": v1, "nested": 6}, "": {"none": 1.25}},
        pending_sends=[],
        custom_extension={"any": ["thing", 1]},
    )
    checkpoint["updated_channels"] = None
    metadata = {
        "source": "loop",
        "step": 3,
        "parents": {"": "p"},
        "run_id": "r-1",
        "score": 0.5,
        "tags": ["a"],
        "x": None,
    }
    saved = saver.put(config(thread_id), checkpoint, metadata, checkpoint["channel_versions"])  # type: ignore[arg-type]
    assert saved == config(thread_id, checkpoint["id"])

    found = saver.get_tuple(saved)
    assert found is not None
    assert found.checkpoint == checkpoint
    assert found.metadata == metadata
    assert isinstance(found.metadata["step"], int)
    assert found.parent_config is None
    assert found.pending_writes == []
    versions = found.checkpoint["channel_versions"]
    assert (type(versions["text"]), type(versions["nested"]), type(versions["none"])) == (str, int, float)
    assert found.checkpoint["versions_seen"]["agent"]["nested"] == 6
    assert "updated_channels" in found.checkpoint and found.checkpoint["updated_channels"] is None


def test_values_are_the_serializers_bytes_untouched(saver: CheckpointdSaver, thread_id: str) -> None:
    values = {"messages": [{"role": "user", "content": "hi"}], "blob": b"\x00\x01\x02"}
    versions = {channel: saver.get_next_version(None) for channel in values}
    checkpoint = make_checkpoint(values, versions)  # type: ignore[arg-type]
    saver.put(config(thread_id), checkpoint, {"step": -1}, versions)  # type: ignore[arg-type]
    raw = saver.client.get_tuple(service_pb2.GetTupleRequest(config={"thread_id": thread_id}))
    assert raw is not None
    for channel, value in values.items():
        typed = raw.checkpoint.channel_values[channel]
        assert (typed.type, typed.data) == saver.serde.dumps_typed(value)


def test_put_stores_only_new_versions_and_reads_rebuild_every_channel(saver: CheckpointdSaver, thread_id: str) -> None:
    a1, b1 = saver.get_next_version(None), saver.get_next_version(None)
    first = make_checkpoint({"a": "a@1", "b": "b@1"}, {"a": a1, "b": b1}, step=-1)
    saved1 = saver.put(config(thread_id), first, {"step": -1}, {"a": a1, "b": b1})
    b2 = saver.get_next_version(b1)
    # The value of "a" in this checkpoint is a decoy: "a" is not in new_versions, so its stored value is a@1.
    second = make_checkpoint({"a": "not stored", "b": "b@2"}, {"a": a1, "b": b2}, step=0)
    saved2 = saver.put(saved1, second, {"step": 0}, {"b": b2})
    latest = saver.get_tuple(config(thread_id))
    assert latest is not None
    assert latest.config == saved2
    assert latest.parent_config == saved1
    assert latest.checkpoint["channel_values"] == {"a": "a@1", "b": "b@2"}
    older = saver.get_tuple(saved1)
    assert older is not None and older.checkpoint["channel_values"] == {"a": "a@1", "b": "b@1"}


def test_list_with_filter_before_limit_and_namespaces(saver: CheckpointdSaver, thread_id: str) -> None:
    parent = config(thread_id)
    saved = []
    for step in range(4):
        v = saver.get_next_version(None)
        checkpoint = make_checkpoint({"n": step}, {"n": v}, step=step)
        parent = saver.put(parent, checkpoint, {"step": step, "source": "loop", "run_id": f"run-{step % 2}"}, {"n": v})
        saved.append(parent["configurable"]["checkpoint_id"])
    v = saver.get_next_version(None)
    sub = saver.put(
        config(thread_id, checkpoint_ns="child:1"), make_checkpoint({"n": 9}, {"n": v}), {"step": 0}, {"n": v}
    )

    newest_first = list(reversed(saved))
    assert ids(saver.list(config(thread_id))) == newest_first
    assert ids(saver.list({"configurable": {"thread_id": thread_id}})) == [
        sub["configurable"]["checkpoint_id"],
        *newest_first,
    ]
    assert ids(saver.list(config(thread_id, checkpoint_ns="child:1"))) == [sub["configurable"]["checkpoint_id"]]
    assert ids(saver.list(config(thread_id), filter={"run_id": "run-1"})) == [saved[3], saved[1]]
    assert ids(saver.list(config(thread_id), filter={"step": 2, "source": "loop"})) == [saved[2]]
    assert ids(saver.list(config(thread_id), before=config(thread_id, saved[2]))) == [saved[1], saved[0]]
    assert ids(saver.list(config(thread_id), limit=2)) == newest_first[:2]
    assert ids(saver.list(config(thread_id), before=config(thread_id, saved[3]), limit=1)) == [saved[2]]
    assert ids(saver.list(config(thread_id), limit=0)) == []
    assert ids(saver.list(config(thread_id, saved[1]))) == [saved[1]]
    everything = ids(saver.list(None, filter={"run_id": "run-0"}))
    assert saved[0] in everything and saved[2] in everything


def test_put_writes_is_idempotent_and_special_channels_overwrite(saver: CheckpointdSaver, thread_id: str) -> None:
    v = saver.get_next_version(None)
    saved = saver.put(config(thread_id), make_checkpoint({"n": 1}, {"n": v}), {"step": 0}, {"n": v})
    saver.put_writes(saved, [("n", 2), ("log", "first")], "task-b", "~b")
    saver.put_writes(saved, [("n", 2), ("log", "first")], "task-b", "~b")  # a retry
    saver.put_writes(saved, [("n", 99), ("log", "changed")], "task-b", "~b")  # ordinary writes: insert-if-absent
    saver.put_writes(saved, [("__interrupt__", {"question": "ok?"})], "task-a", "~a")
    saver.put_writes(saved, [("__interrupt__", {"question": "really ok?"})], "task-a", "~a")  # special: overwrite
    found = saver.get_tuple(saved)
    assert found is not None
    # LangGraph's writes_sort_key: (task_path, task_id, idx); __interrupt__ has idx WRITES_IDX_MAP[...] < 0.
    assert WRITES_IDX_MAP["__interrupt__"] < 0
    assert found.pending_writes == [
        ("task-a", "__interrupt__", {"question": "really ok?"}),
        ("task-b", "n", 2),
        ("task-b", "log", "first"),
    ]


def test_delete_thread(saver: CheckpointdSaver, thread_id: str) -> None:
    v = saver.get_next_version(None)
    saved = saver.put(config(thread_id), make_checkpoint({"n": 1}, {"n": v}), {}, {"n": v})
    saver.put(config(thread_id, checkpoint_ns="sub"), make_checkpoint({"n": 2}, {"n": v}), {}, {"n": v})
    saver.put_writes(saved, [("n", 2)], "t", "")
    saver.delete_thread(thread_id)
    assert saver.get_tuple(config(thread_id)) is None
    assert list(saver.list({"configurable": {"thread_id": thread_id}})) == []


def test_copy_thread_copies_history_values_and_writes(saver: CheckpointdSaver, thread_id: str) -> None:
    target = f"{thread_id}-copy"
    parent = config(thread_id)
    for step in range(3):
        v = saver.get_next_version(None)
        parent = saver.put(parent, make_checkpoint({"n": step}, {"n": v}, step=step), {"step": step}, {"n": v})
    saver.put_writes(parent, [("n", 3)], "task", "~0")
    saver.copy_thread(thread_id, target)
    source = list(saver.list(config(thread_id)))
    copied = list(saver.list(config(target)))
    assert ids(copied) == ids(source)
    assert [t.checkpoint for t in copied] == [t.checkpoint for t in source]
    assert copied[0].pending_writes == [("task", "n", 3)]
    assert copied[0].config["configurable"]["thread_id"] == target
    assert copied[0].parent_config == config(target, source[1].checkpoint["id"])


def test_delete_for_runs(saver: CheckpointdSaver, thread_id: str) -> None:
    parent = config(thread_id)
    for step, run in enumerate(["keep", "drop", "drop"]):
        v = saver.get_next_version(None)
        parent = saver.put(
            parent, make_checkpoint({"n": step}, {"n": v}, step=step), {"run_id": f"{thread_id}-{run}"}, {"n": v}
        )
    saver.delete_for_runs([f"{thread_id}-drop"])
    remaining = list(saver.list(config(thread_id)))
    assert [t.metadata["run_id"] for t in remaining] == [f"{thread_id}-keep"]


def test_prune_keep_latest_keeps_values_the_latest_references(saver: CheckpointdSaver, thread_id: str) -> None:
    a1 = saver.get_next_version(None)
    first = saver.put(config(thread_id), make_checkpoint({"a": "kept"}, {"a": a1}, step=-1), {}, {"a": a1})
    b1 = saver.get_next_version(None)
    latest = saver.put(first, make_checkpoint({"a": "kept", "b": "b"}, {"a": a1, "b": b1}), {}, {"b": b1})
    saver.prune([thread_id])
    assert ids(saver.list(config(thread_id))) == [latest["configurable"]["checkpoint_id"]]
    found = saver.get_tuple(config(thread_id))
    assert found is not None and found.checkpoint["channel_values"] == {"a": "kept", "b": "b"}
    saver.prune([thread_id], strategy="delete")
    assert saver.get_tuple(config(thread_id)) is None


def test_get_next_version_is_langgraphs_zero_padded_string(saver: CheckpointdSaver) -> None:
    first = saver.get_next_version(None)
    assert re.fullmatch(r"0{31}1\.\d\.\d+", first)
    second = saver.get_next_version(first)
    assert second.startswith("0" * 31 + "2.") and second > first
    assert saver.get_next_version(7).startswith("0" * 30 + "08.")  # a LangGraph.js (number) version


def test_missing_thread_and_bad_input_give_clear_errors(saver: CheckpointdSaver, thread_id: str) -> None:
    v = saver.get_next_version(None)
    checkpoint = make_checkpoint({"n": 1}, {"n": v})
    with pytest.raises(ValueError, match=r"put: config\['configurable'\]\['thread_id'\] is required"):
        saver.put({"configurable": {}}, checkpoint, {}, {"n": v})
    with pytest.raises(ValueError, match=r"put_writes: config\['configurable'\]\['checkpoint_id'\] is required"):
        saver.put_writes(config(thread_id), [("n", 1)], "task")
    with pytest.raises(TypeError, match=r"thread_id'\] must be a string, got dict"):
        saver.get_tuple({"configurable": {"thread_id": {"not": "a string"}}})
    with pytest.raises(TypeError, match="must be a str, int or float, not bool"):
        saver.put(config(thread_id), make_checkpoint({"n": 1}, {"n": True}), {}, {"n": True})
    with pytest.raises(TypeError, match="metadata.when is a object: checkpoint metadata holds JSON values only"):
        saver.put(config(thread_id), checkpoint, {"when": object()}, {"n": v})  # type: ignore[typeddict-unknown-key]
    with pytest.raises(ValueError, match='strategy must be "keep_latest" or "delete"'):
        saver.prune([thread_id], strategy="everything")
    with pytest.raises(ValueError, match="delete_thread: thread_id is required"):
        saver.delete_thread("")
    # The server's own validation comes back as a CheckpointdError with the gRPC code.
    with pytest.raises(CheckpointdError) as raised:
        saver.put(config("nul\u0000thread"), checkpoint, {}, {"n": v})
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert saver.get_tuple({"configurable": {}}) is None
    assert saver.get_tuple(config(f"{thread_id}-never-written")) is None


async def test_async_twins(saver: CheckpointdSaver, thread_id: str) -> None:
    v = saver.get_next_version(None)
    first = await saver.aput(
        config(thread_id), make_checkpoint({"n": 1}, {"n": v}, step=-1), {"run_id": "a-1"}, {"n": v}
    )
    v2 = saver.get_next_version(v)
    second = await saver.aput(first, make_checkpoint({"n": 2}, {"n": v2}), {"run_id": "a-2"}, {"n": v2})
    await saver.aput_writes(second, [("n", 3)], "task", "~")
    found = await saver.aget_tuple(config(thread_id))
    assert found is not None and found.config == second and found.pending_writes == [("task", "n", 3)]
    assert found.checkpoint["channel_values"] == {"n": 2}
    assert [t.config async for t in saver.alist(config(thread_id))] == [second, first]
    assert [t.config async for t in saver.alist(config(thread_id), limit=1, filter={"run_id": "a-1"})] == [first]
    await saver.acopy_thread(thread_id, f"{thread_id}-copy")
    assert (await saver.aget(config(f"{thread_id}-copy"))) == found.checkpoint
    await saver.adelete_for_runs(["a-2"])
    assert [t.config async for t in saver.alist(config(thread_id))] == [first]
    await saver.aprune([f"{thread_id}-copy"], strategy="keep_latest")
    assert len([t async for t in saver.alist(config(f"{thread_id}-copy"))]) == 1
    await saver.adelete_thread(thread_id)
    assert await saver.aget_tuple(config(thread_id)) is None
    await saver.aclose()
