package checkpointd

import (
	"context"
	"fmt"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"strings"
	"time"

	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// servicePrefix is what the full method names of CheckpointService start with;
// only those calls get the default deadline and retries.
const servicePrefix = "/checkpointd.v1.CheckpointService/"

// Client is a checkpointd client on one gRPC connection (HTTP/2, multiplexed,
// re-established as needed). It is safe for concurrent use.
//
// Every unary call whose context has no deadline gets the client's default
// (WithTimeout), and idempotent calls are retried with jittered exponential
// backoff on UNAVAILABLE within that deadline: every call but a Resume without
// an idempotency key and a ClaimResume without a resume id. Errors are gRPC
// status errors: use status.Code(err).
type Client struct {
	conn *grpc.ClientConn
	rpc  checkpointdv1.CheckpointServiceClient
	cfg  config
}

// Dial creates a client for target: host:port, http://host:port, or
// https://host:port (which implies TLS). Like grpc.NewClient it does not wait
// for the server: the connection is opened in the background and calls made
// before it is up are retried. ctx is only checked for cancellation.
func Dial(ctx context.Context, target string, opts ...Option) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}
	cfg.retry.MaxAttempts = max(1, cfg.retry.MaxAttempts)
	if cfg.staticToken != nil {
		if _, err := bearer(*cfg.staticToken); err != nil {
			return nil, err
		}
	}
	hostPort, https, err := parseTarget(target)
	if err != nil {
		return nil, err
	}
	creds := insecure.NewCredentials()
	if https || cfg.useTLS {
		creds = credentials.NewTLS(cfg.tls)
	}
	c := &Client{cfg: cfg}
	dialOptions := append([]grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		// HTTP/2 PINGs on open streams notice a dead peer (as the TypeScript client's do).
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}),
		grpc.WithChainUnaryInterceptor(c.retryUnary, c.headersUnary),
		grpc.WithChainStreamInterceptor(c.headersStream),
	}, cfg.dialOptions...)
	conn, err := grpc.NewClient("dns:///"+hostPort, dialOptions...)
	if err != nil {
		return nil, fmt.Errorf("checkpointd: %w", err)
	}
	conn.Connect()
	c.conn = conn
	c.rpc = checkpointdv1.NewCheckpointServiceClient(conn)
	return c, nil
}

// Close closes the connection; calls still in flight fail with CANCELED.
func (c *Client) Close() error {
	return c.conn.Close()
}

// Service is the generated client on the same connection, for the calls this
// package does not wrap (CopyThread, Prune, Resume, ClaimResume, the raw
// Watch stream, …). Its unary calls get the same default deadline, retries
// and headers; its streams get the headers only.
func (c *Client) Service() checkpointdv1.CheckpointServiceClient {
	return c.rpc
}

// Put saves a checkpoint atomically; the same checkpoint id again overwrites it.
// req.Config.CheckpointId, when set, is the new checkpoint's parent.
func (c *Client) Put(ctx context.Context, req *checkpointdv1.PutRequest, opts ...grpc.CallOption) (*checkpointdv1.PutResponse, error) {
	return c.rpc.Put(ctx, req, opts...)
}

// PutWrites saves a task's pending writes against a checkpoint.
func (c *Client) PutWrites(ctx context.Context, req *checkpointdv1.PutWritesRequest, opts ...grpc.CallOption) error {
	_, err := c.rpc.PutWrites(ctx, req, opts...)
	return err
}

// GetTuple reads one checkpoint by id, or the latest of the thread and
// namespace when req.Config.CheckpointId is empty. It returns nil, nil when
// nothing matched.
func (c *Client) GetTuple(ctx context.Context, req *checkpointdv1.GetTupleRequest, opts ...grpc.CallOption) (*checkpointdv1.CheckpointTuple, error) {
	res, err := c.rpc.GetTuple(ctx, req, opts...)
	if err != nil {
		return nil, err
	}
	return res.GetTuple(), nil
}

