package checkpointd_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkpointd/checkpointd/clients/go/checkpointd"
	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fakeWatch serves Watch from a log of `events` events per thread, sending each
// subscription's replay, then a heartbeat, before it reads the next request.
// The first failStreams streams fail with failCode after failAfter events; a
// replay starts `overlap` events before after_event_id, as a misbehaving
// server's might. It records every stream's subscriptions as "thread@after".
type fakeWatch struct {
	checkpointdv1.UnimplementedCheckpointServiceServer
	events      uint64
	failStreams int
	failAfter   int
	failCode    codes.Code
	overlap     uint64
	mu          sync.Mutex
	streams     [][]string
}

func (f *fakeWatch) Watch(stream grpc.BidiStreamingServer[checkpointdv1.WatchRequest, checkpointdv1.WatchResponse]) error {
	f.mu.Lock()
	f.streams = append(f.streams, []string{})
	n := len(f.streams)
	f.mu.Unlock()
	failing, sent := n <= f.failStreams, 0
	if failing && f.failAfter == 0 {
		return status.Error(f.failCode, "fake failure")
	}
	for {
		req, err := stream.Recv()
		if err != nil {
			return err
		}
		sub := req.GetSubscribe()
		f.mu.Lock()
		f.streams[n-1] = append(f.streams[n-1], fmt.Sprintf("%s@%d", sub.GetThreadId(), sub.GetAfterEventId()))
		f.mu.Unlock()
		for id := sub.GetAfterEventId() - min(f.overlap, sub.GetAfterEventId()) + 1; id <= f.events; id++ {
			event := &checkpointdv1.WatchEvent{ThreadId: sub.GetThreadId(), EventId: id, Kind: &checkpointdv1.WatchEvent_CheckpointSaved{}}
			if err := stream.Send(&checkpointdv1.WatchResponse{Event: event}); err != nil {
				return err
			}
			if sent++; failing && sent == f.failAfter {
				return status.Error(f.failCode, "fake failure")
			}
		}
		heartbeat := &checkpointdv1.WatchEvent{ThreadId: sub.GetThreadId(), EventId: f.events, Kind: &checkpointdv1.WatchEvent_Heartbeat{}}
		if err := stream.Send(&checkpointdv1.WatchResponse{Event: heartbeat}); err != nil {
			return err
		}
	}
}

func (f *fakeWatch) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.streams)
}

func (f *fakeWatch) subscriptions() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprint(f.streams)
}

var fastReconnects = checkpointd.WatchRetry(checkpointd.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Multiplier: 2})

// collect ranges over a watch until it has `want` events or ends, and names
// the events "thread:id" ("thread:hb" for a heartbeat).
func collect(seq func(func(*checkpointdv1.WatchEvent, error) bool), want int) ([]string, error) {
	var got []string
	for event, err := range seq {
		if err != nil {
			return got, err
		}
		name := fmt.Sprintf("%s:%d", event.GetThreadId(), event.GetEventId())
		if event.GetHeartbeat() != nil {
			name = event.GetThreadId() + ":hb"
		}
		if got = append(got, name); len(got) == want {
			break
		}
	}
	return got, nil
}

func TestWatchResubscribesAfterTheLastIDSeenWhenAStreamFails(t *testing.T) {
	for _, overlap := range []uint64{0, 1} {
		t.Run(fmt.Sprintf("overlap=%d", overlap), func(t *testing.T) {
			// The first stream fails after a1 a2 a3 b1; the second resumes a after 3 and b after 1.
			svc := &fakeWatch{events: 3, failStreams: 1, failAfter: 4, failCode: codes.Unavailable, overlap: overlap}
			client := dialFake(t, serveFake(t, svc))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var reconnects []string
			got, err := collect(client.Watch(ctx, []string{"a", "b"}, fastReconnects, checkpointd.WatchOnReconnect(func(attempt int, err error) {
				reconnects = append(reconnects, fmt.Sprintf("%d %v", attempt, status.Code(err)))
			})), 6)
			if want := "[a:1 a:2 a:3 b:1 b:2 b:3]"; err != nil || fmt.Sprint(got) != want {
				t.Errorf("events %v, %v; want %s, nil (no gap, no duplicate)", got, err, want)
			}
			if got, want := svc.subscriptions(), "[[a@0 b@0] [a@3 b@1]]"; got != want {
				t.Errorf("subscriptions per stream %s, want %s", got, want)
			}
			if fmt.Sprint(reconnects) != "[1 Unavailable]" {
				t.Errorf("reconnects %v, want one after UNAVAILABLE", reconnects)
			}
		})
	}
}

func TestWatchHidesHeartbeatsUnlessAsked(t *testing.T) {
	client := dialFake(t, serveFake(t, &fakeWatch{events: 2}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if got, err := collect(client.Watch(ctx, []string{"a"}, checkpointd.WatchHeartbeats()), 3); err != nil || fmt.Sprint(got) != "[a:1 a:2 a:hb]" {
		t.Errorf("with heartbeats: %v, %v; want [a:1 a:2 a:hb]", got, err)
	}
	// Without them the watch waits for a third event that never comes.
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	if got, err := collect(client.Watch(short, []string{"a"}), 3); err != nil || fmt.Sprint(got) != "[a:1 a:2]" {
		t.Errorf("without heartbeats: %v, %v; want [a:1 a:2], then the end of ctx", got, err)
	}
}

func TestWatchEndsWithErrorsAReconnectCannotHelp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	denied := &fakeWatch{events: 1, failStreams: 1, failCode: codes.PermissionDenied}
	client := dialFake(t, serveFake(t, denied))
	if got, err := collect(client.Watch(ctx, []string{"a"}, fastReconnects), 1); status.Code(err) != codes.PermissionDenied || len(got) != 0 || denied.count() != 1 {
		t.Errorf("PERMISSION_DENIED: %v, %v after %d streams; want the error at once", got, err, denied.count())
	}

	down := &fakeWatch{events: 1, failStreams: 100, failCode: codes.Unavailable}
	client = dialFake(t, serveFake(t, down))
	_, err := collect(client.Watch(ctx, []string{"a"}, fastReconnects), 1)
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "gave up after 3") || down.count() != 3 {
		t.Errorf("UNAVAILABLE every time: %v after %d streams; want UNAVAILABLE after 3", err, down.count())
	}

	if _, err := collect(client.Watch(ctx, nil), 1); status.Code(err) != codes.InvalidArgument {
		t.Errorf("no threads: %v, want INVALID_ARGUMENT", err)
	}
}

func TestWatchEndsWhenTheClientIsClosed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := dialFake(t, serveFake(t, &fakeWatch{events: 1}))
	start := time.Now()
	var got []string
	var err error
	for event, e := range client.Watch(ctx, []string{"a"}) {
		if err = e; err != nil {
			break
		}
		got = append(got, fmt.Sprint(event.GetEventId()))
		_ = client.Close()
	}
	if status.Code(err) != codes.Canceled || len(got) != 1 || time.Since(start) > 5*time.Second {
		t.Errorf("after Close: %v, %v in %v; want one event, then CANCELED at once", got, err, time.Since(start))
	}
}
