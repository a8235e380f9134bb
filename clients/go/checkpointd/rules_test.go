package checkpointd

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// clientRules is docs/client-rules.json: the rules the three clients share,
// beyond the proto's idempotency options. Codes decode from their gRPC names.
type clientRules struct {
	Service string `json:"service"`
	Calls   struct {
		RetryableCodes          []codes.Code `json:"retryableCodes"`
		ConditionallyIdempotent map[string]struct {
			Field          string `json:"field"`
			IdempotentWhen string `json:"idempotentWhen"`
		} `json:"conditionallyIdempotent"`
		NeverRetried []string          `json:"neverRetried"`
		Backoff      documentedBackoff `json:"backoff"`
	} `json:"calls"`
	Watch struct {
		ReconnectCodes []codes.Code      `json:"reconnectCodes"`
		EndCodes       []codes.Code      `json:"endCodes"`
		Backoff        documentedBackoff `json:"backoff"`
	} `json:"watch"`
}

type documentedBackoff struct {
	MaxAttempts      int     `json:"maxAttempts"`
	InitialBackoffMs int64   `json:"initialBackoffMs"`
	MaxBackoffMs     int64   `json:"maxBackoffMs"`
	Multiplier       float64 `json:"multiplier"`
	Jitter           string  `json:"jitter"`
}

func (b documentedBackoff) policy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts:    b.MaxAttempts,
		InitialBackoff: time.Duration(b.InitialBackoffMs) * time.Millisecond,
		MaxBackoff:     time.Duration(b.MaxBackoffMs) * time.Millisecond,
		Multiplier:     b.Multiplier,
	}
}

func readRules(t *testing.T) clientRules {
	t.Helper()
	data, err := os.ReadFile("../../../docs/client-rules.json")
	if err != nil {
		t.Fatal(err)
	}
	var rules clientRules
	if err := json.Unmarshal(data, &rules); err != nil {
		t.Fatalf("docs/client-rules.json: %v", err)
	}
	return rules
}

// errorCodes are the 16 non-OK gRPC codes.
func errorCodes() []codes.Code {
	all := make([]codes.Code, 0, 16)
	for c := codes.Canceled; c <= codes.Unauthenticated; c++ {
		all = append(all, c)
	}
	return all
}

func service(t *testing.T) protoreflect.ServiceDescriptor {
	t.Helper()
	return checkpointdv1.File_checkpointd_v1_checkpoint_service_proto.Services().ByName("CheckpointService")
}

// newRequest is an empty request of the method's input type (the generated Go type).
func newRequest(t *testing.T, m protoreflect.MethodDescriptor) protoreflect.Message {
	t.Helper()
	mt, err := protoregistry.GlobalTypes.FindMessageByName(m.Input().FullName())
	if err != nil {
		t.Fatal(err)
	}
	return mt.New()
}

