#!/usr/bin/env bash
# The JSON API against its own OpenAPI document: Schemathesis (PyPI) reads
# /api/v1/openapi.json from a running `fonds serve` and sends generated
# requests, schema-valid and schema-breaking, to every operation, with every
# check (`--checks all`): no 5xx, every status and header and body as the
# document says, every schema-breaking request refused (as the JSON error
# envelope), every schema-valid one taken. The writes are exercised with an
# editor's API token on a throwaway archive (the seed and a FRUS volume).
# Bounded: a few dozen examples per operation and a time limit, well under
# three minutes in all. Self-contained: a data folder of its own under a
# temporary directory, the server on a free loopback port, killed on exit.
# Needs the network only for pip. Uses $FONDS_BIN, else target/debug/fonds,
# else target/release/fonds, building the debug binary if neither exists;
# the venv is target/py-venv (shared with tests/py/run.sh). The random seed
# is 1, or $SCHEMATHESIS_SEED. Exits non-zero on any failure (with the
# server's log).
set -euo pipefail
cd "$(dirname "$0")/../.."

. tests/py/common.sh
find_fonds

python_venv 'schemathesis>=4,<5'

temp_work
data=$work/data
fonds() { "$bin" --data "$data" "$@"; }

fonds import demo/wilson/208261.md demo/frus >"$work/import.log" 2>&1 || {
  cat "$work/import.log"
  exit 1
}
printf '%s\n' 'schemathesis-password' | fonds user add schemathesis --role editor >/dev/null
token=$(fonds token create schemathesis --label schemathesis)

# The binary itself in the background (not the function: $! must be the
# server's own process, so that the trap's kill reaches it).
"$bin" --data "$data" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
wait_for_base "$work/serve.out" "$work/serve.err"

echo "== Schemathesis: $base/api/v1/openapi.json, every check"
# The document's paths are absolute (/api/v1/…): the base URL is the origin.
# Hypothesis keeps its notes under the work folder, not in the repository.
HYPOTHESIS_STORAGE_DIRECTORY="$work/hypothesis" \
  "$venv/bin/schemathesis" --no-color --config-file tests/py/schemathesis.toml \
  run "$base/api/v1/openapi.json" \
  --url "$base" \
  --checks all \
  --header "Authorization: Bearer $token" \
  --max-examples 30 \
  --max-time 75 \
  --seed "${SCHEMATHESIS_SEED:-1}" \
  --workers 1 \
  --request-timeout 20 \
  --generation-database none \
  --report-dir "$work/report" || {
  echo "schemathesis.sh: failures above; the server's log:"
  tail -50 "$work/serve.err"
  exit 1
}
