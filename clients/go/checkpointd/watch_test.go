package checkpointd_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/checkpointd/checkpointd/clients/go/checkpointd"
	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
)

// kind names an event's kind as the proto does ("checkpoint_saved", …).
func kind(event *checkpointdv1.WatchEvent) string {
	if oneof := event.ProtoReflect().WhichOneof(event.ProtoReflect().Descriptor().Oneofs().ByName("kind")); oneof != nil {
		return string(oneof.Name())
	}
	return "none"
}

func describe(events []*checkpointdv1.WatchEvent) string {
	names := make([]string, len(events))
	for i, event := range events {
		names[i] = fmt.Sprintf("%d:%s", event.GetEventId(), kind(event))
	}
	return fmt.Sprint(names)
}

func TestWatchReplaysThenFollowsAThreadInOrderThroughAnInterrupt(t *testing.T) {
	client, thread := dial(t), newThread(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	putN(t, client, thread, 2)

	interrupt := &checkpointdv1.TypedValue{Type: "json", Data: []byte(`[{"value":"approve?","id":"i-1"}]`)}
	var got []*checkpointdv1.WatchEvent
	for event, err := range client.Watch(ctx, []string{thread.ThreadId}) {
		if err != nil {
			t.Fatalf("Watch after %s: %v", describe(got), err)
		}
		got = append(got, event)
		if len(got) == 2 { // the replay is done: now live, a checkpoint and an interrupt on it
			putCheckpoint(t, client, thread, 3)
			err := client.PutWrites(ctx, &checkpointdv1.PutWritesRequest{
				Config: withID(thread, checkpointID(3)), TaskId: "task-1", TaskPath: "~__pregel_pull, agent",
				Writes: []*checkpointdv1.PendingWrite{{Channel: "__interrupt__", Value: interrupt}},
			})
			if err != nil {
				t.Fatalf("PutWrites: %v", err)
			}
		}
		if len(got) == 5 {
			break
		}
	}
	want := "[1:checkpoint_saved 2:checkpoint_saved 3:checkpoint_saved 4:writes_saved 5:interrupted]"
	if describe(got) != want {
		t.Fatalf("events %s, want %s", describe(got), want)
	}
	interrupted := got[4].GetInterrupted()
	if interrupted.GetConfig().GetCheckpointId() != checkpointID(3) || interrupted.GetTaskId() != "task-1" ||
		string(interrupted.GetValue().GetData()) != string(interrupt.Data) || got[4].GetThreadId() != thread.ThreadId {
		t.Errorf("interrupted event: %v", got[4])
	}

	// A new watch from an id seen earlier replays only what came after it.
	var after []*checkpointdv1.WatchEvent
	for event, err := range client.Watch(ctx, []string{thread.ThreadId}, checkpointd.WatchAfter(thread.ThreadId, 3)) {
		if err != nil {
			t.Fatalf("Watch after 3: %v", err)
		}
		if after = append(after, event); len(after) == 2 {
			break
		}
	}
	if describe(after) != "[4:writes_saved 5:interrupted]" {
		t.Errorf("Watch after 3: %s, want [4:writes_saved 5:interrupted]", describe(after))
	}
}

func TestWatchEndsWithoutAnErrorWhenCtxIsCancelled(t *testing.T) {
	client, thread := dial(t), newThread(t)
	putN(t, client, thread, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []*checkpointdv1.WatchEvent
	var cancelled time.Time
	for event, err := range client.Watch(ctx, []string{thread.ThreadId}) {
		if err != nil {
			t.Fatalf("Watch: %v", err)
		}
		got = append(got, event)
		// The watch now waits for events that never come, until ctx is cancelled.
		time.AfterFunc(200*time.Millisecond, func() { cancelled = time.Now(); cancel() })
	}
	if describe(got) != "[1:checkpoint_saved]" || time.Since(cancelled) > 2*time.Second {
		t.Errorf("Watch ended %v after the cancel with %s; want [1:checkpoint_saved], at once", time.Since(cancelled), describe(got))
	}
}

// cuttableProxy forwards TCP connections to target until cut closes them all.
type cuttableProxy struct {
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string) (string, *cuttableProxy) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lis.Close() })
	p := &cuttableProxy{}
	t.Cleanup(p.cut)
	go func() {
		for {
			in, err := lis.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				_ = in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); _ = out.Close() }()
			go func() { _, _ = io.Copy(in, out); _ = in.Close() }()
		}
	}()
	return lis.Addr().String(), p
}

func (p *cuttableProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, conn := range p.conns {
		_ = conn.Close()
	}
	p.conns = nil
}

func TestWatchReconnectsAfterTheConnectionDropsWithoutGapsOrDuplicates(t *testing.T) {
	direct, thread := dial(t), newThread(t)
	putN(t, direct, thread, 2)
	address, proxy := startProxy(t, serverAddress(t))
	client, err := checkpointd.Dial(context.Background(), address)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	reconnects := 0
	var got []*checkpointdv1.WatchEvent
	for event, err := range client.Watch(ctx, []string{thread.ThreadId}, checkpointd.WatchOnReconnect(func(int, error) { reconnects++ })) {
		if err != nil {
			t.Fatalf("Watch after %s: %v", describe(got), err)
		}
		got = append(got, event)
		if len(got) == 2 {
			proxy.cut() // the stream fails; events 3 and 4 are stored while the watch reconnects
			putCheckpoint(t, direct, thread, 3)
			putCheckpoint(t, direct, thread, 4)
		}
		if len(got) == 4 {
			break
		}
	}
	if want := "[1:checkpoint_saved 2:checkpoint_saved 3:checkpoint_saved 4:checkpoint_saved]"; describe(got) != want || reconnects == 0 {
		t.Errorf("events %s after %d reconnects, want %s after at least one", describe(got), reconnects, want)
	}
}
