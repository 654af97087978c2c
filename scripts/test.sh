#!/usr/bin/env bash
# Runs every test file under test/ (or those whose path matches $1) with Node's test runner.
# Tests that need qjs run the real bundle in dist/ under .tools/bin/qjs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/bin:$PATH"
export TZ=UTC
pattern="${1:-}"
mapfile -t files < <(find test -name '*.test.ts' | sort | grep -- "${pattern}" || true)
if [ ${#files[@]} -eq 0 ]; then echo "no test files match '${pattern}'" >&2; exit 1; fi
exec node --import tsx --test --test-concurrency=2 --test-reporter=spec "${files[@]}"
