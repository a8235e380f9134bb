#!/usr/bin/env bash
# The Python client's tests (clients/python/tests) against a real PostgreSQL + Redis + checkpointd
# stack, which the tests start through packages/test-support's checkpointd-test-stack; the
# cross-language tests run Node scripts against packages/*/dist and grpcurl. So `pnpm run build`
# must have run first (`pnpm test` does it). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -f packages/test-support/dist/test-stack-main.js ]; then
  echo "python-test.sh: packages/test-support/dist is missing: run \`pnpm run build\` first" >&2
  exit 1
fi
if command -v go >/dev/null 2>&1; then
  PATH="$PATH:$(go env GOPATH)/bin" # grpcurl, as .ci/run installs it
fi
bash scripts/python-venv.sh --test
cd clients/python
exec ../../.venv/bin/python -m pytest "$@"
