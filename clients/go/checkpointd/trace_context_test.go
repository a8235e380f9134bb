package checkpointd_test

import (
	"context"
	"testing"

	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

func TestCallsCarryTheCallersTraceContextOnceAPropagatorIsRegistered(t *testing.T) {
	svc := &fakeService{}
	client := dialFake(t, serveFake(t, svc))
	traceID, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	spanID, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: traceID, SpanID: spanID, TraceFlags: trace.FlagsSampled,
	}))

	// No propagator registered (OpenTelemetry's default): nothing is sent.
	if _, err := client.Put(ctx, &checkpointdv1.PutRequest{}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	previous := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTextMapPropagator(previous) })
	if _, err := client.Put(ctx, &checkpointdv1.PutRequest{}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	svc.mu.Lock()
	defer svc.mu.Unlock()
	want := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	if len(svc.traces) != 1 || svc.traces[0] != want {
		t.Errorf("traceparent seen by the server: %q, want only %q (on the second call)", svc.traces, want)
	}
}
