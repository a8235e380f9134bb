#!/usr/bin/env bash
# Creates .venv at the repository root (once) and installs, pinned, what buf generate's Python
# plugin needs (grpcio-tools). Idempotent: re-running only installs what changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r clients/python/tools/requirements-codegen.txt
