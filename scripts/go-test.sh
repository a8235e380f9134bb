#!/usr/bin/env bash
# Vets, builds and tests the Go module in clients/go. The integration tests start a throwaway
# PostgreSQL + Redis + checkpointd stack with packages/test-support's checkpointd-test-stack
# (run `pnpm run build` first), or use the server at $CHECKPOINTD_ADDRESS when it is set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../clients/go"
go vet ./...
go build ./...
go test ./... -count=1
