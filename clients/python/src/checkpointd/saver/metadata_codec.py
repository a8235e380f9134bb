"""Checkpoint metadata and List filters travel as JSON objects (google.protobuf.Struct),
as LangGraph's PostgresSaver stores its JSONB metadata column."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2

_EXACT_FLOAT_INT = 2**53


def to_json(value: Any, where: str) -> Any:
    """The value as plain JSON (tuples become lists, as json.dumps does); anything else is a TypeError."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if abs(value) > _EXACT_FLOAT_INT:
            raise ValueError(f"{where} is {value}: JSON numbers are doubles, exact only up to 2**53")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} is {value}: JSON has no NaN or infinity")
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise TypeError(f"{where} has a key of type {type(key).__name__}: JSON keys are strings")
            name = key if isinstance(key, str) else _json_key(key)
            out[name] = to_json(item, f"{where}.{name}")
        return out
    if isinstance(value, (list, tuple)):
        return [to_json(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise TypeError(f"{where} is a {type(value).__name__}: checkpoint metadata holds JSON values only")


def _json_key(key: Any) -> str:
    # json.dumps's own spelling of non-string keys.
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def encode_struct(value: Mapping[str, Any], where: str) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(to_json(value, where))
    return out


def _revive_ints(value: Any) -> Any:
    """Struct numbers are doubles: whole ones come back as ints (``step`` must stay an int)."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= _EXACT_FLOAT_INT:
        return int(value)
    if isinstance(value, dict):
        return {key: _revive_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_revive_ints(item) for item in value]
    return value


def decode_struct(value: struct_pb2.Struct) -> dict[str, Any]:
    decoded: dict[str, Any] = _revive_ints(json_format.MessageToDict(value))
    return decoded
