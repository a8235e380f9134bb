package checkpointd_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/checkpointd/checkpointd/clients/go/checkpointd"
	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// A thread trimmed by its own policy (the stack's sweeper passes twice a
// second): GetThread shows it, and a Watch that resumes behind the compaction
// point ends with EventsCompactedError naming the id to resume after.
func TestWatchBehindTheCompactionPointEndsWithEventsCompactedError(t *testing.T) {
	client, thread := dial(t), newThread(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	putN(t, client, thread, 6)
	two := int32(2)
	set, err := client.SetRetention(ctx, thread.ThreadId, &checkpointdv1.RetentionPolicy{MaxVersions: &two})
	if err != nil || set.GetThreadPolicy().GetMaxVersions() != 2 {
		t.Fatalf("SetRetention: %v %v", set, err)
	}
	for {
		got, err := client.GetThread(ctx, thread.ThreadId)
		if err != nil {
			t.Fatalf("GetThread: %v", err)
		}
		if got.GetCheckpointCount() == 2 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the sweeper did not trim the thread: %v", got)
		case <-time.After(100 * time.Millisecond):
		}
	}

	var failure error
	for _, err := range client.Watch(ctx, []string{thread.ThreadId}, checkpointd.WatchAfter(thread.ThreadId, 1)) {
		if err != nil {
			failure = err
			break
		}
	}
	var compacted *checkpointd.EventsCompactedError
	if !errors.As(failure, &compacted) {
		t.Fatalf("want an EventsCompactedError, got %v", failure)
	}
	// Four checkpoints went, with their checkpoint_saved events.
	if compacted.ThreadID != thread.ThreadId || compacted.CompactedThrough != 4 || status.Code(failure) != codes.OutOfRange {
		t.Fatalf("got %+v (code %v)", compacted, status.Code(failure))
	}
	// After the compaction point: what is kept, from event 5.
	for event, err := range client.Watch(ctx, []string{thread.ThreadId}, checkpointd.WatchAfter(thread.ThreadId, compacted.CompactedThrough)) {
		if err != nil {
			t.Fatalf("Watch after %d: %v", compacted.CompactedThrough, err)
		}
		if event.GetEventId() != 5 {
			t.Fatalf("first event after the compaction point: %d", event.GetEventId())
		}
		break
	}
}
