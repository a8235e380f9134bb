package checkpointd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"time"

	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/status"
)

// reconnectCodes are the stream failures after which reconnecting can help;
// others (bad arguments, auth) end the watch.
var reconnectCodes = map[codes.Code]bool{
	codes.Unavailable: true, codes.Unknown: true, codes.Internal: true, codes.DeadlineExceeded: true,
	codes.ResourceExhausted: true, codes.Aborted: true, codes.Canceled: true,
}

// Watch streams the events of threads, for use with range:
//
//	for event, err := range client.Watch(ctx, []string{"thread-1"}) {
//		if err != nil {
//			return err
//		}
//		if interrupted := event.GetInterrupted(); interrupted != nil { … }
//	}
//
// Each thread's stored events are replayed first (after WatchAfter's id, if
// given), then new ones arrive as they are stored, in order per thread. When
// the stream fails (UNAVAILABLE, a restarted server, …) Watch reconnects with
// jittered backoff (DefaultWatchRetryPolicy) and subscribes each thread again
// after the last event id it yielded, so nothing is missed and nothing is
// yielded twice. Heartbeats are hidden unless WatchHeartbeats is given; an
// error event (a bad subscription) is yielded and the watch goes on.
//
// The sequence ends without an error when ctx is done or the loop breaks; it
// ends with an error when a stream fails in a way a reconnect cannot help
// (PERMISSION_DENIED, …), the reconnects run out, or the client is closed.
// Every range over it opens a new stream, from the ids in the options.
func (c *Client) Watch(ctx context.Context, threads []string, opts ...WatchOption) iter.Seq2[*checkpointdv1.WatchEvent, error] {
	cfg := watchConfig{retry: DefaultWatchRetryPolicy}
	for _, opt := range opts {
		opt(&cfg)
	}
	cfg.retry.MaxAttempts = max(1, cfg.retry.MaxAttempts)
	return func(yield func(*checkpointdv1.WatchEvent, error) bool) {
		if len(threads) == 0 {
			yield(nil, status.Error(codes.InvalidArgument, "checkpointd: Watch needs at least one thread"))
			return
		}
		w := &watch{client: c, cfg: &cfg, last: make(map[string]uint64, len(threads))}
		for _, thread := range threads {
			if thread == "" {
				yield(nil, status.Error(codes.InvalidArgument, "checkpointd: Watch: a thread id is empty"))
				return
			}
			if _, dup := w.last[thread]; !dup {
				w.order = append(w.order, thread)
				w.last[thread] = cfg.after[thread]
			}
		}
		for failures := 0; ; {
			progressed, stopped, err := w.stream(ctx, yield)
			if stopped || ctx.Err() != nil {
				return
			}
			if errors.Is(err, io.EOF) {
				err = nil // the server ended the stream
			}
			if err != nil && (!reconnectCodes[status.Code(err)] || c.conn.GetState() == connectivity.Shutdown) {
				yield(nil, err)
				return
			}
			if progressed {
				failures = 0
			}
			if failures++; failures >= cfg.retry.MaxAttempts {
				yield(nil, gaveUp(failures, err))
				return
			}
			timer := time.NewTimer(backoff(failures, cfg.retry, rand.Float64))
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				return
			}
			if cfg.onReconnect != nil {
				cfg.onReconnect(failures, err)
			}
		}
	}
}

// EventsCompactedError ends a watch of a thread whose event log the server
// trimmed past where the watch resumes (the thread's retention policy): the
// events up to CompactedThrough are gone. Read the thread's latest state, then
// watch it again with WatchAfter(thread, CompactedThrough). Never a silent gap.
// status.Code of it is codes.OutOfRange.
type EventsCompactedError struct {
	ThreadID         string
	CompactedThrough uint64
	Message          string
}

func (e *EventsCompactedError) Error() string {
	return fmt.Sprintf("checkpointd: Watch of %s: %s", e.ThreadID, e.Message)
}

// GRPCStatus makes status.Code(err) codes.OutOfRange.
func (e *EventsCompactedError) GRPCStatus() *status.Status {
	return status.New(codes.OutOfRange, e.Message)
}

// watch is the state of one range over Watch: the threads, in the order
// given, and the last event id yielded for each.
type watch struct {
	client *Client
	cfg    *watchConfig
	order  []string
	last   map[string]uint64
}

// stream runs one Watch stream: subscribes every thread after its last id,
// then yields events until the stream fails (err), ctx is done or the loop
// breaks (stopped). progressed reports whether the server answered at all.
func (w *watch) stream(ctx context.Context, yield func(*checkpointdv1.WatchEvent, error) bool) (progressed, stopped bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the call
	stream, err := w.client.rpc.Watch(ctx)
	if err != nil {
		return false, false, err
	}
	for _, thread := range w.order {
		sub := &checkpointdv1.SubscribeRequest{ThreadId: thread, AfterEventId: w.last[thread], CheckpointNs: w.cfg.namespace}
		err := stream.Send(&checkpointdv1.WatchRequest{Kind: &checkpointdv1.WatchRequest_Subscribe{Subscribe: sub}})
		if errors.Is(err, io.EOF) {
			break // the stream failed: Recv says why
		} else if err != nil {
			return false, false, err
		}
	}
	for {
		res, err := stream.Recv()
		if err != nil {
			return progressed, false, err
		}
		progressed = true
		event := res.GetEvent()
		switch {
		case event == nil:
			continue
		case event.GetHeartbeat() != nil:
			if !w.cfg.heartbeats {
				continue
			}
		case event.GetError().GetCode() == int32(codes.OutOfRange) && event.GetError().GetCompactedThrough() > 0:
			// The thread's log was trimmed past where it resumes: the watch ends with it.
			e := event.GetError()
			return true, false, &EventsCompactedError{ThreadID: event.GetThreadId(), CompactedThrough: e.GetCompactedThrough(), Message: e.GetMessage()}
		case event.GetError() == nil:
			last, watched := w.last[event.GetThreadId()]
			if watched {
				// A replay starts after the last id yielded; never yield one twice.
				if event.GetEventId() <= last {
					continue
				}
				w.last[event.GetThreadId()] = event.GetEventId()
			}
		}
		if !yield(event, nil) {
			return true, true, nil
		}
	}
}

// gaveUp is the error that ends a watch whose reconnects ran out, with the
// code of the last failure (UNAVAILABLE when the server kept ending the stream).
func gaveUp(failures int, last error) error {
	code, message := codes.Unavailable, "the server kept ending the stream"
	if last != nil {
		code, message = status.Code(last), status.Convert(last).Message()
	}
	return status.Errorf(code, "checkpointd: Watch gave up after %d failed streams: %s", failures, message)
}
