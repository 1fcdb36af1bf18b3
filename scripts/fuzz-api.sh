#!/usr/bin/env bash
# Fuzz the whole JSON API with schemathesis against a served small demo city, within a time budget.
# Fails on any 5xx, a response that breaks its declared schema, an undocumented status code or media type.
# Usage: scripts/fuzz-api.sh [seconds per phase budget, default 90]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
BUDGET=${1:-${FUZZ_SECONDS:-90}}
PORT=${FUZZ_PORT:-8765}
WORK=$(mktemp -d)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

"$BIN/gridloop" demo --db "$WORK/fuzz.db" --cases 40 --cells 0 >"$WORK/demo.log" 2>&1
TOKEN=$("$BIN/gridloop" token create --user admin --db "$WORK/fuzz.db")
GRIDLOOP_TRIAGE_ENABLED=false "$BIN/gridloop" serve --db "$WORK/fuzz.db" --port "$PORT" --no-supervision \
  >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done

status=0
"$BIN/st" run "http://127.0.0.1:$PORT/openapi.json" \
  -H "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --max-time "$BUDGET" --max-examples 25 --seed 2026 --no-color --workers 1 \
  --report-junit-path "$WORK/junit.xml" >"$WORK/st.log" 2>&1 || status=$?
sed -n "/SUMMARY/,\$p" "$WORK/st.log"; [ -n "${FUZZ_LOG:-}" ] && cp "$WORK/st.log" "$FUZZ_LOG"
generated=$(grep -oE '[0-9]+ generated' "$WORK/st.log" | tail -1 | cut -d' ' -f1)
server_errors=$(grep -c "Server error" "$WORK/st.log" || true)
echo "fuzz: ${generated:-0} requests generated, server errors reported: $server_errors, exit $status"
if [ "$status" -ne 0 ]; then
  sed -n '/FAILURES/,/SUMMARY/p' "$WORK/st.log" | head -150
fi
exit "$status"
