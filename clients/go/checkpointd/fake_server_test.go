package checkpointd_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkpointd/checkpointd/clients/go/checkpointd"
	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// fakeService fails the first `failures` calls of each method with UNAVAILABLE
// and records the authorization header of every call.
type fakeService struct {
	checkpointdv1.UnimplementedCheckpointServiceServer
	failures int64
	calls    sync.Map // method name -> *atomic.Int64
	mu       sync.Mutex
	auth     []string
	traces   []string // the traceparent of every call
}

func (f *fakeService) call(ctx context.Context, method string) error {
	counter, _ := f.calls.LoadOrStore(method, new(atomic.Int64))
	n := counter.(*atomic.Int64).Add(1)
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	f.auth = append(f.auth, md.Get("authorization")...)
	f.traces = append(f.traces, md.Get("traceparent")...)
	f.mu.Unlock()
	if n <= f.failures {
		return status.Error(codes.Unavailable, "try again")
	}
	return nil
}

func (f *fakeService) count(method string) int64 {
	counter, ok := f.calls.Load(method)
	if !ok {
		return 0
	}
	return counter.(*atomic.Int64).Load()
}

func (f *fakeService) Put(ctx context.Context, _ *checkpointdv1.PutRequest) (*checkpointdv1.PutResponse, error) {
	if err := f.call(ctx, "Put"); err != nil {
		return nil, err
	}
	return &checkpointdv1.PutResponse{Config: &checkpointdv1.CheckpointConfig{ThreadId: "t"}}, nil
}

func (f *fakeService) GetTuple(ctx context.Context, _ *checkpointdv1.GetTupleRequest) (*checkpointdv1.GetTupleResponse, error) {
	if err := f.call(ctx, "GetTuple"); err != nil {
		return nil, err
	}
	<-ctx.Done() // answers only when the client gives up
	return nil, ctx.Err()
}

func (f *fakeService) Resume(ctx context.Context, _ *checkpointdv1.ResumeRequest) (*checkpointdv1.ResumeResponse, error) {
	if err := f.call(ctx, "Resume"); err != nil {
		return nil, err
	}
	return &checkpointdv1.ResumeResponse{ResumeId: "r"}, nil
}

func (f *fakeService) ClaimResume(ctx context.Context, _ *checkpointdv1.ClaimResumeRequest) (*checkpointdv1.ClaimResumeResponse, error) {
	if err := f.call(ctx, "ClaimResume"); err != nil {
		return nil, err
	}
	return &checkpointdv1.ClaimResumeResponse{Claimed: true}, nil
}

// List streams three tuples, then fails with UNAVAILABLE when the request's
// thread is "broken".
func (f *fakeService) List(req *checkpointdv1.ListRequest, stream grpc.ServerStreamingServer[checkpointdv1.ListResponse]) error {
	if err := f.call(stream.Context(), "List"); err != nil {
		return err
	}
	for _, id := range []string{"3", "2", "1"} {
		tuple := &checkpointdv1.CheckpointTuple{Checkpoint: &checkpointdv1.Checkpoint{Id: id}}
		if err := stream.Send(&checkpointdv1.ListResponse{Tuple: tuple}); err != nil {
			return err
		}
	}
	if req.GetConfig().GetThreadId() == "broken" {
		return status.Error(codes.Unavailable, "gone mid-stream")
	}
	return nil
}

// serveFake runs svc on 127.0.0.1 and returns its address.
func serveFake(t *testing.T, svc checkpointdv1.CheckpointServiceServer, opts ...grpc.ServerOption) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := grpc.NewServer(opts...)
	checkpointdv1.RegisterCheckpointServiceServer(server, svc)
	go func() { _ = server.Serve(lis) }()
	t.Cleanup(server.Stop)
	return lis.Addr().String()
}

var fastRetries = checkpointd.WithRetry(checkpointd.RetryPolicy{MaxAttempts: 5, InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Multiplier: 2})

