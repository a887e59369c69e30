#!/usr/bin/env bash
# The test command: type-check, then the whole suite against DATABASE_URL
# (unset: a fresh SQLite file per test file; postgres://…: a fresh schema per test file).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
# The LDAP tests start their own OpenLDAP server: Debian's slapd and ldap-utils.
if [ ! -x /usr/sbin/slapd ] || [ ! -x /usr/sbin/slapadd ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing slapd and ldap-utils (needed by the LDAP tests)" >&2
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils
  else
    echo "the LDAP tests need Debian's slapd and ldap-utils: run as root (this script installs them) or: apt-get install -y slapd ldap-utils" >&2
    exit 1
  fi
fi
# The console tests drive Debian's Chromium (playwright-core, executablePath /usr/bin/chromium).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing chromium (needed by the console tests)" >&2
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
  else
    echo "the console tests need Debian's chromium (/usr/bin/chromium): run as root (this script installs it) or: apt-get install -y chromium" >&2
    exit 1
  fi
fi
npx tsc --noEmit -p .
# Lint (biome.json, formatter off): any finding — error, warning or info — fails the test command.
lint_out=$(npx biome lint --error-on-warnings --max-diagnostics=none 2>&1) || { printf '%s\n' "$lint_out" >&2; exit 1; }
if grep -q '^Found ' <<<"$lint_out"; then printf '%s\n' "$lint_out" >&2; echo "biome lint: the findings above must be fixed (the test command allows none)" >&2; exit 1; fi
# With arguments, only those test files; without, the whole suite.
if [ "$#" -gt 0 ]; then npx mocha "$@"; else npx mocha --recursive "test/**/*.test.ts"; fi
