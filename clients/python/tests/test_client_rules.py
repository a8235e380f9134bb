"""The Python client against docs/client-rules.json and the proto's idempotency options.

The rules the three clients share are written once: each method's
``idempotency_level`` in proto/checkpointd/v1/checkpoint_service.proto, and
docs/client-rules.json for what the proto cannot say. The client is driven
through its public calls against an in-process server that fails every call
with a chosen code, and the attempts it makes are counted.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest
from checkpointd.v1 import checkpoint_service_pb2 as service_pb2
from google.protobuf import descriptor_pb2

from checkpointd import CheckpointdClient, CheckpointdError, ReconnectPolicy, RetryPolicy, backoff_delay
from checkpointd.call_rules import is_idempotent

RULES: dict[str, Any] = json.loads((Path(__file__).parents[3] / "docs" / "client-rules.json").read_text())
SERVICE = service_pb2.DESCRIPTOR.services_by_name["CheckpointService"]
LEVELS = descriptor_pb2.MethodOptions.IdempotencyLevel
ERROR_CODES = [code for code in grpc.StatusCode if code is not grpc.StatusCode.OK]
#: One retry, at once: an idempotent call makes 2 attempts, any other 1.
ONE_RETRY = RetryPolicy(max_attempts=2, initial_backoff=0.001, max_backoff=0.001)

#: Each method the client wraps as a call, by proto name: how to make it with a request.
Call = Callable[[CheckpointdClient, Any], object]
CALLS: dict[str, Call] = {
    "Put": lambda c, r: c.put(r),
    "PutWrites": lambda c, r: c.put_writes(r),
    "GetTuple": lambda c, r: c.get_tuple(r),
    "List": lambda c, r: list(c.list(r)),
    "DeleteThread": lambda c, r: c.delete_thread(r.thread_id or "t"),
    "CopyThread": lambda c, r: c.copy_thread(r),
    "DeleteForRuns": lambda c, r: c.delete_for_runs(r),
    "Prune": lambda c, r: c.prune(r),
    "GetThreadStorage": lambda c, r: c.get_thread_storage(r.thread_id or "t"),
    "Resume": lambda c, r: c.resume(r),
    "ClaimResume": lambda c, r: c.claim_resume(r),
    "AcquireLease": lambda c, r: c.acquire_lease(r),
    "RenewLease": lambda c, r: c.renew_lease(r),
    "ReleaseLease": lambda c, r: c.release_lease(r),
    "SetRetention": lambda c, r: c.set_retention(r),
    "GetThread": lambda c, r: c.get_thread(r.thread_id or "t"),
    "GetDeltaChannelHistory": lambda c, r: c.get_delta_channel_history(r),
}
#: Methods the client does not wrap as a retried call: Batch (the Python client does not batch),
#: Subscribe (handed to the caller as is) and Watch (reconnected, tested below).
UNWRAPPED = {"Batch", "Subscribe", "Watch"}


class FailingServer(grpc.GenericRpcHandler):
    """Answers every CheckpointService call with ``code``; counts the calls per method."""

    def __init__(self) -> None:
        self.code = grpc.StatusCode.UNAVAILABLE
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), handlers=[self])
        self.address = f"127.0.0.1:{self._server.add_insecure_port('127.0.0.1:0')}"
        self._server.start()

    def _enter(self, method: str) -> grpc.StatusCode:
        with self._lock:
            self.calls[method] += 1
            return self.code

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        method = str(handler_call_details.method).rsplit("/", 1)[-1]

        def unary(request: bytes, context: grpc.ServicerContext) -> bytes:
            context.abort(self._enter(method), "scripted")

        def server_streaming(request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
            context.abort(self._enter(method), "scripted")
            yield b""

        def bidi(requests: Iterator[bytes], context: grpc.ServicerContext) -> Iterator[bytes]:
            next(requests, None)  # the subscribe
            context.abort(self._enter(method), "scripted")
            yield b""

        if method == "Watch":
            return grpc.stream_stream_rpc_method_handler(bidi)
        if method in ("List", "Subscribe"):
            return grpc.unary_stream_rpc_method_handler(server_streaming)
        return grpc.unary_unary_rpc_method_handler(unary)

    def attempts(self, method: str, call: Callable[[], object]) -> tuple[int, grpc.StatusCode]:
        """How many times the server saw ``method`` while ``call`` ran, and the code it raised."""
        before = self.calls[method]
        with pytest.raises(CheckpointdError) as raised:
            call()
        return self.calls[method] - before, raised.value.code

    def stop(self) -> None:
        self._server.stop(grace=None)


@pytest.fixture
def server() -> Iterator[FailingServer]:
    running = FailingServer()
    yield running
    running.stop()


@pytest.fixture
def client(server: FailingServer) -> Iterator[CheckpointdClient]:
    with CheckpointdClient(server.address, retry=ONE_RETRY, timeout=10.0) as running:
        yield running


def level(method: str) -> int:
    return int(SERVICE.methods_by_name[method].GetOptions().idempotency_level)


def request_of(method: str, **fields: str) -> Any:
    return getattr(service_pb2, SERVICE.methods_by_name[method].input_type.name)(**fields)


def test_the_fixture_names_the_service_and_its_methods() -> None:
    assert SERVICE.full_name == RULES["service"]
    named = set(RULES["calls"]["conditionallyIdempotent"]) | set(RULES["calls"]["neverRetried"])
    assert named <= set(SERVICE.methods_by_name)
    assert set(SERVICE.methods_by_name) == set(CALLS) | UNWRAPPED


@pytest.mark.parametrize("method", list(SERVICE.methods_by_name))
def test_a_call_is_retried_as_the_proto_and_the_fixture_say(
    method: str, server: FailingServer, client: CheckpointdClient
) -> None:
    conditional = RULES["calls"]["conditionallyIdempotent"].get(method)
    if conditional is not None:
        assert level(method) == LEVELS.IDEMPOTENCY_UNKNOWN
        assert conditional["idempotentWhen"] == "set"
        assert conditional["field"] in SERVICE.methods_by_name[method].input_type.fields_by_name
        plain, keyed = request_of(method), request_of(method, **{conditional["field"]: "key"})
        assert server.attempts(method, lambda: CALLS[method](client, plain)) == (1, grpc.StatusCode.UNAVAILABLE)
        assert server.attempts(method, lambda: CALLS[method](client, keyed)) == (2, grpc.StatusCode.UNAVAILABLE)
    elif method in RULES["calls"]["neverRetried"]:
        assert level(method) == LEVELS.IDEMPOTENCY_UNKNOWN
    else:
        assert level(method) in (LEVELS.IDEMPOTENT, LEVELS.NO_SIDE_EFFECTS)
        if method in CALLS:
            assert server.attempts(method, lambda: CALLS[method](client, request_of(method))) == (
                2,
                grpc.StatusCode.UNAVAILABLE,
            )


def test_only_the_retryable_codes_are_retried(server: FailingServer, client: CheckpointdClient) -> None:
    retryable = {grpc.StatusCode[name] for name in RULES["calls"]["retryableCodes"]}
    for code in ERROR_CODES:
        server.code = code
        expected = 2 if code in retryable else 1
        assert (code, server.attempts("GetTuple", lambda: client.get_tuple(request_of("GetTuple")))) == (
            code,
            (expected, code),
        )
        assert (code, server.attempts("Resume", lambda: client.resume(request_of("Resume")))) == (code, (1, code))


def test_a_watch_reconnects_on_the_reconnect_codes_and_ends_on_the_others(server: FailingServer) -> None:
    reconnect = {grpc.StatusCode[name] for name in RULES["watch"]["reconnectCodes"]}
    end = {grpc.StatusCode[name] for name in RULES["watch"]["endCodes"]}
    assert reconnect | end == set(ERROR_CODES) and not reconnect & end
    twice = ReconnectPolicy(max_attempts=2, initial_backoff=0.001, max_backoff=0.001)
    with CheckpointdClient(server.address) as client:
        for code in ERROR_CODES:
            server.code = code

            def watch_until_it_ends() -> None:
                watch = client.watch(["t"], reconnect=twice)
                try:
                    next(watch)
                finally:
                    watch.close()

            # A reconnecting watch gives up after max_attempts failed streams with UNAVAILABLE.
            expected = (2, grpc.StatusCode.UNAVAILABLE) if code in reconnect else (1, code)
            assert (code, server.attempts("Watch", watch_until_it_ends)) == (code, expected)


@pytest.mark.parametrize(
    ("rules", "defaults"), [(RULES["calls"]["backoff"], RetryPolicy()), (RULES["watch"]["backoff"], ReconnectPolicy())]
)
def test_backoff_defaults_and_equal_jitter(rules: dict[str, Any], defaults: RetryPolicy | ReconnectPolicy) -> None:
    assert rules["jitter"] == "equal"
    assert (defaults.max_attempts, defaults.initial_backoff, defaults.max_backoff, defaults.multiplier) == (
        rules["maxAttempts"],
        rules["initialBackoffMs"] / 1000,
        rules["maxBackoffMs"] / 1000,
        rules["multiplier"],
    )
    for retry in range(1, 13):
        capped = min(defaults.max_backoff, defaults.initial_backoff * defaults.multiplier ** (retry - 1))
        assert backoff_delay(retry, defaults, lambda: 0.0) == pytest.approx(capped / 2)
        assert backoff_delay(retry, defaults, lambda: 1.0) == pytest.approx(capped)


def test_is_idempotent_follows_the_proto_options_and_the_conditional_rules() -> None:
    conditional = RULES["calls"]["conditionallyIdempotent"]
    for method in SERVICE.methods:
        if method.name in conditional:
            request_type = getattr(service_pb2, method.input_type.name)
            field = conditional[method.name]["field"]
            assert not is_idempotent(method.name, request_type())
            assert is_idempotent(method.name, request_type(**{field: "k"}))
            continue
        level = method.GetOptions().idempotency_level
        expected = level in (LEVELS.IDEMPOTENT, LEVELS.NO_SIDE_EFFECTS)
        assert is_idempotent(method.name, None) == expected, method.name
