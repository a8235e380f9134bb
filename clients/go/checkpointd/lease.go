package checkpointd

import (
	"context"
	"strconv"
	"time"

	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/durationpb"
)

// FencingTokenHeader is the metadata a write's fencing token may travel in
// instead of the request's fencing_token field.
const FencingTokenHeader = "x-checkpointd-fencing-token"

// AcquireLease takes the thread's lease for holder (see docs/protocol.md,
// "Leases"). While another holder's lease is live it waits up to wait (0: not
// at all) and then fails with FAILED_PRECONDITION naming the holder. It is
// never retried: a retry could take a second lease.
func (c *Client) AcquireLease(ctx context.Context, threadID, holder string, ttl, wait time.Duration, opts ...grpc.CallOption) (*checkpointdv1.AcquireLeaseResponse, error) {
	req := &checkpointdv1.AcquireLeaseRequest{ThreadId: threadID, Holder: holder, Ttl: durationpb.New(ttl)}
	if wait > 0 {
		req.Wait = durationpb.New(wait)
	}
	return c.rpc.AcquireLease(ctx, req, opts...)
}

// RenewLease extends a live lease by ttl (0: the ttl it was acquired with).
// FAILED_PRECONDITION means the lease ended: the caller lost the thread.
func (c *Client) RenewLease(ctx context.Context, threadID, leaseID string, ttl time.Duration, opts ...grpc.CallOption) (*checkpointdv1.RenewLeaseResponse, error) {
	req := &checkpointdv1.RenewLeaseRequest{ThreadId: threadID, LeaseId: leaseID}
	if ttl > 0 {
		req.Ttl = durationpb.New(ttl)
	}
	return c.rpc.RenewLease(ctx, req, opts...)
}

// ReleaseLease ends a lease; false when it had already ended.
func (c *Client) ReleaseLease(ctx context.Context, threadID, leaseID string, opts ...grpc.CallOption) (bool, error) {
	res, err := c.rpc.ReleaseLease(ctx, &checkpointdv1.ReleaseLeaseRequest{ThreadId: threadID, LeaseId: leaseID}, opts...)
	if err != nil {
		return false, err
	}
	return res.GetReleased(), nil
}

// WithFencingToken returns a context whose calls carry token as the
// x-checkpointd-fencing-token metadata: every write made with it is fenced by
// the lease, including DeleteThread, which has no field for the caller to set here.
func WithFencingToken(ctx context.Context, token uint64) context.Context {
	return metadata.AppendToOutgoingContext(ctx, FencingTokenHeader, strconv.FormatUint(token, 10))
}
