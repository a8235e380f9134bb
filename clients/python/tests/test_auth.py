"""The Python client and saver against a real server with API keys on: the existing metadata
hook sends ``authorization: Bearer <key>``; no key, or too small a role, is refused with the
server's reason."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from checkpoints import config, make_checkpoint
from stack import Replica, Stack, free_port

from checkpointd import NO_RETRY, CheckpointdClient, CheckpointdError, CheckpointdSaver
from checkpointd.v1 import checkpoint_service_pb2 as service_pb2

WRITER = secrets.token_hex(32)
READER = secrets.token_hex(32)


def bearer(key: str) -> Callable[[], dict[str, str]]:
    """A metadata provider sending the key."""
    return lambda: {"authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def server(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replica]:
    keys_file: Path = tmp_path_factory.mktemp("auth") / "keys.json"
    entries = [
        {"id": "py-writer", "sha256": hashlib.sha256(WRITER.encode()).hexdigest(), "tenant": "py", "roles": ["write"]},
        {"id": "py-reader", "sha256": hashlib.sha256(READER.encode()).hexdigest(), "tenant": "py", "roles": ["read"]},
    ]
    keys_file.write_text(json.dumps({"keys": entries}))
    running = Replica(stack, free_port(), ("--auth-keys-file", str(keys_file)))
    running.start()
    yield running
    running.stop()


def test_the_saver_with_a_key_puts_and_reads_back(server: Replica, thread_id: str) -> None:
    saver = CheckpointdSaver.from_url(server.address, metadata=bearer(WRITER))
    checkpoint = make_checkpoint({"messages": ["hi"]}, {"messages": 1})
    versions = checkpoint["channel_versions"]
    saved = saver.put(config(thread_id), checkpoint, {"step": 0}, versions)  # type: ignore[arg-type]
    found = saver.get_tuple(saved)
    assert found is not None
    assert found.checkpoint["channel_values"] == {"messages": ["hi"]}
    reader = CheckpointdSaver.from_url(server.address, metadata=bearer(READER))
    assert reader.get_tuple(saved) is not None


def test_no_key_is_unauthenticated_and_a_reader_cannot_write(server: Replica, thread_id: str) -> None:
    request = service_pb2.GetTupleRequest(config={"thread_id": thread_id})
    with CheckpointdClient(server.address, retry=NO_RETRY) as client:
        with pytest.raises(CheckpointdError) as refused:
            client.get_tuple(request)
    assert refused.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert refused.value.details == "missing authorization: send `authorization: Bearer <token>`"
    with CheckpointdClient(server.address, retry=NO_RETRY, metadata=bearer("not-a-key")) as client:
        with pytest.raises(CheckpointdError) as unknown:
            client.get_tuple(request)
    assert (unknown.value.code, unknown.value.details) == (grpc.StatusCode.UNAUTHENTICATED, "unknown key")
    reader = CheckpointdSaver.from_url(server.address, metadata=bearer(READER), retry=NO_RETRY)
    checkpoint = make_checkpoint({"messages": ["no"]}, {"messages": 1})
    with pytest.raises(CheckpointdError) as denied:
        reader.put(config(thread_id), checkpoint, {"step": 0}, checkpoint["channel_versions"])  # type: ignore[arg-type]
    assert denied.value.code == grpc.StatusCode.PERMISSION_DENIED
    assert denied.value.details == "Put needs the write role; this credential has the read role"
