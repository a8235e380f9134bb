package checkpointd

import (
	"context"
	"errors"
	"io"
	"iter"

	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
	"google.golang.org/grpc"
)

// List streams history, newest first, for use with range:
//
//	for tuple, err := range client.List(ctx, req) {
//		if err != nil {
//			return err
//		}
//		…
//	}
//
// Tuples arrive as the server streams them (page by page); breaking out of the
// loop cancels the call. A List that fails with UNAVAILABLE before its first
// tuple is retried; a failure after that is yielded as the last error (a retry
// would repeat what was yielded). The stream's deadline, when ctx has none, is
// WithListTimeout. Every range over the sequence makes a new call.
func (c *Client) List(ctx context.Context, req *checkpointdv1.ListRequest, opts ...grpc.CallOption) iter.Seq2[*checkpointdv1.CheckpointTuple, error] {
	return func(yield func(*checkpointdv1.CheckpointTuple, error) bool) {
		ctx, cancel := withDefaultTimeout(ctx, c.cfg.listTimeout)
		defer cancel()

		var stream grpc.ServerStreamingClient[checkpointdv1.ListResponse]
		var next *checkpointdv1.ListResponse
		err := withRetries(ctx, c.cfg.retry, true, func() error {
			s, err := c.rpc.List(ctx, req, opts...)
			if err != nil {
				return err
			}
			first, err := s.Recv()
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			stream, next = s, first // first is nil on an empty history
			return nil
		})
		for err == nil && next != nil {
			if tuple := next.GetTuple(); tuple != nil && !yield(tuple, nil) {
				return
			}
			next, err = stream.Recv()
		}
		if err != nil && !errors.Is(err, io.EOF) {
			yield(nil, err)
		}
	}
}
