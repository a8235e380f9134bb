#!/usr/bin/env bash
# Makes sure the programs `pnpm test` needs besides Node are present, installing what it can:
# grpcurl (the README's recipes are run as written) with `go install`, and redis-server and
# pgbouncer (tests start their own) with apt-get when running as root on Debian/Ubuntu. Anything it cannot
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

apt_updated=false
# apt_install PACKAGE HINT: installs a Debian package when running as root with apt-get, else stops
# with HINT. The package's init script is kept from starting a system service: tests start their own.
apt_install() {
  local package=$1 hint=$2
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    missing "$package is missing: install it ($hint)"
  fi
  echo "test-prerequisites: installing $package (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  local policy_rc=/usr/sbin/policy-rc.d added_policy=false
  if [ ! -e "$policy_rc" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy_rc"
    chmod +x "$policy_rc"
    added_policy=true
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  if [ "$apt_updated" = false ]; then
    apt-get update
    apt_updated=true
  fi
  apt-get install -y --no-install-recommends "$package"
  if [ "$added_policy" = true ]; then
    rm -f "$policy_rc"
    trap - EXIT
  fi
}

# redis-server (and redis-cli, from the same package, for the Redis Cluster tests).
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  apt_install redis-server "Debian/Ubuntu: \`sudo apt-get install redis-server\`; macOS: \`brew install redis\`"
fi
echo "redis-server: $(redis-server --version)"

# pgbouncer: the tests of PostgreSQL behind a transaction-mode pooler start their own.
if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
  apt_install pgbouncer "Debian/Ubuntu: \`sudo apt-get install pgbouncer\`; macOS: \`brew install pgbouncer\`"
fi
echo "pgbouncer: $(PATH="$PATH:/usr/sbin" pgbouncer --version | head -1)"
