package checkpointd_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/checkpointd/checkpointd/clients/go/checkpointd"
	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// writePEM writes a certificate and its key as PEM files in dir.
func writePEM(t *testing.T, dir, name string, cert tls.Certificate) (certFile, keyFile string) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// serveCheckpointdWithMutualTLS runs the built checkpointd CLI on in-memory PGlite with TLS and a
// client CA, and returns its gRPC address.
func serveCheckpointdWithMutualTLS(t *testing.T, ca *testCA) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cli := filepath.Join(root, "packages", "server", "dist", "cli.js")
	if _, err := os.Stat(cli); err != nil {
		t.Fatalf("%s is missing: run `pnpm run build` in %s first", cli, root)
	}
	dir := t.TempDir()
	certFile, keyFile := writePEM(t, dir, "server", ca.issue(t, "localhost"))
	caFile := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := lis.Addr().(*net.TCPAddr).Port
	_ = lis.Close()
	cmd := exec.Command("node", cli, "serve", "--port", strconv.Itoa(port), "--http-port", "off", "--data-dir", "memory://",
		"--tls-cert-file", certFile, "--tls-key-file", keyFile, "--tls-client-ca-file", caFile, "--shutdown-grace-ms", "500")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LOG_LEVEL=info"}
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting checkpointd (is node on PATH?): %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	listening := make(chan struct{})
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			if strings.Contains(scanner.Text(), `"msg":"checkpointd listening"`) {
				close(listening)
				break
			}
		}
		for scanner.Scan() {
		}
	}()
	select {
	case <-listening:
	case <-time.After(60 * time.Second):
		t.Fatal("checkpointd with TLS did not start within 60s")
	}
	return "127.0.0.1:" + strconv.Itoa(port)
}

func TestAgainstCheckpointdWithMutualTLS(t *testing.T) {
	ca := newTestCA(t, "test-ca")
	address := serveCheckpointdWithMutualTLS(t, ca)
	ctx := context.Background()
	client := dialFake(t, "https://"+address, checkpointd.WithToken("any-key"),
		checkpointd.WithTLS(&tls.Config{RootCAs: ca.pool, Certificates: []tls.Certificate{ca.issue(t, "tenant-a")}}))
	thread := &checkpointdv1.CheckpointConfig{ThreadId: "go-mtls"}
	if _, err := client.Put(ctx, &checkpointdv1.PutRequest{
		Config:     thread,
		Checkpoint: &checkpointdv1.Checkpoint{V: 4, Id: "1f0c3a2e-0000-6000-8000-000000000001", Ts: "2026-11-23T00:00:00+00:00"},
	}); err != nil {
		t.Fatalf("Put over mutual TLS: %v", err)
	}
	tuple, err := client.GetTuple(ctx, &checkpointdv1.GetTupleRequest{Config: thread})
	if err != nil || tuple.GetCheckpoint().GetId() != "1f0c3a2e-0000-6000-8000-000000000001" {
		t.Fatalf("GetTuple over mutual TLS: %v, %v", tuple, err)
	}
	other := newTestCA(t, "other-ca")
	for name, certs := range map[string][]tls.Certificate{"no": nil, "another CA's": {other.issue(t, "tenant-a")}} {
		refused := dialFake(t, "https://"+address, checkpointd.WithoutRetries(), checkpointd.WithTimeout(5*time.Second),
			checkpointd.WithTLS(&tls.Config{RootCAs: ca.pool, Certificates: certs}))
		if _, err := refused.GetTuple(ctx, &checkpointdv1.GetTupleRequest{Config: thread}); status.Code(err) != codes.Unavailable {
			t.Errorf("GetTuple with %s client certificate: %v, want UNAVAILABLE", name, err)
		}
	}
}
