package checkpointd

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// parseTarget accepts host:port, [v6]:port, http://host:port and
// https://host:port (a trailing slash is fine, a path is not). The port is
// required for a bare address and defaults to 80 / 443 for a URL. It returns
// host:port and whether the address asks for TLS.
func parseTarget(target string) (hostPort string, https bool, err error) {
	t := strings.TrimSpace(target)
	if !strings.Contains(t, "://") {
		host, port, err := net.SplitHostPort(t)
		if err != nil {
			return "", false, fmt.Errorf("checkpointd address %q: expected host:port or http(s)://host:port (a port is required)", target)
		}
		return checkHostPort(target, host, port)
	}
	u, err := url.Parse(t)
	if err != nil {
		return "", false, fmt.Errorf("checkpointd address %q: expected host:port or http(s)://host:port", target)
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
	case "https":
		https = true
	default:
		return "", false, fmt.Errorf("checkpointd address %q: the scheme must be http or https, not %s", target, u.Scheme)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.User != nil {
		return "", false, fmt.Errorf("checkpointd address %q: expected http(s)://host:port, with nothing after the port", target)
	}
	port := u.Port()
	if port == "" {
		port = map[bool]string{false: "80", true: "443"}[https]
	}
	hostPort, _, err = checkHostPort(target, u.Hostname(), port)
	return hostPort, https, err
}

func checkHostPort(target, host, port string) (string, bool, error) {
	if host == "" {
		return "", false, fmt.Errorf("checkpointd address %q: the host is missing", target)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", false, fmt.Errorf("checkpointd address %q: %q is not a port", target, port)
	}
	return net.JoinHostPort(host, port), false, nil
}
