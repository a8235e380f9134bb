"""A LangGraph worker with an OpenTelemetry SDK: its span, checkpointd's server span and the
PostgreSQL statement span land in one trace at an in-test OTLP/HTTP receiver."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from checkpoints import config, make_checkpoint
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from stack import Replica, Stack, free_port

from checkpointd import CheckpointdSaver

# (service name, trace id, span id, parent span id, name, kind, attributes) of every span received
Span = tuple[str, str, str, str, str, int, dict[str, object]]


class Receiver:
    """OTLP/HTTP traces in protobuf on 127.0.0.1, decoded with opentelemetry-proto."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        spans = self.spans

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self._body()
                request = ExportTraceServiceRequest.FromString(body)
                for resource_spans in request.resource_spans:
                    resource = resource_spans.resource.attributes
                    service = next((a.value.string_value for a in resource if a.key == "service.name"), "")
                    for scope in resource_spans.scope_spans:
                        for s in scope.spans:
                            attributes = {a.key: getattr(a.value, a.value.WhichOneof("value") or "string_value")
                                          for a in s.attributes}
                            ids = (s.trace_id.hex(), s.span_id.hex(), s.parent_span_id.hex())
                            spans.append((service, *ids, s.name, s.kind, attributes))
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

            def _body(self) -> bytes:
                """The request body, whether sized or chunked (Node's exporter streams it), gunzipped if need be."""
                if self.headers.get("transfer-encoding", "").lower() == "chunked":
                    chunks = []
                    while (size := int(self.rfile.readline().split(b";")[0].strip(), 16)) > 0:
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                    self.rfile.readline()
                    body = b"".join(chunks)
                else:
                    body = self.rfile.read(int(self.headers.get("content-length", "0")))
                return gzip.decompress(body) if self.headers.get("content-encoding") == "gzip" else body

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


@pytest.fixture
def traced_replica(stack: Stack, receiver: Receiver) -> Iterator[Replica]:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_BSP_SCHEDULE_DELAY": "50"}
    replica = Replica(stack, free_port(), env=env)
    replica.start()
    yield replica
    replica.stop()


def test_a_worker_span_continues_into_checkpointd_and_its_postgresql_statement(
    traced_replica: Replica, receiver: Receiver, thread_id: str
) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "python-worker"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{receiver.url}/v1/traces")))
    tracer = provider.get_tracer("worker")
    saver = CheckpointdSaver.from_url(traced_replica.address, timeout=30)
    with tracer.start_as_current_span("worker put", kind=trace.SpanKind.CLIENT) as span:
        v = saver.get_next_version(None)
        saver.put(config(thread_id), make_checkpoint({"n": 1}, {"n": v}, step=-1), {}, {"n": v})
        trace_id = format(span.get_span_context().trace_id, "032x")
        span_id = format(span.get_span_context().span_id, "016x")
    provider.force_flush()

    deadline = time.monotonic() + 20
    while True:
        in_trace = [s for s in receiver.spans if s[1] == trace_id]
        server = [s for s in in_trace if s[0] == "checkpointd" and s[5] == 2]  # SPAN_KIND_SERVER
        statements = [s for s in in_trace if server and s[3] == server[0][2] and s[6].get("db.system") == "postgresql"]
        if statements or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert [s[0] for s in in_trace if s[2] == span_id] == ["python-worker"]
    assert len(server) == 1, receiver.spans
    assert server[0][3] == span_id  # the server span's parent is the worker's span
    assert server[0][4] in ("checkpointd.v1.CheckpointService/Put", "checkpointd.v1.CheckpointService/Batch")
    assert server[0][6]["rpc.system"] == "grpc"
    assert statements and statements[0][5] == 3  # SPAN_KIND_CLIENT, a child of the server span
    provider.shutdown()
