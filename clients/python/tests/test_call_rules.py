"""The retry and reconnect rules both clients share (call_rules, retry.Attempts, watch_state.Reconnects)."""

from __future__ import annotations

import grpc
import pytest
from checkpointd.v1 import checkpoint_service_pb2 as service_pb2

from checkpointd import CheckpointdError, ReconnectPolicy, RetryPolicy
from checkpointd.call_rules import is_idempotent, reconnects_watch, retryable
from checkpointd.retry import Attempts
from checkpointd.watch_state import Reconnects

Code = grpc.StatusCode


class Failed(grpc.RpcError):
    """A failed call as grpc raises it: an RpcError with code() and details()."""

    def __init__(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return f"scripted {self._code.name}"


def test_every_call_is_idempotent_but_resume_without_a_key_and_claim_without_a_resume_id() -> None:
    for method in ("Put", "PutWrites", "GetTuple", "List", "DeleteThread", "CopyThread", "DeleteForRuns", "Prune"):
        assert is_idempotent(method, service_pb2.PutRequest())
    assert not is_idempotent("Resume", service_pb2.ResumeRequest(thread_id="t"))
    assert is_idempotent("Resume", service_pb2.ResumeRequest(thread_id="t", idempotency_key="k"))
    assert not is_idempotent("ClaimResume", service_pb2.ClaimResumeRequest(thread_id="t", worker_id="w"))
    assert is_idempotent("ClaimResume", service_pb2.ClaimResumeRequest(thread_id="t", resume_id="r-1"))
    # A full method path, as interceptors see it (bytes in grpc.aio), names the same call.
    assert not is_idempotent("/checkpointd.v1.CheckpointService/Resume", service_pb2.ResumeRequest())
    assert not is_idempotent(b"/checkpointd.v1.CheckpointService/ClaimResume", service_pb2.ClaimResumeRequest())


def test_only_unavailable_is_retried_and_only_transient_codes_reconnect_a_watch() -> None:
    assert [code for code in Code if retryable(code)] == [Code.UNAVAILABLE]
    assert not retryable(None)
    reconnecting = {Code.UNAVAILABLE, Code.UNKNOWN, Code.INTERNAL, Code.DEADLINE_EXCEEDED}
    reconnecting |= {Code.RESOURCE_EXHAUSTED, Code.ABORTED, Code.CANCELLED}
    assert {code for code in Code if reconnects_watch(code)} == reconnecting


def test_attempts_retry_unavailable_up_to_the_policy_and_raise_the_rest_at_once() -> None:
    policy = RetryPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.02)
    attempts = Attempts(policy, idempotent=True, timeout=None)
    assert attempts.timeout() is None
    assert 0.005 <= attempts.backoff(Failed(Code.UNAVAILABLE)) <= 0.01
    assert 0.01 <= attempts.backoff(Failed(Code.UNAVAILABLE)) <= 0.02
    with pytest.raises(CheckpointdError, match="UNAVAILABLE: scripted") as raised:
        attempts.backoff(Failed(Code.UNAVAILABLE))  # the third attempt was the last
    assert raised.value.code == Code.UNAVAILABLE and attempts.number == 3
    with pytest.raises(CheckpointdError) as raised:
        Attempts(policy, idempotent=True, timeout=None).backoff(Failed(Code.INVALID_ARGUMENT))
    assert raised.value.code == Code.INVALID_ARGUMENT
    with pytest.raises(CheckpointdError):
        Attempts(policy, idempotent=False, timeout=None).backoff(Failed(Code.UNAVAILABLE))


def test_attempts_share_the_deadline_and_do_not_back_off_past_it() -> None:
    attempts = Attempts(RetryPolicy(initial_backoff=2.0, max_backoff=2.0), idempotent=True, timeout=0.5)
    left = attempts.timeout()
    assert left is not None and 0.4 < left <= 0.5
    with pytest.raises(CheckpointdError):
        attempts.backoff(Failed(Code.UNAVAILABLE))  # a backoff of at least 1 s ends past the deadline
    for none in (None, 0, float("inf")):
        assert Attempts(RetryPolicy(), idempotent=True, timeout=none).timeout() is None


def test_a_watch_reconnects_on_transient_failures_until_the_policy_gives_up() -> None:
    reconnects = Reconnects(ReconnectPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.01))
    assert reconnects.backoff(Failed(Code.UNAVAILABLE)) <= 0.01
    reconnects.connected()  # a stream that answered resets the count
    assert reconnects.backoff(None) <= 0.01  # a stream that ended cleanly is reopened too
    assert reconnects.backoff(Failed(Code.INTERNAL)) <= 0.01 and reconnects.failures == 2
    with pytest.raises(CheckpointdError, match="gave up after 3 failed connections: INTERNAL") as raised:
        reconnects.backoff(Failed(Code.INTERNAL))
    assert raised.value.code == Code.UNAVAILABLE
    with pytest.raises(CheckpointdError) as raised:
        Reconnects(ReconnectPolicy()).backoff(Failed(Code.PERMISSION_DENIED))
    assert raised.value.code == Code.PERMISSION_DENIED
