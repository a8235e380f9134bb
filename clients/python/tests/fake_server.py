"""A scripted CheckpointService in-process (grpc.server), to test the clients' retries,
deadlines, metadata, TLS and watch reconnects deterministically."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
from checkpointd.v1 import checkpoint_pb2, watch_pb2
from checkpointd.v1 import checkpoint_service_pb2 as service_pb2
from checkpointd.v1 import checkpoint_service_pb2_grpc as service_grpc


@dataclass
class Script:
    """What the fake server does; the counters say what the client did."""

    #: This many calls of each method fail with UNAVAILABLE before one succeeds.
    unavailable: dict[str, int] = field(default_factory=dict)
    #: GetTuple sleeps this long.
    get_tuple_delay: float = 0.0
    #: List streams this many tuples; fails with UNAVAILABLE after ``list_fail_after`` of them (once).
    list_size: int = 3
    list_fail_after: int | None = None
    calls: dict[str, int] = field(default_factory=dict)
    metadata: list[dict[str, str]] = field(default_factory=list)
    #: Batch is served (else it is UNIMPLEMENTED, as on a server that predates it).
    batch: bool = False
    #: Every Batch fails with this code (none: Batch is answered).
    batch_abort: grpc.StatusCode | None = None
    #: This many calls inside Batch requests get an UNAVAILABLE result before they succeed.
    batch_unavailable_results: int = 0
    #: The Subscribe requests each Watch stream got.
    watch_subscriptions: list[list[tuple[str, int]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self, method: str, context: grpc.ServicerContext) -> None:
        with self.lock:
            self.calls[method] = self.calls.get(method, 0) + 1
            self.metadata.append({k: v for k, v in context.invocation_metadata()})  # type: ignore[misc]
            left = self.unavailable.get(method, 0)
            if left > 0:
                self.unavailable[method] = left - 1
                context.abort(grpc.StatusCode.UNAVAILABLE, f"{method}: scripted outage")


def _tuple(n: int) -> checkpoint_pb2.CheckpointTuple:
    return checkpoint_pb2.CheckpointTuple(
        config=checkpoint_pb2.CheckpointConfig(thread_id="t", checkpoint_id=f"{n:04}"),
        checkpoint=checkpoint_pb2.Checkpoint(v=4, id=f"{n:04}"),
    )


def _event(thread_id: str, event_id: int) -> service_pb2.WatchResponse:
    return service_pb2.WatchResponse(
        event=watch_pb2.WatchEvent(
            thread_id=thread_id,
            event_id=event_id,
            checkpoint_saved=watch_pb2.CheckpointSaved(config=checkpoint_pb2.CheckpointConfig(thread_id=thread_id)),
        )
    )


class FakeService(service_grpc.CheckpointServiceServicer):
    def __init__(self, script: Script) -> None:
        self.script = script

    def Put(self, request: Any, context: Any) -> service_pb2.PutResponse:
        self.script.enter("Put", context)
        return service_pb2.PutResponse(config=request.config)

    def GetTuple(self, request: Any, context: Any) -> service_pb2.GetTupleResponse:
        self.script.enter("GetTuple", context)
        time.sleep(self.script.get_tuple_delay)
        return service_pb2.GetTupleResponse()

    def List(self, request: Any, context: Any) -> Iterator[service_pb2.ListResponse]:
        self.script.enter("List", context)
        for n in range(self.script.list_size):
            if self.script.list_fail_after == n:
                self.script.list_fail_after = None
                context.abort(grpc.StatusCode.UNAVAILABLE, "List: scripted outage mid-stream")
            yield service_pb2.ListResponse(tuple=_tuple(n))

    def PutWrites(self, request: Any, context: Any) -> service_pb2.PutWritesResponse:
        self.script.enter("PutWrites", context)
        return service_pb2.PutWritesResponse()

    def Batch(self, request: Any, context: Any) -> service_pb2.BatchResponse:
        if not self.script.batch:
            context.abort(grpc.StatusCode.UNIMPLEMENTED, "Batch: not served")
        self.script.enter("Batch", context)
        if self.script.batch_abort is not None:
            context.abort(self.script.batch_abort, "Batch: scripted failure")
        response = service_pb2.BatchResponse()
        for call in request.calls:
            case = call.WhichOneof("call")
            result = response.results.add()
            with self.script.lock:
                self.script.calls[f"Batch.{case}"] = self.script.calls.get(f"Batch.{case}", 0) + 1
                outage = self.script.batch_unavailable_results > 0
                if outage:
                    self.script.batch_unavailable_results -= 1
            if outage:
                result.error.code = grpc.StatusCode.UNAVAILABLE.value[0]
                result.error.message = f"{case}: scripted outage"
            elif case == "put":
                result.put.config.CopyFrom(call.put.config)
            elif case == "put_writes":
                result.put_writes.SetInParent()
            else:
                result.get_tuple.SetInParent()
        return response

    def Resume(self, request: Any, context: Any) -> service_pb2.ResumeResponse:
        self.script.enter("Resume", context)
        return service_pb2.ResumeResponse(resume_id="r-1", event_id=1)

    def ClaimResume(self, request: Any, context: Any) -> service_pb2.ClaimResumeResponse:
        self.script.enter("ClaimResume", context)
        return service_pb2.ClaimResumeResponse(claimed=True, resume_id="r-1")

    def Watch(self, request_iterator: Any, context: Any) -> Iterator[service_pb2.WatchResponse]:
        """Stream 1: events 1 and 2, then UNAVAILABLE. Later streams: every event from 1 to 4
        (a replay that repeats what the client saw), then they stay open."""
        with self.script.lock:
            stream = self.script.calls.get("Watch", 0)
            self.script.calls["Watch"] = stream + 1
            self.script.metadata.append({k: v for k, v in context.invocation_metadata()})
            subscriptions: list[tuple[str, int]] = []
            self.script.watch_subscriptions.append(subscriptions)
        first = next(request_iterator)
        subscriptions.append((first.subscribe.thread_id, first.subscribe.after_event_id))
        thread_id = first.subscribe.thread_id
        if stream == 0:
            yield _event(thread_id, 1)
            yield _event(thread_id, 2)
            context.abort(grpc.StatusCode.UNAVAILABLE, "Watch: scripted outage")
        for event_id in range(1, 5):
            yield _event(thread_id, event_id)
        while context.is_active():
            time.sleep(0.05)


class FakeServer:
    def __init__(self, script: Script, credentials: grpc.ServerCredentials | None = None) -> None:
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        service_grpc.add_CheckpointServiceServicer_to_server(FakeService(script), self.server)
        if credentials is None:
            self.port = self.server.add_insecure_port("127.0.0.1:0")
        else:
            self.port = self.server.add_secure_port("127.0.0.1:0", credentials)
        self.server.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.stop(grace=None)
