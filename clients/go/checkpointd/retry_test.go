package checkpointd

import (
	"testing"
	"time"

	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
)

func TestBackoffIsExponentialCappedAndJittered(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 10, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second, Multiplier: 2}
	for retry, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: 1600 * time.Millisecond, 6: 2 * time.Second, 30: 2 * time.Second} {
		if low := backoff(retry, p, func() float64 { return 0 }); low != want/2 {
			t.Errorf("backoff(%d) with no jitter = %v, want %v", retry, low, want/2)
		}
		if high := backoff(retry, p, func() float64 { return 1 }); high != want {
			t.Errorf("backoff(%d) with full jitter = %v, want %v", retry, high, want)
		}
	}
}

func TestIdempotentCalls(t *testing.T) {
	cases := []struct {
		method string
		req    any
		want   bool
	}{
		{checkpointdv1.CheckpointService_Put_FullMethodName, &checkpointdv1.PutRequest{}, true},
		{checkpointdv1.CheckpointService_PutWrites_FullMethodName, &checkpointdv1.PutWritesRequest{}, true},
		{checkpointdv1.CheckpointService_DeleteThread_FullMethodName, &checkpointdv1.DeleteThreadRequest{}, true},
		{checkpointdv1.CheckpointService_Prune_FullMethodName, &checkpointdv1.PruneRequest{}, true},
		{checkpointdv1.CheckpointService_ClaimResume_FullMethodName, &checkpointdv1.ClaimResumeRequest{WorkerId: "w"}, false},
		{checkpointdv1.CheckpointService_ClaimResume_FullMethodName, &checkpointdv1.ClaimResumeRequest{WorkerId: "w", ResumeId: "r"}, true},
		{checkpointdv1.CheckpointService_Resume_FullMethodName, &checkpointdv1.ResumeRequest{}, false},
		{checkpointdv1.CheckpointService_Resume_FullMethodName, &checkpointdv1.ResumeRequest{IdempotencyKey: "k"}, true},
	}
	for _, c := range cases {
		if got := idempotent(c.method, c.req); got != c.want {
			t.Errorf("idempotent(%s, %v) = %v, want %v", c.method, c.req, got, c.want)
		}
	}
}
