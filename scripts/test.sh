#!/usr/bin/env bash
# The test command: type-check, then the whole suite against DATABASE_URL
# (unset: a fresh SQLite file per test file; postgres://…: a fresh schema per test file).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
npx tsc --noEmit -p .
npx mocha "$@"