func dialFake(t *testing.T, address string, opts ...checkpointd.Option) *checkpointd.Client {
	t.Helper()
	client, err := checkpointd.Dial(context.Background(), address, append([]checkpointd.Option{fastRetries}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

func TestRetriesIdempotentCallsOnUnavailableAsksForHeadersEachTime(t *testing.T) {
	svc := &fakeService{failures: 2}
	var asked atomic.Int64
	client := dialFake(t, serveFake(t, svc), checkpointd.WithHeaders(func(context.Context) (map[string]string, error) {
		asked.Add(1)
		return map[string]string{"Authorization": "Bearer token"}, nil
	}))
	if _, err := client.Put(context.Background(), &checkpointdv1.PutRequest{}); err != nil {
		t.Fatalf("Put after two UNAVAILABLE: %v", err)
	}
	if got := svc.count("Put"); got != 3 {
		t.Errorf("Put reached the server %d times, want 3", got)
	}
	if got := asked.Load(); got != 3 {
		t.Errorf("headers hook asked %d times, want once per attempt (3)", got)
	}
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if len(svc.auth) != 3 || svc.auth[0] != "Bearer token" {
		t.Errorf("authorization headers seen by the server: %q", svc.auth)
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	svc := &fakeService{failures: 100}
	client := dialFake(t, serveFake(t, svc))
	_, err := client.Put(context.Background(), &checkpointdv1.PutRequest{})
	if status.Code(err) != codes.Unavailable || svc.count("Put") != 5 {
		t.Errorf("Put: %v after %d attempts, want UNAVAILABLE after 5", err, svc.count("Put"))
	}
	svc = &fakeService{failures: 100}
	client = dialFake(t, serveFake(t, svc), checkpointd.WithoutRetries())
	if _, err := client.Put(context.Background(), &checkpointdv1.PutRequest{}); status.Code(err) != codes.Unavailable || svc.count("Put") != 1 {
		t.Errorf("Put without retries: %v after %d attempts, want UNAVAILABLE after 1", err, svc.count("Put"))
	}
}

func TestRetriesResumeAndClaimResumeOnlyWhenARetryIsSafe(t *testing.T) {
	// Each fails twice: once for the first call (not retried), once for the second (retried).
	svc := &fakeService{failures: 2}
	client := dialFake(t, serveFake(t, svc))
	ctx := context.Background()
	if _, err := client.Service().ClaimResume(ctx, &checkpointdv1.ClaimResumeRequest{ThreadId: "t", WorkerId: "w"}); status.Code(err) != codes.Unavailable {
		t.Errorf("ClaimResume of the oldest resume: %v, want UNAVAILABLE (not retried)", err)
	}
	if _, err := client.Service().ClaimResume(ctx, &checkpointdv1.ClaimResumeRequest{ThreadId: "t", WorkerId: "w", ResumeId: "r"}); err != nil {
		t.Errorf("ClaimResume of a named resume: %v, want it retried to success", err)
	}
	if _, err := client.Service().Resume(ctx, &checkpointdv1.ResumeRequest{ThreadId: "t"}); status.Code(err) != codes.Unavailable {
		t.Errorf("Resume without a key: %v, want UNAVAILABLE (not retried)", err)
	}
	if _, err := client.Service().Resume(ctx, &checkpointdv1.ResumeRequest{ThreadId: "t", IdempotencyKey: "k"}); err != nil {
		t.Errorf("Resume with a key: %v, want it retried to success", err)
	}
	if claims, resumes := svc.count("ClaimResume"), svc.count("Resume"); claims != 3 || resumes != 3 {
		t.Errorf("attempts: ClaimResume %d, Resume %d; want 3 each (1, then 2 for the retried one)", claims, resumes)
	}
}

func TestDefaultDeadline(t *testing.T) {
	client := dialFake(t, serveFake(t, &fakeService{}), checkpointd.WithTimeout(200*time.Millisecond))
	start := time.Now()
	_, err := client.GetTuple(context.Background(), &checkpointdv1.GetTupleRequest{})
	if status.Code(err) != codes.DeadlineExceeded || time.Since(start) > 5*time.Second {
		t.Errorf("GetTuple: %v after %v, want DEADLINE_EXCEEDED after about 200ms", err, time.Since(start))
	}
	// A deadline on the context wins over the default.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := client.GetTuple(ctx, &checkpointdv1.GetTupleRequest{}); status.Code(err) != codes.DeadlineExceeded || time.Since(start) > 180*time.Millisecond {
		t.Errorf("GetTuple with a 50ms context: %v after %v", err, time.Since(start))
	}
}

func ids(t *testing.T, seq func(func(*checkpointdv1.CheckpointTuple, error) bool)) ([]string, error) {
	t.Helper()
	var got []string
	for tuple, err := range seq {
		if err != nil {
			return got, err
		}
		got = append(got, tuple.GetCheckpoint().GetId())
	}
	return got, nil
}

func TestListRetriesOnlyBeforeTheFirstTuple(t *testing.T) {
	svc := &fakeService{failures: 2}
	client := dialFake(t, serveFake(t, svc))
	got, err := ids(t, client.List(context.Background(), &checkpointdv1.ListRequest{}))
	if err != nil || len(got) != 3 || svc.count("List") != 3 {
		t.Errorf("List after two UNAVAILABLE: %v, %v, %d calls; want [3 2 1], nil, 3 calls", got, err, svc.count("List"))
	}
	broken := &checkpointdv1.ListRequest{Config: &checkpointdv1.CheckpointConfig{ThreadId: "broken"}}
	got, err = ids(t, client.List(context.Background(), broken))
	if status.Code(err) != codes.Unavailable || len(got) != 3 || svc.count("List") != 4 {
		t.Errorf("List failing mid-stream: %v, %v, %d calls; want 3 tuples, UNAVAILABLE, no retry", got, err, svc.count("List"))
	}
}

func TestTLS(t *testing.T) {
	cert, roots := selfSigned(t)
	address := serveFake(t, &fakeService{}, grpc.Creds(credentials.NewServerTLSFromCert(&cert)))
	client := dialFake(t, "https://"+address, checkpointd.WithTLS(&tls.Config{RootCAs: roots}))
	if _, err := client.Put(context.Background(), &checkpointdv1.PutRequest{}); err != nil {
		t.Fatalf("Put over TLS: %v", err)
	}
	plain := dialFake(t, address, checkpointd.WithoutRetries())
	if _, err := plain.Put(context.Background(), &checkpointdv1.PutRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("Put in plaintext to a TLS server: %v, want UNAVAILABLE", err)
	}
}

// selfSigned is a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}
