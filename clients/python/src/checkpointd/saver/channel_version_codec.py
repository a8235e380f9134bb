"""Channel versions keep their type through the server: LangGraph Python's zero-padded
strings come back as strings, LangGraph.js's integers as ints, floats as floats."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Union

from ..v1 import checkpoint_pb2

ChannelVersion = Union[str, int, float]

_INT64 = range(-(2**63), 2**63)


def encode_channel_version(version: ChannelVersion, where: str = "channel version") -> checkpoint_pb2.ChannelVersion:
    if isinstance(version, str):
        return checkpoint_pb2.ChannelVersion(string_value=version)
    if isinstance(version, bool):
        raise TypeError(f"{where} must be a str, int or float, not bool")
    if isinstance(version, int):
        if version not in _INT64:
            raise ValueError(f"{where} {version} does not fit in 64 bits")
        return checkpoint_pb2.ChannelVersion(int_value=version)
    if isinstance(version, float):
        return checkpoint_pb2.ChannelVersion(float_value=version)
    raise TypeError(f"{where} must be a str, int or float, not {type(version).__name__}")


def decode_channel_version(version: checkpoint_pb2.ChannelVersion, where: str) -> ChannelVersion:
    kind = version.WhichOneof("kind")
    if kind == "int_value":
        return int(version.int_value)
    if kind == "float_value":
        return float(version.float_value)
    if kind == "string_value":
        return str(version.string_value)
    raise ValueError(f"checkpointd returned a channel version without a value at {where}")


def encode_channel_versions(
    versions: Mapping[str, ChannelVersion], into: MutableMapping[str, checkpoint_pb2.ChannelVersion], where: str
) -> None:
    """Fills a ``map<string, ChannelVersion>`` field (``into`` is the map)."""
    for channel, version in versions.items():
        into[channel].CopyFrom(encode_channel_version(version, f"{where}[{channel!r}]"))


def decode_channel_versions(
    versions: Mapping[str, checkpoint_pb2.ChannelVersion], where: str
) -> dict[str, ChannelVersion]:
    return {channel: decode_channel_version(version, f"{where}.{channel}") for channel, version in versions.items()}
