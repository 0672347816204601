#!/usr/bin/env bash
# The soak of issue 19: a release `fonds serve` over the demo records (and
# the whole shared corpus when ../shared/corpus exists), loaded at a fixed
# 200 requests/s for 30 minutes by examples/soak.rs (record pages, search
# pages and API, OAI-PMH ListRecords pages, browse, the public dump), while
# the server's resident memory is sampled. Prints errors, latencies after
# the warm-up and memory growth. Not part of the tests.
#
#   bench/soak.sh [MINUTES] [RATE] [WARMUP_MINUTES]     (default 30 200 5)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
rate=${2:-200}
warmup=${3:-5}
cargo build --release --locked --bin fonds --example soak
bin=target/release/fonds
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
"$bin" --data "$work/data" import demo/wilson demo/frus >/dev/null
if [ -d ../shared/corpus ]; then
  "$bin" --data "$work/data" import ../shared/corpus >/dev/null
fi
"$bin" --data "$work/data" serve --listen 127.0.0.1:0 >"$work/out" 2>"$work/err" &
server=$!
for _ in $(seq 300); do grep -q serving "$work/out" 2>/dev/null && break; sleep 0.1; done
base=$(grep -o 'http://[^ ]*' "$work/out" | head -1); base=${base%/}
echo "server: $(grep serving "$work/out")"
target/release/examples/soak "$base" "$server" --rate "$rate" --minutes "$minutes" --warmup "$warmup"
