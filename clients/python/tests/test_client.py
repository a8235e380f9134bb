"""The clients against a scripted in-process server: addresses, retries, deadlines, metadata, TLS, List, Watch."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from checkpointd.v1 import checkpoint_service_pb2 as service_pb2
from fake_server import FakeServer, Script

from checkpointd import (
    NO_RETRY,
    AsyncCheckpointdClient,
    CheckpointdClient,
    CheckpointdError,
    ClientClosedError,
    ReconnectPolicy,
    RetryPolicy,
    TlsOptions,
    backoff_delay,
    parse_address,
)

FAST = RetryPolicy(max_attempts=5, initial_backoff=0.01, max_backoff=0.05)


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def server(script: Script) -> Iterator[FakeServer]:
    running = FakeServer(script)
    yield running
    running.stop()


def test_parse_address() -> None:
    assert parse_address("127.0.0.1:50051").target == "127.0.0.1:50051"
    assert parse_address("http://localhost:8080/").target == "localhost:8080"
    assert parse_address("https://example.com").target == "example.com:443"
    assert parse_address("https://example.com").tls is True
    assert parse_address("[::1]:50051").target == "[::1]:50051"
    for bad, message in [
        ("localhost", "a port is required"),
        ("ftp://host:1", "the scheme must be http or https"),
        ("http://host:1/path", "nothing after the port"),
        ("host:notaport", "expected host:port"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_address(bad)
    with pytest.raises(ValueError, match="is https, but tls is False"):
        CheckpointdClient("https://example.com", tls=False)


def test_backoff_is_capped_exponential_with_equal_jitter() -> None:
    policy = RetryPolicy(initial_backoff=0.1, max_backoff=2.0, multiplier=2.0)
    assert [backoff_delay(n, policy, lambda: 0.0) for n in (1, 2, 3)] == [0.05, 0.1, 0.2]
    assert [backoff_delay(n, policy, lambda: 1.0) for n in (1, 2, 3)] == [0.1, 0.2, 0.4]
    assert backoff_delay(10, policy, lambda: 1.0) == 2.0


def test_idempotent_calls_retry_unavailable(server: FakeServer, script: Script) -> None:
    script.unavailable = {"Put": 3, "Resume": 2}
    with CheckpointdClient(server.address, retry=FAST) as client:
        client.put(service_pb2.PutRequest())
        assert script.calls["Put"] == 4
        # A resume with an idempotency key is safe to repeat.
        assert client.resume(service_pb2.ResumeRequest(thread_id="t", idempotency_key="k")).resume_id == "r-1"
        assert script.calls["Resume"] == 3


def test_non_idempotent_calls_are_not_retried(server: FakeServer, script: Script) -> None:
    script.unavailable = {"ClaimResume": 1, "Resume": 1}
    with CheckpointdClient(server.address, retry=FAST) as client:
        with pytest.raises(CheckpointdError) as raised:
            client.claim_resume(service_pb2.ClaimResumeRequest(thread_id="t"))  # "the oldest": maybe another one
        assert raised.value.code == grpc.StatusCode.UNAVAILABLE
        assert script.calls["ClaimResume"] == 1
        with pytest.raises(CheckpointdError):
            client.resume(service_pb2.ResumeRequest(thread_id="t"))  # no idempotency key
        assert script.calls["Resume"] == 1
        # A claim that names its resume is answered the same when repeated: retried.
        script.unavailable = {"ClaimResume": 2}
        claimed = client.claim_resume(service_pb2.ClaimResumeRequest(thread_id="t", resume_id="r-1", worker_id="w"))
        assert claimed.claimed and script.calls["ClaimResume"] == 4


def test_retries_stop_at_max_attempts_and_no_retry_turns_them_off(server: FakeServer, script: Script) -> None:
    script.unavailable = {"Put": 100}
    with CheckpointdClient(server.address, retry=FAST) as client:
        with pytest.raises(CheckpointdError, match="UNAVAILABLE: Put: scripted outage"):
            client.put(service_pb2.PutRequest())
        assert script.calls["Put"] == 5
    with CheckpointdClient(server.address, retry=NO_RETRY) as client:
        with pytest.raises(CheckpointdError):
            client.put(service_pb2.PutRequest())
        assert script.calls["Put"] == 6


def test_deadline_default_and_per_call(server: FakeServer, script: Script) -> None:
    script.get_tuple_delay = 0.5
    with CheckpointdClient(server.address, timeout=0.1) as client:
        started = time.monotonic()
        with pytest.raises(CheckpointdError) as raised:
            client.get_tuple(service_pb2.GetTupleRequest())
        assert raised.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
        assert time.monotonic() - started < 0.45
        assert client.get_tuple(service_pb2.GetTupleRequest(), timeout=5) is None  # a call's own deadline wins


def test_retries_stay_within_the_deadline(server: FakeServer, script: Script) -> None:
    script.unavailable = {"Put": 100}
    slow = RetryPolicy(max_attempts=100, initial_backoff=0.2, max_backoff=0.2)
    with CheckpointdClient(server.address, retry=slow, timeout=0.5) as client:
        started = time.monotonic()
        with pytest.raises(CheckpointdError):
            client.put(service_pb2.PutRequest())
        assert time.monotonic() - started < 0.6
        assert script.calls["Put"] < 6


def test_metadata_hook_and_per_call_metadata(server: FakeServer, script: Script) -> None:
    tokens = iter(["token-1", "token-2"])
    with CheckpointdClient(server.address, metadata=lambda: {"Authorization": f"Bearer {next(tokens)}"}) as client:
        client.put(service_pb2.PutRequest())
        client.put(service_pb2.PutRequest(), metadata={"x-tenant": "acme"})
    assert script.metadata[0]["authorization"] == "Bearer token-1"
    assert script.metadata[1]["authorization"] == "Bearer token-2"
    assert script.metadata[1]["x-tenant"] == "acme"


def test_list_is_an_iterator_retried_only_before_the_first_tuple(server: FakeServer, script: Script) -> None:
    script.unavailable = {"List": 2}
    with CheckpointdClient(server.address, retry=FAST) as client:
        assert [t.checkpoint.id for t in client.list(service_pb2.ListRequest())] == ["0000", "0001", "0002"]
        assert script.calls["List"] == 3
        script.list_fail_after = 1
        seen = []
        with pytest.raises(CheckpointdError, match="mid-stream"):
            for t in client.list(service_pb2.ListRequest()):
                seen.append(t.checkpoint.id)
        assert seen == ["0000"]  # a retry would have repeated it
        assert script.calls["List"] == 4


def test_closed_client_refuses_calls(server: FakeServer) -> None:
    client = CheckpointdClient(server.address)
    client.close()
    client.close()
    with pytest.raises(ClientClosedError):
        client.put(service_pb2.PutRequest())


def test_watch_reconnects_and_resumes_after_the_last_event_id(server: FakeServer, script: Script) -> None:
    reconnects: list[int] = []
    with CheckpointdClient(server.address, metadata=lambda: {"authorization": "Bearer w"}) as client:
        watch = client.watch(
            ["t-1"],
            reconnect=ReconnectPolicy(initial_backoff=0.01, max_backoff=0.05),
            on_reconnect=lambda attempt, error: reconnects.append(attempt),
        )
        seen = []
        for event in watch:
            seen.append(event.event_id)
            if event.event_id == 4:
                break
        assert watch.last_event_id("t-1") == 4
        watch.close()
    assert seen == [1, 2, 3, 4]  # the replayed 1 and 2 of the second stream are not seen twice
    assert reconnects == [1]
    assert script.watch_subscriptions[0] == [("t-1", 0)]
    assert script.watch_subscriptions[1] == [("t-1", 2)]
    assert all(m.get("authorization") == "Bearer w" for m in script.metadata)


def test_watch_close_from_another_thread_ends_the_iteration(server: FakeServer) -> None:
    with CheckpointdClient(server.address) as client:
        watch = client.watch(["t-3"], reconnect=ReconnectPolicy(initial_backoff=0.01, max_backoff=0.05))
        seen = []
        for event in watch:  # the second stream stays open after event 4: only close() ends this loop
            seen.append(event.event_id)
            if event.event_id == 4:
                threading.Timer(0.2, watch.close).start()
        assert seen == [1, 2, 3, 4]


async def test_async_client_retries_lists_and_watches(server: FakeServer, script: Script) -> None:
    script.unavailable = {"Put": 2, "List": 1, "ClaimResume": 1}

    async def token() -> dict[str, str]:
        return {"authorization": "Bearer async"}

    async with AsyncCheckpointdClient(server.address, retry=FAST, metadata=token) as client:
        await client.put(service_pb2.PutRequest())
        assert script.calls["Put"] == 3
        assert [t.checkpoint.id async for t in client.list(service_pb2.ListRequest())] == ["0000", "0001", "0002"]
        with pytest.raises(CheckpointdError):
            await client.claim_resume(service_pb2.ClaimResumeRequest(thread_id="t"))
        assert script.calls["ClaimResume"] == 1
        script.get_tuple_delay = 0.3
        with pytest.raises(CheckpointdError) as raised:
            await client.get_tuple(service_pb2.GetTupleRequest(), timeout=0.05)
        assert raised.value.code == grpc.StatusCode.DEADLINE_EXCEEDED

        watch = client.watch(["t-2"], reconnect=ReconnectPolicy(initial_backoff=0.01, max_backoff=0.05))
        seen = []
        async for event in watch:
            seen.append(event.event_id)
            if event.event_id == 4:
                break
        await watch.aclose()
        assert seen == [1, 2, 3, 4]
        assert script.watch_subscriptions[1] == [("t-2", 2)]
    assert all(m.get("authorization") == "Bearer async" for m in script.metadata)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_tls_with_a_private_ca(script: Script, tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=checkpointd.test",
         "-addext", "subjectAltName=DNS:checkpointd.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    credentials = grpc.ssl_server_credentials([(key.read_bytes(), cert.read_bytes())])
    server = FakeServer(script, credentials)
    try:
        tls = TlsOptions(root_certificates=cert.read_bytes(), server_hostname="checkpointd.test")
        with CheckpointdClient(f"https://{server.address}", tls=tls) as client:
            client.put(service_pb2.PutRequest())
        with CheckpointdClient(server.address, tls=tls) as client:  # tls= turns it on for a bare address too
            client.put(service_pb2.PutRequest())
        assert script.calls["Put"] == 2
        # The system roots do not trust this certificate; plaintext does not speak to a TLS port.
        for untrusted in (CheckpointdClient(f"https://{server.address}", retry=NO_RETRY, timeout=2),
                          CheckpointdClient(server.address, retry=NO_RETRY, timeout=2)):  # fmt: skip
            with untrusted, pytest.raises(CheckpointdError):
                untrusted.put(service_pb2.PutRequest())
    finally:
        server.stop()
