#!/usr/bin/env bash
# Creates .venv at the repository root (once) and installs, pinned, what buf generate's Python
# plugin needs (grpcio-tools). With --test it also installs the Python package from
# clients/python (not editable: what `pip install ./clients/python` gives a user) with its test
# extra, pinned by clients/python/constraints-test.txt. With --build it also installs, pinned, what
# `python -m build --no-isolation clients/python` needs (clients/python/tools/requirements-build.txt).
# Idempotent and quick on a re-run: each step is skipped while the files it depends on are unchanged.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

with_test=false
with_build=false
for arg in "$@"; do
  case "$arg" in
    --test) with_test=true ;;
    --build) with_build=true ;;
    *) echo "python-venv.sh: unknown argument $arg (expected --test or --build)" >&2; exit 2 ;;
  esac
done

pip=(.venv/bin/python -m pip --disable-pip-version-check --quiet)
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi

# A stamp holds the hash of what a step installed from; the step runs again when it changes.
fingerprint() {
  { .venv/bin/python --version; cat "$@"; } | sha256sum | cut -d' ' -f1
}
up_to_date() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

codegen_stamp=.venv/.stamp-codegen
codegen_hash="$(fingerprint clients/python/tools/requirements-codegen.txt)"
if ! up_to_date "$codegen_stamp" "$codegen_hash"; then
  "${pip[@]}" install -r clients/python/tools/requirements-codegen.txt
  echo "$codegen_hash" >"$codegen_stamp"
fi

if [ "$with_build" = true ]; then
  build_stamp=.venv/.stamp-build
  build_hash="$(fingerprint clients/python/tools/requirements-build.txt)"
  if ! up_to_date "$build_stamp" "$build_hash"; then
    "${pip[@]}" install -r clients/python/tools/requirements-build.txt
    echo "$build_hash" >"$build_stamp"
  fi
fi

if [ "$with_test" = true ]; then
  test_stamp=.venv/.stamp-checkpointd-test
  # Everything the installed package is built from: the metadata, the pins and the sources (gen/ too).
  mapfile -t sources < <(find clients/python/pyproject.toml clients/python/README.md clients/python/constraints-test.txt \
    clients/python/src clients/python/gen -type f ! -name '*.pyc' | LC_ALL=C sort)
  test_hash="$(fingerprint "${sources[@]}")"
  if ! up_to_date "$test_stamp" "$test_hash"; then
    # A stale build/ would put files that no longer exist into the wheel.
    rm -rf clients/python/build
    "${pip[@]}" install -c clients/python/constraints-test.txt setuptools
    # No build isolation: the build uses the pinned setuptools above instead of fetching one.
    "${pip[@]}" install --no-build-isolation -c clients/python/constraints-test.txt "./clients/python[test]"
    rm -rf clients/python/build clients/python/checkpointd.egg-info
    echo "$test_hash" >"$test_stamp"
  fi
fi
