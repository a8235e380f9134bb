package checkpointd

import (
	"context"
	"crypto/tls"
	"time"

	"google.golang.org/grpc"
)

// RetryPolicy is the jittered exponential backoff used when an idempotent
// call fails with UNAVAILABLE.
type RetryPolicy struct {
	// MaxAttempts counts every attempt, the first one included. 1 turns retries off.
	MaxAttempts int
	// InitialBackoff is the wait before the first retry.
	InitialBackoff time.Duration
	// MaxBackoff caps every wait.
	MaxBackoff time.Duration
	// Multiplier scales each wait from the one before, before jitter.
	Multiplier float64
}

// DefaultRetryPolicy is the policy a client uses unless WithRetry replaces it
// (the same as the TypeScript client's).
var DefaultRetryPolicy = RetryPolicy{
	MaxAttempts:    10,
	InitialBackoff: 100 * time.Millisecond,
	MaxBackoff:     2 * time.Second,
	Multiplier:     2,
}

// HeadersFunc returns request headers (an authorization token, a tenant id)
// to add to a call. It is asked before every attempt of every call, so a
// token it refreshes is picked up by retries too.
type HeadersFunc func(ctx context.Context) (map[string]string, error)

// An Option configures Dial.
type Option func(*config)

type config struct {
	tls         *tls.Config
	useTLS      bool
	timeout     time.Duration
	listTimeout time.Duration
	retry       RetryPolicy
	headers     HeadersFunc
	token       TokenFunc
	staticToken *string
	dialOptions []grpc.DialOption
}

func defaultConfig() config {
	return config{
		timeout:     10 * time.Second,
		listTimeout: 60 * time.Second,
		retry:       DefaultRetryPolicy,
	}
}

// WithTLS connects over TLS. A nil config uses the system's trusted roots and
// the host dialled as the server name; an https:// target implies WithTLS(nil).
func WithTLS(cfg *tls.Config) Option {
	return func(c *config) {
		c.useTLS = true
		c.tls = cfg
	}
}

// WithTimeout sets the deadline of a unary call whose context has none,
// retries included (default 10s). 0 means no default deadline.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithListTimeout sets the deadline of a whole List stream whose context has
// none, retries included (default 60s). 0 means no default deadline.
func WithListTimeout(d time.Duration) Option {
	return func(c *config) { c.listTimeout = d }
}

// WithRetry replaces DefaultRetryPolicy.
func WithRetry(p RetryPolicy) Option {
	return func(c *config) { c.retry = p }
}

// WithoutRetries turns retries off: every call is tried once.
func WithoutRetries() Option {
	return func(c *config) { c.retry.MaxAttempts = 1 }
}

// WithHeaders adds the headers f returns to every call (unary and streaming).
func WithHeaders(f HeadersFunc) Option {
	return func(c *config) { c.headers = f }
}

// WithDialOptions passes options to grpc.NewClient: interceptors (which run
// inside the retry loop and the headers hook), per-RPC credentials,
// keepalive, a custom dialer.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(c *config) { c.dialOptions = append(c.dialOptions, opts...) }
}
