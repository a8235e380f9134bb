"""Every TypedValue of a thread, in one comparable form, from three readers: the Python client
(protos), the TypeScript client (tests/js/typed-values.mjs) and grpcurl (proto JSON)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from checkpointd.v1 import checkpoint_pb2

Described = dict[str, dict[str, Any]]


def _typed(value: dict[str, Any] | None) -> tuple[str, str] | None:
    """A {type, data} from the JS scripts or grpcurl (which leaves out empty fields)."""
    if value is None:
        return None
    return (value.get("type", ""), value.get("data", ""))


def _versions(map_: dict[str, dict[str, Any]]) -> dict[str, tuple[str, str]]:
    return {channel: next((kind, str(v)) for kind, v in version.items()) for channel, version in map_.items()}


def from_proto(tuples: list[checkpoint_pb2.CheckpointTuple]) -> Described:
    def typed(value: checkpoint_pb2.TypedValue) -> tuple[str, str]:
        return (value.type, base64.b64encode(value.data).decode())

    def versions(map_: Any) -> dict[str, tuple[str, str]]:
        out = {}
        for channel, version in map_.items():
            kind = version.WhichOneof("kind")
            out[channel] = (kind.replace("_value", "Value"), str(getattr(version, kind)))
        return out

    return {
        t.config.checkpoint_id: {
            "channelValues": {k: typed(v) for k, v in t.checkpoint.channel_values.items()},
            "channelVersions": versions(t.checkpoint.channel_versions),
            "pendingSends": [typed(v) for v in t.checkpoint.pending_sends],
            "extra": {k: typed(v) for k, v in t.checkpoint.extra.items()},
            "pendingWrites": [
                (w.task_id, w.channel, w.task_path, typed(w.value) if w.HasField("value") else None)
                for w in t.pending_writes
            ],
        }
        for t in tuples
    }


def from_json(tuples: list[dict[str, Any]]) -> Described:
    """From the JS scripts' describeTuple output."""
    return {
        t["checkpointId"]: {
            "channelValues": {k: _typed(v) for k, v in t["channelValues"].items()},
            "channelVersions": _versions(t["channelVersions"]),
            "pendingSends": [_typed(v) for v in t["pendingSends"]],
            "extra": {k: _typed(v) for k, v in t["extra"].items()},
            "pendingWrites": [
                (w["taskId"], w["channel"], w["taskPath"], _typed(w["value"])) for w in t["pendingWrites"]
            ],
        }
        for t in tuples
    }


def from_grpcurl(responses: list[dict[str, Any]]) -> Described:
    """From grpcurl's proto JSON (lowerCamelCase; default values left out)."""
    out: Described = {}
    for response in responses:
        t = response["tuple"]
        checkpoint = t.get("checkpoint", {})
        out[t["config"].get("checkpointId", "")] = {
            "channelValues": {k: _typed(v) for k, v in checkpoint.get("channelValues", {}).items()},
            "channelVersions": _versions(checkpoint.get("channelVersions", {})),
            "pendingSends": [_typed(v) for v in checkpoint.get("pendingSends", [])],
            "extra": {k: _typed(v) for k, v in checkpoint.get("extra", {}).items()},
            "pendingWrites": [
                (w.get("taskId", ""), w.get("channel", ""), w.get("taskPath", ""), _typed(w.get("value")))
                for w in t.get("pendingWrites", [])
            ],
        }
    return out


REPO = Path(__file__).resolve().parents[3]
JS = Path(__file__).parent / "js"


def run_node(script: str, *args: str) -> Any:
    done = subprocess.run(
        ["node", str(JS / script), *args], capture_output=True, text=True, timeout=60, cwd=REPO, check=False
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def find_grpcurl() -> str:
    found = shutil.which("grpcurl")
    if found:
        return found
    for candidate in (
        Path(os.environ.get("GOPATH", Path.home() / "go")) / "bin" / "grpcurl",
        Path.home() / "go/bin/grpcurl",
    ):
        if candidate.exists():
            return str(candidate)
    raise AssertionError("grpcurl is not installed (go install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.3)")


def run_grpcurl(address: str, method: str, request: dict[str, Any]) -> list[dict[str, Any]]:
    """grpcurl prints one JSON document per response message."""
    done = subprocess.run(
        [
            find_grpcurl(),
            "-plaintext",
            "-d",
            json.dumps(request),
            address,
            f"checkpointd.v1.CheckpointService/{method}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"grpcurl failed:\n{done.stdout}\n{done.stderr}"
    decoder, text, at, out = json.JSONDecoder(), done.stdout, 0, []
    while (at := _skip_space(text, at)) < len(text):
        document, at = decoder.raw_decode(text, at)
        out.append(document)
    return out


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at
