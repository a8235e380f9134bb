#!/usr/bin/env bash
# The repository's .venv with what the Python graph bench needs: the checkpointd package and its
# pins (scripts/python-venv.sh --test), then bench/graph/requirements-bench.txt under the same
# constraints. Quick on a re-run: skipped while the requirements are unchanged.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bash scripts/python-venv.sh --test >&2
stamp=.venv/.stamp-bench-graph
hash="$({ .venv/bin/python --version; cat bench/graph/requirements-bench.txt clients/python/constraints-test.txt; } | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
  .venv/bin/python -m pip --disable-pip-version-check --quiet install -c clients/python/constraints-test.txt \
    -r bench/graph/requirements-bench.txt >&2
  echo "$hash" >"$stamp"
fi
