package checkpointd_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// The integration tests talk to a real checkpointd: $CHECKPOINTD_ADDRESS when
// set, else a throwaway stack (PostgreSQL, redis-server, checkpointd) that
// packages/test-support's checkpointd-test-stack starts on first use
// (`pnpm run build` first; CHECKPOINTD_TEST_BACKEND=pglite for the embedded
// database). Tests that do not need it (the fake-server ones) never start it.
var stack struct {
	once    sync.Once
	address string
	err     error
	stop    func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if stack.stop != nil {
		stack.stop()
	}
	os.Exit(code)
}

// serverAddress is the host:port of the checkpointd the test should use.
func serverAddress(t testing.TB) string {
	t.Helper()
	stack.once.Do(func() {
		if address := os.Getenv("CHECKPOINTD_ADDRESS"); address != "" {
			stack.address = address
			return
		}
		stack.address, stack.stop, stack.err = startStack()
	})
	if stack.err != nil {
		t.Fatal(stack.err)
	}
	return stack.address
}

// repoRoot is the checkout this test file is in (the directory with pnpm-workspace.yaml).
func repoRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot tell where the test file is")
	}
	for dir := filepath.Dir(file); ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "pnpm-workspace.yaml")); err == nil {
			return dir, nil
		}
		if dir == filepath.Dir(dir) {
			return "", fmt.Errorf("no pnpm-workspace.yaml above %s", file)
		}
	}
}

// startStack runs checkpointd-test-stack with stdin as a pipe, waits for its JSON
// line, and returns a stop function that closes stdin (the stack then tears
// itself down). If this process dies, the pipe closes and the stack goes too.
func startStack() (address string, stop func(), err error) {
	root, err := repoRoot()
	if err != nil {
		return "", nil, err
	}
	built := filepath.Join(root, "packages", "test-support", "dist", "test-stack-main.js")
	if _, err := os.Stat(built); err != nil {
		return "", nil, fmt.Errorf("%s is missing: run `pnpm run build` in %s first, or set CHECKPOINTD_ADDRESS", built, root)
	}
	args := []string{filepath.Join(root, "packages", "test-support", "bin", "checkpointd-test-stack.js")}
	if backend := os.Getenv("CHECKPOINTD_TEST_BACKEND"); backend != "" {
		args = append(args, "--backend", backend)
	}
	cmd := exec.Command("node", args...)
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	out, stdout := io.Pipe()
	cmd.Stdout = stdout
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("starting the test stack (is node on PATH?): %w", err)
	}
	exited := make(chan error, 1)
	go func() {
		exited <- cmd.Wait()
		_ = stdout.Close()
	}()
	lines := make(chan string, 1)
	go func() {
		reader := bufio.NewReader(out)
		line, _ := reader.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, reader) // keep draining so the stack never blocks on stdout
	}()
	stop = func() {
		_ = stdin.Close()
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	select {
	case line := <-lines:
		var ready struct {
			Address string `json:"address"`
		}
		if err := json.Unmarshal([]byte(line), &ready); err != nil || ready.Address == "" {
			stop()
			return "", nil, fmt.Errorf("the test stack did not start (its stderr is above); first line %q", line)
		}
		return ready.Address, stop, nil
	case <-time.After(90 * time.Second):
		stop()
		return "", nil, errors.New("the test stack did not print its address within 90s")
	}
}