func TestRulesIdempotencyFollowsTheProtoAndTheFixture(t *testing.T) {
	rules := readRules(t)
	svc := service(t)
	if string(svc.FullName()) != rules.Service {
		t.Fatalf("service %s, rules name %s", svc.FullName(), rules.Service)
	}
	methods := svc.Methods()
	for name := range rules.Calls.ConditionallyIdempotent {
		if methods.ByName(protoreflect.Name(name)) == nil {
			t.Errorf("client-rules.json names %s, which the service does not have", name)
		}
	}
	for i := range methods.Len() {
		m := methods.Get(i)
		name := string(m.Name())
		full := "/" + string(svc.FullName()) + "/" + name
		level := m.Options().(*descriptorpb.MethodOptions).GetIdempotencyLevel()
		plain := newRequest(t, m).Interface()
		conditional, isConditional := rules.Calls.ConditionallyIdempotent[name]
		switch {
		case isConditional:
			if level != descriptorpb.MethodOptions_IDEMPOTENCY_UNKNOWN || conditional.IdempotentWhen != "set" {
				t.Errorf("%s: level %v, idempotentWhen %q; want no level and \"set\"", name, level, conditional.IdempotentWhen)
			}
			field := m.Input().Fields().ByName(protoreflect.Name(conditional.Field))
			if field == nil {
				t.Fatalf("%s has no field %s", m.Input().FullName(), conditional.Field)
			}
			keyed := newRequest(t, m)
			keyed.Set(field, protoreflect.ValueOfString("key"))
			if idempotent(full, plain) || !idempotent(full, keyed.Interface()) {
				t.Errorf("%s: idempotent without %s = %v, with it = %v; want false, true",
					name, conditional.Field, idempotent(full, plain), idempotent(full, keyed.Interface()))
			}
		case slices.Contains(rules.Calls.NeverRetried, name):
			if level != descriptorpb.MethodOptions_IDEMPOTENCY_UNKNOWN || idempotent(full, plain) {
				t.Errorf("%s: level %v, idempotent %v; want no level, never retried", name, level, idempotent(full, plain))
			}
		default:
			if level != descriptorpb.MethodOptions_IDEMPOTENT && level != descriptorpb.MethodOptions_NO_SIDE_EFFECTS {
				t.Errorf("%s: idempotency_level %v; every method not named in client-rules.json must be IDEMPOTENT or NO_SIDE_EFFECTS", name, level)
			}
			if !idempotent(full, plain) {
				t.Errorf("%s: the client does not retry it, the proto says it may", name)
			}
		}
	}
}

func TestRulesRetryExactlyTheRetryableCodes(t *testing.T) {
	rules := readRules(t)
	p := RetryPolicy{MaxAttempts: 2, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond, Multiplier: 1}
	for _, code := range errorCodes() {
		for _, isIdempotent := range []bool{true, false} {
			attempts := 0
			err := withRetries(context.Background(), p, isIdempotent, func() error {
				attempts++
				return status.Error(code, "scripted")
			})
			want := 1
			if isIdempotent && slices.Contains(rules.Calls.RetryableCodes, code) {
				want = 2
			}
			if attempts != want || status.Code(err) != code {
				t.Errorf("%v (idempotent %v): %d attempts ending in %v; want %d ending in %v", code, isIdempotent, attempts, status.Code(err), want, code)
			}
		}
	}
}

func TestRulesWatchReconnectsOnExactlyTheReconnectCodes(t *testing.T) {
	rules := readRules(t)
	for _, code := range errorCodes() {
		reconnect := slices.Contains(rules.Watch.ReconnectCodes, code)
		end := slices.Contains(rules.Watch.EndCodes, code)
		if reconnect == end {
			t.Errorf("%v: client-rules.json must list it in exactly one of reconnectCodes and endCodes", code)
		}
		if reconnectCodes[code] != reconnect {
			t.Errorf("%v: the watch reconnects = %v, client-rules.json says %v", code, reconnectCodes[code], reconnect)
		}
	}
}

func TestRulesBackoffDefaults(t *testing.T) {
	rules := readRules(t)
	for name, c := range map[string]struct {
		got        RetryPolicy
		documented documentedBackoff
	}{
		"calls":            {DefaultRetryPolicy, rules.Calls.Backoff},
		"watch reconnects": {DefaultWatchRetryPolicy, rules.Watch.Backoff},
	} {
		want := c.documented.policy()
		if c.got != want || c.documented.Jitter != "equal" {
			t.Errorf("%s: default %+v, documented %+v with %q jitter", name, c.got, want, c.documented.Jitter)
		}
		for retry := 1; retry <= 12; retry++ {
			capped := min(want.MaxBackoff, time.Duration(float64(want.InitialBackoff)*math.Pow(want.Multiplier, float64(retry-1))))
			if low, high := backoff(retry, c.got, func() float64 { return 0 }), backoff(retry, c.got, func() float64 { return 1 }); low != capped/2 || high != capped {
				t.Errorf("%s: backoff(%d) spans [%v, %v], want [%v, %v]", name, retry, low, high, capped/2, capped)
			}
		}
	}
}
