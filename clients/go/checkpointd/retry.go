package checkpointd

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/descriptorpb"
)

// idempotencyLevels holds each CheckpointService method's idempotency_level
// in the proto, by full method name ("/checkpointd.v1.CheckpointService/Put").
var idempotencyLevels = func() map[string]descriptorpb.MethodOptions_IdempotencyLevel {
	service := checkpointdv1.File_checkpointd_v1_checkpoint_service_proto.Services().ByName("CheckpointService")
	methods := service.Methods()
	levels := make(map[string]descriptorpb.MethodOptions_IdempotencyLevel, methods.Len())
	for i := range methods.Len() {
		m := methods.Get(i)
		options, _ := m.Options().(*descriptorpb.MethodOptions)
		levels["/"+string(service.FullName())+"/"+string(m.Name())] = options.GetIdempotencyLevel()
	}
	return levels
}()

// idempotent reports whether a CheckpointService call may be sent again after
// UNAVAILABLE: its method is IDEMPOTENT or NO_SIDE_EFFECTS in the proto, or it
// is a Resume with an idempotency key or a ClaimResume with a resume id (the
// conditions the proto states in comments). The server answers a worker's
// repeated claim of a named resume the same; "the oldest pending one" could be
// another resume the second time.
func idempotent(method string, req any) bool {
	switch method {
	case checkpointdv1.CheckpointService_ClaimResume_FullMethodName:
		r, ok := req.(*checkpointdv1.ClaimResumeRequest)
		return ok && r.GetResumeId() != ""
	case checkpointdv1.CheckpointService_Resume_FullMethodName:
		r, ok := req.(*checkpointdv1.ResumeRequest)
		return ok && r.GetIdempotencyKey() != ""
	}
	level := idempotencyLevels[method]
	return level == descriptorpb.MethodOptions_IDEMPOTENT || level == descriptorpb.MethodOptions_NO_SIDE_EFFECTS
}

// backoff is the wait before retry number retry (1 for the first retry):
// exponential, capped, with "equal jitter" (half fixed, half random) so that
// clients that failed together do not retry together, yet each one backs off.
func backoff(retry int, p RetryPolicy, random func() float64) time.Duration {
	exponential := float64(p.InitialBackoff) * math.Pow(p.Multiplier, float64(max(0, retry-1)))
	capped := min(float64(p.MaxBackoff), exponential)
	return time.Duration(capped/2 + random()*capped/2)
}

// withRetries runs attempt until it succeeds, fails with anything but
// UNAVAILABLE, the call is not idempotent, the attempts run out, or the next
// backoff would pass ctx's deadline (which bounds the call, retries included).
func withRetries(ctx context.Context, p RetryPolicy, idempotent bool, attempt func() error) error {
	for n := 1; ; n++ {
		err := attempt()
		if err == nil || !idempotent || n >= p.MaxAttempts || ctx.Err() != nil || status.Code(err) != codes.Unavailable {
			return err
		}
		delay := backoff(n, p, rand.Float64)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= delay {
			return err
		}
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return status.FromContextError(ctx.Err()).Err()
		}
	}
}

// withDefaultTimeout bounds ctx by d when it has no deadline of its own (and
// d > 0). The returned context is always cancelable: cancel ends the call.
func withDefaultTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); !ok && d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return context.WithCancel(ctx)
}
