"""A proto CheckpointTuple as LangGraph's CheckpointTuple (and the v<4 pending-sends migration)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from langgraph.checkpoint.base import CheckpointMetadata, CheckpointTuple, PendingWrite
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.serde.types import TASKS

from ..v1 import checkpoint_pb2
from .checkpoint_codec import decode_checkpoint, load_value
from .config_fields import runnable_config
from .metadata_codec import decode_struct


def decode_pending_writes(serde: SerializerProtocol, tuple_: checkpoint_pb2.CheckpointTuple) -> list[PendingWrite]:
    """In the server's order, which is LangGraph's writes_sort_key: (task_path, task_id, idx)."""
    return [
        (write.task_id, write.channel, load_value(serde, write.value) if write.HasField("value") else None)
        for write in tuple_.pending_writes
    ]


def decode_tuple(serde: SerializerProtocol, tuple_: checkpoint_pb2.CheckpointTuple) -> CheckpointTuple:
    if not tuple_.HasField("config") or not tuple_.HasField("checkpoint"):
        raise ValueError("checkpointd returned a tuple without config or checkpoint")
    thread_id = tuple_.config.thread_id
    checkpoint_ns = tuple_.config.checkpoint_ns
    parent_id = tuple_.parent_config.checkpoint_id if tuple_.HasField("parent_config") else ""
    return CheckpointTuple(
        config=runnable_config(thread_id, checkpoint_ns, tuple_.config.checkpoint_id),
        checkpoint=decode_checkpoint(serde, tuple_.checkpoint),
        metadata=cast(CheckpointMetadata, decode_struct(tuple_.metadata)),
        parent_config=runnable_config(thread_id, checkpoint_ns, parent_id) if parent_id else None,
        pending_writes=decode_pending_writes(serde, tuple_),
    )


def needs_pending_sends_migration(tuple_: CheckpointTuple) -> bool:
    """Checkpoints older than format 4 kept sends as their parent's TASKS writes."""
    return tuple_.checkpoint["v"] < 4 and tuple_.parent_config is not None


def migrate_pending_sends(
    tuple_: CheckpointTuple,
    parent: checkpoint_pb2.CheckpointTuple | None,
    serde: SerializerProtocol,
    next_version: Callable[[None, None], Any],
) -> None:
    """Moves the parent's TASKS writes into the TASKS channel, as LangGraph's own savers do on read."""
    sends = [load_value(serde, w.value) for w in (parent.pending_writes if parent else []) if w.channel == TASKS]
    if not sends:
        return
    checkpoint = tuple_.checkpoint
    checkpoint["channel_values"][TASKS] = sends
    versions = checkpoint["channel_versions"]
    versions[TASKS] = max(versions.values()) if versions else next_version(None, None)
