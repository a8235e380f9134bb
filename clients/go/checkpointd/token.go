package checkpointd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/metadata"
)

// TokenFunc returns the bearer token for a call. It is asked before every
// attempt of every call and every Watch reconnect, so a token it refreshes is
// picked up by retries too.
type TokenFunc func(ctx context.Context) (string, error)

// WithToken sends token as "authorization: Bearer <token>" with every call
// (unary and streaming). A call's own authorization metadata, or one the
// WithHeaders hook returns, wins over it.
func WithToken(token string) Option {
	return func(c *config) {
		c.token = func(context.Context) (string, error) { return token, nil }
		c.staticToken = &token
	}
}

// WithTokenFunc is WithToken with a token asked for before every call (to
// refresh an expiring JWT, say).
func WithTokenFunc(f TokenFunc) Option {
	return func(c *config) {
		c.token = f
		c.staticToken = nil
	}
}

// bearer is the authorization value of a token: one run of visible ASCII
// (what JWTs and API keys are made of). Anything else is refused, not sent.
func bearer(token string) (string, error) {
	if strings.HasPrefix(token, "Bearer ") {
		return "", errors.New(`checkpointd: pass the token without "Bearer " (the client adds it)`)
	}
	if token == "" {
		return "", errors.New("checkpointd: the token is empty")
	}
	for i := 0; i < len(token); i++ {
		if token[i] < 0x21 || token[i] > 0x7e {
			return "", errors.New("checkpointd: the token must be visible ASCII, without spaces or line breaks")
		}
	}
	return "Bearer " + token, nil
}

// withToken adds the token's authorization unless the call, or headers, already carry one.
func (c *Client) withToken(ctx context.Context, headers map[string]string) (context.Context, error) {
	if c.cfg.token == nil {
		return ctx, nil
	}
	for name := range headers {
		if strings.EqualFold(name, "authorization") {
			return ctx, nil
		}
	}
	if md, ok := metadata.FromOutgoingContext(ctx); ok && len(md.Get("authorization")) > 0 {
		return ctx, nil
	}
	token, err := c.cfg.token(ctx)
	if err != nil {
		return nil, fmt.Errorf("checkpointd: token: %w", err)
	}
	value, err := bearer(token)
	if err != nil {
		return nil, err
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", value), nil
}
