#!/usr/bin/env bash
# Makes sure the programs `pnpm test` needs besides Node are present, installing what it can:
# grpcurl (the README's recipes are run as written) with `go install`, and redis-server (tests
# start their own) and chromium (the web inspector's browser tests) with apt-get when running as root on Debian/Ubuntu. Anything it cannot
# install stops it at once with one line saying what to install. Run first by the root
# `pnpm test` and by .ci/run.
set -euo pipefail

GRPCURL_MODULE=github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.3

missing() {
  echo "test-prerequisites: $*" >&2
  exit 1
}

# grpcurl: on PATH, or in Go's bin directory (where the tests also look for it).
grpcurl_bin="$(command -v grpcurl || true)"
if [ -z "$grpcurl_bin" ] && command -v go >/dev/null 2>&1; then
  go_bin="$(go env GOPATH)/bin"
  if [ ! -x "$go_bin/grpcurl" ]; then
    echo "test-prerequisites: installing grpcurl (go install $GRPCURL_MODULE)"
    go install "$GRPCURL_MODULE"
  fi
  grpcurl_bin="$go_bin/grpcurl"
fi
[ -n "$grpcurl_bin" ] || missing "grpcurl is missing: install Go (then this script runs \`go install $GRPCURL_MODULE\`) or put grpcurl on PATH"
echo "grpcurl: $("$grpcurl_bin" -version 2>&1)"

# redis-server (and redis-cli, from the same package, for the Redis Cluster tests).
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    missing "redis-server is missing: install it (Debian/Ubuntu: \`sudo apt-get install redis-server\`; macOS: \`brew install redis\`)"
  fi
  echo "test-prerequisites: installing redis-server (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  # Keep the package's init script from starting a system Redis: tests start their own.
  policy_rc=/usr/sbin/policy-rc.d
  added_policy=false
  if [ ! -e "$policy_rc" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy_rc"
    chmod +x "$policy_rc"
    added_policy=true
    trap 'rm -f "$policy_rc"' EXIT
  fi
  apt-get update
  apt-get install -y --no-install-recommends redis-server
  if [ "$added_policy" = true ]; then
    rm -f "$policy_rc"
    trap - EXIT
  fi
fi
echo "redis-server: $(redis-server --version)"

# chromium (Debian's; the web inspector's browser tests drive it headless through puppeteer-core,
# which downloads nothing). CHROMIUM_PATH may name another build instead.
if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    missing "chromium is missing: install it (Debian/Ubuntu: \`sudo apt-get install chromium\`) or set CHROMIUM_PATH"
  fi
  echo "test-prerequisites: installing chromium (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends chromium
fi
echo "chromium: $("${CHROMIUM_PATH:-chromium}" --version 2>/dev/null | head -n 1)"
