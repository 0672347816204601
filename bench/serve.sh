#!/usr/bin/env bash
# Start-up time and resident memory of `fonds serve` on a benchmark archive
# (by default the million-record one that `bench/run.sh 1m` builds and that
# `cargo bench --bench search -- … --reuse` keeps): time from start to
# "serving", then the resident memory at start and after every query of the
# mix (as the search API and the search page) and 429 record pages.
# Not part of the tests.
#
#   bench/serve.sh [DATA_DIR] [QUERIES_JSON]
#
# Keep the archive: bench/run.sh deletes its scratch archives once measured,
# so build one with `cargo bench --bench search -- DOCS QUERIES WORK RESULTS
# --engines fonds` and point DATA_DIR at WORK/fonds.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${BENCH_WORK:-/tmp/fonds-bench}
data=${1:-$work/w-1m/fonds}
queries=${2:-$work/queries.json}
[ -d "$data" ] || { echo "no archive in $data" >&2; exit 2; }
cargo build --release --locked --bin fonds
out=$(mktemp)
start=$(date +%s.%N)
target/release/fonds --data "$data" serve --listen 127.0.0.1:0 >"$out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 3000); do grep -q serving "$out" && break; sleep 0.01; done
ready=$(date +%s.%N)
base=$(grep -o 'http://[^ ]*' "$out" | head -1); base=${base%/}
mem() { grep -E "^(VmRSS|RssAnon|RssFile)" /proc/$pid/status | tr -s ' \t\n' ' '; echo; }
echo "ready after $(echo "$ready - $start" | bc) s: $(grep serving "$out")"
echo "at start: $(mem)"
python3 - "$base" "$queries" <<'PY'
import json, sys, time, urllib.parse, urllib.request
base, path = sys.argv[1], sys.argv[2]
qs = json.load(open(path))
qs = qs["queries"] if isinstance(qs, dict) else qs
t, n = time.time(), 0
for q in qs:
    s = " ".join(q["terms"])
    if q["mode"] == "phrase":
        s = f'"{s}"'
    if q.get("date"):
        s += f' date:{q["date"][0][:4]}..{q["date"][1][:4]}'
    for page in ("/api/v1/search?q=", "/search?q="):
        urllib.request.urlopen(base + page + urllib.parse.quote(s)).read()
        n += 1
hits = json.load(urllib.request.urlopen(base + "/api/v1/search?q=*&limit=1"))
total = hits["total"]
for i in range(429):
    # Record identifiers of the synthetic archive: syn-0000000 …
    urllib.request.urlopen(f"{base}/records/syn-{(i * 2_331) % total:07d}").read()
print(f"{n} searches and 429 record pages in {time.time() - t:.1f} s")
PY
echo "after: $(mem)"
