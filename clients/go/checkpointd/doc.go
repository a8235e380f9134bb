// Package checkpointd is a small typed client for checkpointd, the gRPC
// checkpoint server for LangGraph-style agents.
//
// It wraps the generated client (package checkpointdv1, in gen/checkpointd/v1)
// with what every worker needs: one connection, a default deadline per call,
// retries with jittered backoff on UNAVAILABLE for idempotent calls, a bearer
// token (WithToken, WithTokenFunc), a headers hook, TLS and mutual TLS
// (WithTLS with a tls.Config holding RootCAs and Certificates), and List and Watch as range-over-func iterators (Watch
// reconnects on its own and resumes each thread after the last event it yielded).
//
//	client, err := checkpointd.Dial(ctx, "127.0.0.1:50051")
//	if err != nil { … }
//	defer client.Close()
//	tuple, err := client.GetTuple(ctx, &checkpointdv1.GetTupleRequest{
//		Config: &checkpointdv1.CheckpointConfig{ThreadId: "thread-1"},
//	})
//
// Values are LangGraph serializer output, checkpointdv1.TypedValue{Type, Data}:
// the server stores and returns the bytes untouched. A missing required field
// is codes.InvalidArgument with the field named in the message; nothing found
// is an empty result (GetTuple returns nil, List yields nothing), never an error.
package checkpointd
