"""Reading ``config["configurable"]`` the way every saver method needs it."""

from __future__ import annotations

import uuid
from typing import Any

from langchain_core.runnables import RunnableConfig

from ..v1 import checkpoint_pb2


def configurable(config: RunnableConfig | None, key: str) -> str | None:
    """A configurable as a string; None when absent. Numbers and UUIDs (common thread ids) become strings."""
    fields: Any = (config or {}).get("configurable") or {}
    value = fields.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, uuid.UUID) or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value)
    raise TypeError(f"config['configurable']['{key}'] must be a string, got {type(value).__name__}")


def required(config: RunnableConfig | None, key: str, method: str) -> str:
    value = configurable(config, key)
    if not value:
        hint = (
            ' (pass it when you invoke the graph: config={"configurable": {"thread_id": "..."}})'
            if key == "thread_id"
            else ""
        )
        raise ValueError(f"CheckpointdSaver.{method}: config['configurable']['{key}'] is required{hint}")
    return value


def runnable_config(thread_id: str, checkpoint_ns: str, checkpoint_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": checkpoint_ns, "checkpoint_id": checkpoint_id}}


def proto_config(
    thread_id: str, checkpoint_ns: str | None, checkpoint_id: str | None
) -> checkpoint_pb2.CheckpointConfig:
    """checkpoint_ns None stays unset (List: every namespace)."""
    out = checkpoint_pb2.CheckpointConfig(thread_id=thread_id, checkpoint_id=checkpoint_id or "")
    if checkpoint_ns is not None:
        out.checkpoint_ns = checkpoint_ns
    return out
