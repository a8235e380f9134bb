package checkpointd_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeExample runs the README's Go example exactly as written, in a new
// module set up as the README says for a local checkout (replace + tidy),
// against the test server.
func TestReadmeExample(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	program := readmeGoProgram(t, filepath.Join(root, "README.md"))
	address := serverAddress(t)

	dir := t.TempDir()
	module := filepath.Join(root, "clients", "go")
	sums, err := os.ReadFile(filepath.Join(module, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"main.go": program, "go.sum": string(sums)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "CHECKPOINTD_ADDRESS="+address)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("mod", "init", "readme-example")
	run("mod", "edit", "-replace", "github.com/checkpointd/checkpointd/clients/go="+module)
	run("mod", "tidy")
	out := run("run", ".")

	for _, want := range []string{
		`latest: 1f0c3a2e-0000-6000-8000-000000000001 ["hi"]`,
		"history: 1f0c3a2e-0000-6000-8000-000000000001 map[source:input step:-1]",
		"event: 1 checkpoint saved 1f0c3a2e-0000-6000-8000-000000000001",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the README example printed:\n%s\nwant a line %q", out, want)
		}
	}
}

// readmeGoProgram is the `package main` code block of the README's "## Go" section.
func readmeGoProgram(t *testing.T, readme string) string {
	t.Helper()
	content, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(content), "\n## Go\n")
	if !ok {
		t.Fatalf("%s has no \"## Go\" section", readme)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, block := range strings.Split(section, "```go\n")[1:] {
		code, _, _ := strings.Cut(block, "\n```")
		if strings.HasPrefix(code, "package main\n") {
			return code + "\n"
		}
	}
	t.Fatalf("the \"## Go\" section of %s has no ```go block with package main", readme)
	return ""
}
