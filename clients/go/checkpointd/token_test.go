package checkpointd_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
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

// testCA is a throwaway certificate authority.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

var serial atomic.Int64

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(serial.Add(1)),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// issue makes a leaf certificate for 127.0.0.1 and localhost with the given common name, for servers and clients.
func (ca *testCA) issue(t *testing.T, commonName string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)),
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// serveMutualTLS runs the fake service behind TLS that requires a client certificate ca signed.
func serveMutualTLS(t *testing.T, svc *fakeService, ca *testCA) string {
	t.Helper()
	creds := credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{ca.issue(t, "server")},
		ClientCAs:    ca.pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	})
	return serveFake(t, svc, grpc.Creds(creds))
}

func TestTokenAndClientCertificateReachTheServer(t *testing.T) {
	ca := newTestCA(t, "test-ca")
	svc := &fakeService{}
	address := "https://" + serveMutualTLS(t, svc, ca)
	mtls := checkpointd.WithTLS(&tls.Config{RootCAs: ca.pool, Certificates: []tls.Certificate{ca.issue(t, "tenant-a")}})
	ctx := context.Background()

	static := dialFake(t, address, mtls, checkpointd.WithToken("static-key"))
	if _, err := static.Put(ctx, &checkpointdv1.PutRequest{}); err != nil {
		t.Fatalf("Put with a token over mutual TLS: %v", err)
	}
	var n atomic.Int64
	refreshing := dialFake(t, address, mtls, checkpointd.WithTokenFunc(func(context.Context) (string, error) {
		return "jwt-" + string(rune('0'+n.Add(1))), nil
	}))
	for range 2 {
		if _, err := refreshing.Put(ctx, &checkpointdv1.PutRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	// The call's own authorization wins, and is not sent twice.
	perCall := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer per-call")
	if _, err := refreshing.Put(perCall, &checkpointdv1.PutRequest{}); err != nil {
		t.Fatal(err)
	}
	// A streaming call gets it too.
	if _, err := ids(t, static.List(ctx, &checkpointdv1.ListRequest{})); err != nil {
		t.Fatal(err)
	}
	svc.mu.Lock()
	defer svc.mu.Unlock()
	want := []string{"Bearer static-key", "Bearer jwt-1", "Bearer jwt-2", "Bearer per-call", "Bearer static-key"}
	if strings.Join(svc.auth, "|") != strings.Join(want, "|") {
		t.Errorf("authorization seen by the server: %q, want %q", svc.auth, want)
	}
}

func TestMutualTLSRefusesMissingOrForeignClientCertificates(t *testing.T) {
	ca := newTestCA(t, "test-ca")
	other := newTestCA(t, "other-ca")
	svc := &fakeService{}
	address := "https://" + serveMutualTLS(t, svc, ca)
	for name, certs := range map[string][]tls.Certificate{"none": nil, "another CA's": {other.issue(t, "tenant-a")}} {
		client := dialFake(t, address, checkpointd.WithoutRetries(), checkpointd.WithTimeout(5*time.Second),
			checkpointd.WithTLS(&tls.Config{RootCAs: ca.pool, Certificates: certs}))
		if _, err := client.Put(context.Background(), &checkpointdv1.PutRequest{}); status.Code(err) != codes.Unavailable {
			t.Errorf("Put with %s client certificate: %v, want UNAVAILABLE", name, err)
		}
	}
	if got := svc.count("Put"); got != 0 {
		t.Errorf("%d calls reached the server", got)
	}
}

func TestBadTokensAreRefusedBeforeSending(t *testing.T) {
	svc := &fakeService{}
	address := serveFake(t, svc)
	if _, err := checkpointd.Dial(context.Background(), address, checkpointd.WithToken("Bearer x")); err == nil || !strings.Contains(err.Error(), `without "Bearer "`) {
		t.Errorf("Dial with a prefixed token: %v", err)
	}
	if _, err := checkpointd.Dial(context.Background(), address, checkpointd.WithToken("")); err == nil {
		t.Error("Dial with an empty token: no error")
	}
	broken := dialFake(t, address, checkpointd.WithTokenFunc(func(context.Context) (string, error) { return "line\nbreak", nil }))
	if _, err := broken.Put(context.Background(), &checkpointdv1.PutRequest{}); err == nil || !strings.Contains(err.Error(), "visible ASCII") {
		t.Errorf("Put with a token holding a line break: %v", err)
	}
	failing := dialFake(t, address, checkpointd.WithTokenFunc(func(context.Context) (string, error) { return "", errors.New("vault down") }))
	if _, err := failing.Put(context.Background(), &checkpointdv1.PutRequest{}); err == nil || !strings.Contains(err.Error(), "vault down") {
		t.Errorf("Put with a failing token source: %v", err)
	}
	if got := svc.count("Put"); got != 0 {
		t.Errorf("%d calls reached the server", got)
	}
}
