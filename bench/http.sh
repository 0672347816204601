#!/usr/bin/env bash
# HTTP throughput of the reading room: a release `fonds serve` on loopback
# with the demo records, loaded by wrk (Debian's package) at 32 connections.
# Prints requests/s and latency percentiles for a record page, a search
# page, the search API and a cited record page. Not part of the tests.
#
#   bench/http.sh [SECONDS]      (default 15 per address)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked --bin fonds
bin=target/release/fonds
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
"$bin" --data "$work/data" import demo/wilson demo/frus 2>/dev/null
"$bin" --data "$work/data" serve --listen 127.0.0.1:0 >"$work/out" 2>"$work/err" &
server=$!
for _ in $(seq 100); do grep -q serving "$work/out" 2>/dev/null && break; sleep 0.1; done
base=$(grep -o 'http://[^ ]*' "$work/out" | head -1); base=${base%/}
echo "server: $base (pid $server), wrk -t2 -c32 -d${secs}s --latency"
for path in "/records/208261" "/search?q=Khrushchev" "/api/v1/search?q=Khrushchev" "/search?q=Cuba&year=1962"; do
  curl -sf -o /dev/null "$base$path"   # warm (citations, caches)
  echo "== $path"
  wrk -t2 -c32 -d"${secs}s" --latency "$base$path" | grep -E "Requests/sec|Latency  |  50%|  99%|Non-2xx"
done
echo "resident memory of the server: $(ps -o rss= -p "$server") KB"
