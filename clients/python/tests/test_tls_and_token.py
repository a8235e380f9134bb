"""TLS, mutual TLS and the token: against checkpointd itself (started with --tls-* flags) and,
for what reaches the server's metadata, against a scripted grpc server that requires a client
certificate."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
from collections.abc import Iterator

import grpc
import pytest
from certificates import Certificates, make_certificates
from checkpointd.v1 import checkpoint_service_pb2 as service_pb2
from fake_server import FakeServer, Script
from langgraph.checkpoint.base import empty_checkpoint
from stack import CLI, free_port

from checkpointd import NO_RETRY, AsyncCheckpointdClient, CheckpointdClient, CheckpointdError, TlsOptions
from checkpointd.saver import CheckpointdSaver


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def mtls_server(certs: Certificates) -> Iterator[str]:
    """checkpointd on in-memory PGlite with mutual TLS on its gRPC port: yields its https:// URL."""
    port = free_port()
    args = ["node", str(CLI), "serve", "--port", str(port), "--http-port", "off", "--data-dir", "memory://",
            "--tls-cert-file", str(certs.server.cert_file), "--tls-key-file", str(certs.server.key_file),
            "--tls-client-ca-file", str(certs.ca.cert_file), "--shutdown-grace-ms", "500"]  # fmt: skip
    env = {"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "info"}
    process = subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    listening = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if '"msg":"checkpointd listening"' in line:
                listening.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        if not listening.wait(30):
            raise RuntimeError("checkpointd with TLS did not start within 30 s")
        yield f"https://localhost:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def client_tls(certs: Certificates) -> TlsOptions:
    return TlsOptions(
        root_certificates=certs.ca.cert, private_key=certs.client.key, certificate_chain=certs.client.cert
    )


def test_saver_over_mutual_tls_sync_and_async(mtls_server: str, certs: Certificates) -> None:
    saver = CheckpointdSaver.from_url(
        mtls_server,
        token="any-key",
        root_certificates=certs.ca.cert,
        private_key=certs.client.key,
        certificate_chain=certs.client.cert.decode(),  # str or bytes
    )
    config = {"configurable": {"thread_id": "py-mtls", "checkpoint_ns": ""}}
    checkpoint = empty_checkpoint()
    with saver:
        saved = saver.put(config, checkpoint, {"source": "input", "step": -1}, {})
        tuple_ = saver.get_tuple(saved)
        assert tuple_ is not None and tuple_.checkpoint["id"] == checkpoint["id"]

    async def run() -> None:
        async with CheckpointdSaver.from_url(
            mtls_server,
            root_certificates=certs.ca.cert,
            private_key=certs.client.key,
            certificate_chain=certs.client.cert,
        ) as async_saver:
            tuple_ = await async_saver.aget_tuple({"configurable": {"thread_id": "py-mtls"}})
            assert tuple_ is not None and tuple_.checkpoint["id"] == checkpoint["id"]

    asyncio.run(run())


def test_refused_without_a_client_certificate_or_with_one_from_another_ca(
    mtls_server: str, certs: Certificates
) -> None:
    for identity in ({}, {"private_key": certs.other_client.key, "certificate_chain": certs.other_client.cert}):
        saver = CheckpointdSaver.from_url(
            mtls_server, root_certificates=certs.ca.cert, retry=NO_RETRY, timeout=3, **identity
        )
        with saver, pytest.raises(CheckpointdError) as refused:
            saver.get_tuple({"configurable": {"thread_id": "py-mtls"}})
        assert refused.value.code == grpc.StatusCode.UNAVAILABLE


def test_certificate_keywords_are_checked(certs: Certificates) -> None:
    with pytest.raises(TypeError, match="go together"):
        CheckpointdSaver.from_url("https://localhost:1", private_key=certs.client.key)
    with pytest.raises(TypeError, match="not both"):
        CheckpointdSaver.from_url("https://localhost:1", root_certificates=certs.ca.cert, tls=True)


@pytest.fixture
def mtls_fake(certs: Certificates) -> Iterator[tuple[FakeServer, Script]]:
    script = Script()
    credentials = grpc.ssl_server_credentials(
        [(certs.server.key, certs.server.cert)], root_certificates=certs.ca.cert, require_client_auth=True
    )
    server = FakeServer(script, credentials)
    try:
        yield server, script
    finally:
        server.stop()


def test_the_token_reaches_the_server_sync_and_async(mtls_fake: tuple[FakeServer, Script], certs: Certificates) -> None:
    server, script = mtls_fake
    url = f"https://localhost:{server.port}"
    pems = {"root_certificates": certs.ca.cert, "private_key": certs.client.key, "certificate_chain": certs.client.cert}
    tokens = iter(["refreshed-1", "refreshed-2"])
    with CheckpointdSaver.from_url(url, token="static", **pems) as saver:
        saver.get_tuple({"configurable": {"thread_id": "t"}})
    with CheckpointdSaver.from_url(url, token=lambda: next(tokens), **pems) as saver:
        saver.get_tuple({"configurable": {"thread_id": "t"}})
        saver.get_tuple({"configurable": {"thread_id": "t"}})

    async def token() -> str:
        return "from-a-coroutine"

    async def run() -> None:
        async with CheckpointdSaver.from_url(url, token=token, **pems) as saver:
            await saver.aget_tuple({"configurable": {"thread_id": "t"}})
        async with AsyncCheckpointdClient(url, token="client-level", tls=client_tls(certs)) as client:
            # A call's own authorization wins over the token.
            await client.get_tuple(service_pb2.GetTupleRequest(), metadata={"authorization": "Bearer per-call"})

    asyncio.run(run())
    assert [m.get("authorization") for m in script.metadata] == [
        "Bearer static",
        "Bearer refreshed-1",
        "Bearer refreshed-2",
        "Bearer from-a-coroutine",
        "Bearer per-call",
    ]


def test_bad_tokens_are_refused_before_sending(mtls_fake: tuple[FakeServer, Script], certs: Certificates) -> None:
    server, script = mtls_fake
    with pytest.raises(ValueError, match='without "Bearer "'):
        CheckpointdClient(f"localhost:{server.port}", token="Bearer abc")
    with pytest.raises(ValueError, match="visible ASCII"):
        CheckpointdClient(f"localhost:{server.port}", token="")
    with CheckpointdClient(f"localhost:{server.port}", token=lambda: "line\nbreak", tls=client_tls(certs)) as client:
        with pytest.raises(ValueError, match="visible ASCII"):
            client.get_tuple(service_pb2.GetTupleRequest())
    assert script.metadata == []


def test_a_sync_client_refuses_a_coroutine_token(mtls_fake: tuple[FakeServer, Script], certs: Certificates) -> None:
    server, _ = mtls_fake

    async def token() -> str:
        return "t"

    with CheckpointdClient(f"localhost:{server.port}", token=token, tls=client_tls(certs)) as client:
        with pytest.raises(TypeError, match="AsyncCheckpointdClient"):
            client.get_tuple(service_pb2.GetTupleRequest())

