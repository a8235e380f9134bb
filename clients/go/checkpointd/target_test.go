package checkpointd

import "testing"

func TestParseTarget(t *testing.T) {
	good := []struct {
		in       string
		hostPort string
		https    bool
	}{
		{"127.0.0.1:50051", "127.0.0.1:50051", false},
		{" localhost:1 ", "localhost:1", false},
		{"[::1]:50051", "[::1]:50051", false},
		{"http://example.com:8080", "example.com:8080", false},
		{"http://example.com:8080/", "example.com:8080", false},
		{"HTTPS://example.com", "example.com:443", true},
		{"http://example.com", "example.com:80", false},
		{"https://[::1]:9443", "[::1]:9443", true},
	}
	for _, c := range good {
		hostPort, https, err := parseTarget(c.in)
		if err != nil || hostPort != c.hostPort || https != c.https {
			t.Errorf("parseTarget(%q) = %q, %v, %v; want %q, %v", c.in, hostPort, https, err, c.hostPort, c.https)
		}
	}
	for _, in := range []string{"", "localhost", ":50051", "host:port", "host:0", "host:70000", "dns:///host:1", "unix:///tmp/s", "http://host:1/path", "http://host:1?q", "http://u@host:1", "http://:1"} {
		if hostPort, _, err := parseTarget(in); err == nil {
			t.Errorf("parseTarget(%q) = %q, want an error", in, hostPort)
		}
	}
}
