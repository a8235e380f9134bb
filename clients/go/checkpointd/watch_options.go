package checkpointd

import "time"

// DefaultWatchRetryPolicy is how Watch reconnects unless WatchRetry replaces
// it (the same as the TypeScript client's watch). MaxAttempts counts
// consecutive failed streams: a stream that received anything resets it.
var DefaultWatchRetryPolicy = RetryPolicy{
	MaxAttempts:    30,
	InitialBackoff: 100 * time.Millisecond,
	MaxBackoff:     5 * time.Second,
	Multiplier:     2,
}

// A WatchOption configures Watch.
type WatchOption func(*watchConfig)

type watchConfig struct {
	after       map[string]uint64
	namespace   *string
	heartbeats  bool
	retry       RetryPolicy
	onReconnect func(attempt int, err error)
}

// WatchAfter starts a thread after an event id seen earlier (default 0: its
// whole stored log is replayed first).
func WatchAfter(threadID string, eventID uint64) WatchOption {
	return func(c *watchConfig) {
		if c.after == nil {
			c.after = map[string]uint64{}
		}
		c.after[threadID] = eventID
	}
}

// WatchNamespace yields only the events of one checkpoint namespace (and
// thread deletions); by default every namespace's.
func WatchNamespace(ns string) WatchOption {
	return func(c *watchConfig) { c.namespace = &ns }
}

// WatchHeartbeats yields the heartbeats the server sends on idle streams too.
func WatchHeartbeats() WatchOption {
	return func(c *watchConfig) { c.heartbeats = true }
}

// WatchRetry replaces DefaultWatchRetryPolicy. MaxAttempts 1 turns reconnects off.
func WatchRetry(p RetryPolicy) WatchOption {
	return func(c *watchConfig) { c.retry = p }
}

// WatchOnReconnect calls f before each reconnect with the number of
// consecutive failures and the error that ended the previous stream (nil when
// the server just ended it).
func WatchOnReconnect(f func(attempt int, err error)) WatchOption {
	return func(c *watchConfig) { c.onReconnect = f }
}
