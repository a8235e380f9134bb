"""Hand-made LangGraph checkpoints for the saver tests."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from langgraph.checkpoint.base import Checkpoint
from langgraph.checkpoint.base.id import uuid6


def make_checkpoint(
    values: dict[str, Any],
    versions: dict[str, str | int | float],
    *,
    step: int = 0,
    seen: dict[str, dict[str, str | int | float]] | None = None,
    **extra: Any,
) -> Checkpoint:
    checkpoint: dict[str, Any] = {
        "v": 4,
        "id": str(uuid6(clock_seq=step)),
        "ts": datetime.now(timezone.utc).isoformat(),
        "channel_values": values,
        "channel_versions": versions,
        "versions_seen": seen or {},
        "updated_channels": sorted(values) or None,
        **extra,
    }
    return checkpoint  # type: ignore[return-value]


def config(thread_id: str, checkpoint_id: str | None = None, checkpoint_ns: str = "") -> dict[str, Any]:
    configurable: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": checkpoint_ns}
    if checkpoint_id is not None:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}
