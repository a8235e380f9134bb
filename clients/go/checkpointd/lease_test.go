package checkpointd_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/checkpointd/checkpointd/clients/go/checkpointd"
	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestLeaseFencesWritesAndAnOldTokenStaysRefused(t *testing.T) {
	client := dial(t)
	ctx := context.Background()
	thread := newThread(t)
	put := func(id int, parent int, token uint64) error {
		req := &checkpointdv1.PutRequest{
			Config:       &checkpointdv1.CheckpointConfig{ThreadId: thread.ThreadId, CheckpointNs: thread.CheckpointNs},
			Checkpoint:   &checkpointdv1.Checkpoint{V: 4, Id: checkpointID(id), Ts: "2026-12-02T00:00:00Z"},
			FencingToken: token,
		}
		if parent > 0 {
			req.Config.CheckpointId = checkpointID(parent)
		}
		_, err := client.Put(ctx, req)
		return err
	}
	lease, err := client.AcquireLease(ctx, thread.ThreadId, "go-worker", 300*time.Millisecond, 0)
	if err != nil {
		t.Fatal(err)
	}
	if lease.GetFencingToken() != 1 || lease.GetLeaseId() == "" || lease.GetExpiresAt() == nil {
		t.Fatalf("lease = %v", lease)
	}
	if err := put(1, 0, lease.GetFencingToken()); err != nil {
		t.Fatal(err)
	}
	// Without the token: refused, naming the holder.
	if err := put(2, 1, 0); status.Code(err) != codes.FailedPrecondition || !strings.Contains(status.Convert(err).Message(), "leased by go-worker") {
		t.Fatalf("unfenced put: %v", err)
	}
	// Another holder: refused now; after the ttl it takes over with the next token.
	if _, err := client.AcquireLease(ctx, thread.ThreadId, "go-standby", time.Second, 0); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("second acquire: %v", err)
	}
	next, err := client.AcquireLease(ctx, thread.ThreadId, "go-standby", 5*time.Second, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if next.GetFencingToken() != 2 {
		t.Fatalf("token after take-over = %d", next.GetFencingToken())
	}
	// The first holder's late write and renewal: refused.
	if err := put(2, 1, lease.GetFencingToken()); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("late put with the old token: %v", err)
	}
	if _, err := client.RenewLease(ctx, thread.ThreadId, lease.GetLeaseId(), 0); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("renewal of the lost lease: %v", err)
	}
	// The holder's token as metadata fences DeleteThread.
	if err := client.DeleteThread(ctx, thread.ThreadId); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("unfenced delete: %v", err)
	}
	if err := client.DeleteThread(checkpointd.WithFencingToken(ctx, next.GetFencingToken()), thread.ThreadId); err != nil {
		t.Fatal(err)
	}
	if _, err := client.RenewLease(ctx, thread.ThreadId, next.GetLeaseId(), time.Second); err != nil {
		t.Fatal(err)
	}
	released, err := client.ReleaseLease(ctx, thread.ThreadId, next.GetLeaseId())
	if err != nil || !released {
		t.Fatalf("release = %v, %v", released, err)
	}
}