// GetTupleAt reads a thread at a point in time: the latest checkpoint of
// config's thread and namespace whose ts is at or before at (microseconds
// count; finer digits are dropped). It returns nil, nil when there is none (the
// thread did not exist yet, or retention swept that range). config.CheckpointId
// must be empty: naming a checkpoint and a time is INVALID_ARGUMENT. The server
// answers it from the database, never from its cache.
func (c *Client) GetTupleAt(ctx context.Context, config *checkpointdv1.CheckpointConfig, at time.Time, opts ...grpc.CallOption) (*checkpointdv1.CheckpointTuple, error) {
	return c.GetTuple(ctx, &checkpointdv1.GetTupleRequest{Config: config, AsOf: timestamppb.New(at)}, opts...)
}

// DeleteThread deletes every checkpoint, value and write of a thread, in every
// namespace. Deleting a thread that does not exist is not an error.
func (c *Client) DeleteThread(ctx context.Context, threadID string, opts ...grpc.CallOption) error {
	_, err := c.rpc.DeleteThread(ctx, &checkpointdv1.DeleteThreadRequest{ThreadId: threadID}, opts...)
	return err
}

// SetRetention replaces a thread's retention policy (nil: the server's
// defaults again) and returns the thread as it is now.
func (c *Client) SetRetention(ctx context.Context, threadID string, policy *checkpointdv1.RetentionPolicy, opts ...grpc.CallOption) (*checkpointdv1.Thread, error) {
	res, err := c.rpc.SetRetention(ctx, &checkpointdv1.SetRetentionRequest{ThreadId: threadID, Policy: policy}, opts...)
	return res.GetThread(), err
}

// GetThread returns a thread's size, clock and retention policy; a thread with
// nothing stored has CheckpointCount 0 (not an error).
func (c *Client) GetThread(ctx context.Context, threadID string, opts ...grpc.CallOption) (*checkpointdv1.Thread, error) {
	res, err := c.rpc.GetThread(ctx, &checkpointdv1.GetThreadRequest{ThreadId: threadID}, opts...)
	return res.GetThread(), err
}

// GetThreadStorage reports how much a thread stores, per channel and in total:
// bytes as the client wrote them (LogicalBytes) against bytes stored
// (StoredBytes; values above the server's chunk threshold are kept as
// content-defined chunks, each once per thread). A thread with nothing stored
// has Found false and zero counts (not an error).
func (c *Client) GetThreadStorage(ctx context.Context, threadID string, opts ...grpc.CallOption) (*checkpointdv1.GetThreadStorageResponse, error) {
	return c.rpc.GetThreadStorage(ctx, &checkpointdv1.GetThreadStorageRequest{ThreadId: threadID}, opts...)
}

// retryUnary gives CheckpointService calls the default deadline and retries.
func (c *Client) retryUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if !strings.HasPrefix(method, servicePrefix) {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	ctx, cancel := withDefaultTimeout(ctx, c.cfg.timeout)
	defer cancel()
	return withRetries(ctx, c.cfg.retry, idempotent(method, req), func() error {
		return invoker(ctx, method, req, reply, cc, opts...)
	})
}

// headersUnary runs inside retryUnary, so the headers hook is asked again on every attempt.
func (c *Client) headersUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	ctx, err := c.withHeaders(ctx)
	if err != nil {
		return err
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

func (c *Client) headersStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	ctx, err := c.withHeaders(ctx)
	if err != nil {
		return nil, err
	}
	return streamer(ctx, desc, cc, method, opts...)
}

// withHeaders adds the caller's trace context (W3C traceparent/tracestate, through the
// propagator registered with otel.SetTextMapPropagator; the default one injects nothing) and
// the headers hook's entries, which win.
func (c *Client) withHeaders(ctx context.Context) (context.Context, error) {
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	if len(carrier) > 0 {
		kv := make([]string, 0, 2*len(carrier))
		for name, value := range carrier {
			kv = append(kv, name, value)
		}
		ctx = metadata.AppendToOutgoingContext(ctx, kv...)
	}
	if c.cfg.headers == nil {
		return c.withToken(ctx, nil)
	}
	headers, err := c.cfg.headers(ctx)
	if err != nil {
		return nil, fmt.Errorf("checkpointd: headers: %w", err)
	}
	if ctx, err = c.withToken(ctx, headers); err != nil {
		return nil, err
	}
	kv := make([]string, 0, 2*len(headers))
	for name, value := range headers {
		kv = append(kv, strings.ToLower(name), value)
	}
	return metadata.AppendToOutgoingContext(ctx, kv...), nil
}
