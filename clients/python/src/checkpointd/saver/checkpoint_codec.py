"""A LangGraph checkpoint as the proto carries it, and back — the same mapping as the
TypeScript saver's checkpoint-codec.ts, so that a thread is the same thread in both."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from langgraph.checkpoint.base import Checkpoint
from langgraph.checkpoint.serde.base import SerializerProtocol

from ..v1 import checkpoint_pb2
from .channel_version_codec import ChannelVersion, decode_channel_versions, encode_channel_versions

#: The keys the proto models; everything else in a checkpoint goes to ``extra``.
MODELLED = frozenset(
    {"v", "id", "ts", "channel_values", "channel_versions", "versions_seen", "updated_channels", "pending_sends"}
)


def dump_value(serde: SerializerProtocol, value: Any) -> checkpoint_pb2.TypedValue:
    """The serializer's ``(type, bytes)``, untouched."""
    type_, data = serde.dumps_typed(value)
    return checkpoint_pb2.TypedValue(type=type_, data=bytes(data))


def load_value(serde: SerializerProtocol, value: checkpoint_pb2.TypedValue) -> Any:
    return serde.loads_typed((value.type, value.data))


def _is_str_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value)


def encode_checkpoint(
    serde: SerializerProtocol, checkpoint: Checkpoint, new_versions: Mapping[str, ChannelVersion]
) -> checkpoint_pb2.Checkpoint:
    """Only the channels in ``new_versions`` carry values (the server stores only those; the
    rest are referenced by version). ``updated_channels`` and ``pending_sends`` use their
    proto fields when they are non-empty; any other key, and an empty or None value of
    either (so that "present but empty" survives), goes to ``extra``."""
    record = cast(Mapping[str, Any], checkpoint)
    for key in ("v", "id", "ts"):
        if key not in record:
            raise ValueError(f"checkpoint['{key}'] is required")
    if not isinstance(record["id"], str) or not record["id"]:
        raise ValueError("checkpoint['id'] must be a non-empty string")
    out = checkpoint_pb2.Checkpoint(v=int(record["v"]), id=record["id"], ts=str(record["ts"]))
    values: Mapping[str, Any] = record.get("channel_values") or {}
    for channel in new_versions:
        if channel in values:
            out.channel_values[channel].CopyFrom(dump_value(serde, values[channel]))
    encode_channel_versions(record.get("channel_versions") or {}, out.channel_versions, "channel_versions")
    for node, seen in (record.get("versions_seen") or {}).items():
        encode_channel_versions(seen, out.versions_seen[node].versions, f"versions_seen[{node!r}]")
    for key, value in record.items():
        if key == "updated_channels" and value and _is_str_list(value):
            out.updated_channels.extend(value)
        elif key == "pending_sends" and value and isinstance(value, (list, tuple)):
            out.pending_sends.extend(dump_value(serde, send) for send in value)
        elif key not in MODELLED or key in ("updated_channels", "pending_sends"):
            out.extra[key].CopyFrom(dump_value(serde, value))
    return out


def decode_checkpoint(serde: SerializerProtocol, proto: checkpoint_pb2.Checkpoint) -> Checkpoint:
    """The inverse of encode_checkpoint, with every channel value the server rebuilt."""
    checkpoint: dict[str, Any] = {
        "v": proto.v,
        "id": proto.id,
        "ts": proto.ts,
        "channel_values": {channel: load_value(serde, value) for channel, value in proto.channel_values.items()},
        "channel_versions": decode_channel_versions(proto.channel_versions, "channel_versions"),
        "versions_seen": {
            node: decode_channel_versions(seen.versions, f"versions_seen.{node}")
            for node, seen in proto.versions_seen.items()
        },
    }
    if proto.updated_channels:
        checkpoint["updated_channels"] = list(proto.updated_channels)
    if proto.pending_sends:
        checkpoint["pending_sends"] = [load_value(serde, send) for send in proto.pending_sends]
    for key, value in proto.extra.items():
        checkpoint[key] = load_value(serde, value)
    return cast(Checkpoint, checkpoint)
