#!/usr/bin/env bash
# HTTP performance of a release `fonds serve` on loopback with the demo
# records, loaded by wrk (Debian's package). Not part of the tests.
#
#   bench/http.sh [SECONDS] [PART...]      (default 15 s per run; every part)
#
# Parts:
#   closed   wrk -c32 flat out on four addresses: requests/s and latency of a
#            record page, a search page, the search API, a cited record page.
#   rates    the fixed-rate mixed run (issue 20): 256 connections, one
#            request in eight an OAI-PMH ListRecords page, the rest record
#            pages, searches, the search API and browse pages, at arrival
#            rates from 1,500 to 4,500 requests/s (bench/wrk/mixed.lua paces
#            each connection, so the rate is the load's, not the server's
#            queue's). Prints each rate's p50/p99 and errors, and the highest
#            rate whose p99 stays within 50 ms with no error.
#   harvest  a harvest flat out (16 connections on ListRecords pages) alone,
#            then beside pages and searches at 1,000 requests/s: the pages'
#            p99 and the harvest's pages/s and refusals.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}; shift || true
parts=("$@"); [ ${#parts[@]} -gt 0 ] || parts=(closed rates harvest)
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
echo "server: $base (pid $server), $(nproc) cores, wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"

# The addresses the mixed runs draw from: every record page (from the
# sitemap), searches and API searches for words of the demo's texts, the
# browse pages, and every page of an OAI-PMH ListRecords harvest.
paths=$work/paths.lua
{
  echo "return {pages = {"
  curl -sf "$base/sitemap.xml" | grep -o "<loc>[^<]*/records/[^<]*</loc>" \
    | sed -e 's#<loc>[a-z]*://[^/]*##' -e 's#</loc>##' -e 's/.*/  "&",/'
  for q in Khrushchev Cuba Stalin Korea missile Berlin treaty nuclear Kennedy \
           Castro Moscow "Kim Il Sung" armistice Laos "United Nations" 金日成; do
    enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$q")
    echo "  \"/search?q=$enc\", \"/api/v1/search?q=$enc\", \"/search?q=$enc&year=1962\","
  done
  for p in / /browse /people /places /subjects /collections /arrangement; do echo "  \"$p\","; done
  echo "}, oai = {"
  next="/oai?verb=ListRecords&metadataPrefix=oai_dc"
  while [ -n "$next" ]; do
    echo "  \"$next\","
    token=$(curl -sf "$base$next" | grep -o '<resumptionToken[^>]*>[^<]*<' | sed -e 's/.*>//' -e 's/<$//' || true)
    next=""; [ -n "$token" ] && next="/oai?verb=ListRecords&resumptionToken=$token"
  done
  echo "}}"
} >"$paths"
echo "mix: $(grep -c '"/records/' "$paths") record pages, $(grep -c 'search?q=' "$paths") searches, $(grep -c '"/oai' "$paths") OAI pages"
# Warm every address once (citations, caches).
grep -o '"/[^"]*"' "$paths" | tr -d '"' | while read -r p; do curl -s -o /dev/null "$base$p"; done

# One wrk run's figures: requests/s, p50 and p99 (ms), errors (non-2xx,
# socket errors).
summary() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /Non-2xx/ { bad += $NF }
    /Socket errors/ { gsub(",", ""); bad += $4 + $6 + $8 + $10 }
    END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, bad }'
}

for part in "${parts[@]}"; do case $part in
closed)
  echo "== closed loop: wrk -t2 -c32 -d${secs}s, one address each"
  echo "| address | requests/s | p50 ms | p99 ms | errors |"; echo "|---|---:|---:|---:|---:|"
  for path in "/records/208261" "/search?q=Khrushchev" "/api/v1/search?q=Khrushchev" "/search?q=Cuba&year=1962"; do
    read -r rps p50 p99 bad < <(wrk -t2 -c32 -d"${secs}s" --latency "$base$path" | summary)
    echo "| \`$path\` | $rps | $p50 | $p99 | $bad |"
  done ;;
rates)
  echo "== fixed-rate mixed run: 256 connections, 1 in 8 an OAI list page, ${secs}s per rate"
  echo "| asked req/s | served req/s | p50 ms | p99 ms | errors |"; echo "|---:|---:|---:|---:|---:|"
  best=0
  for rate in ${RATES:-1500 2000 2500 3000 3500 4000 4500}; do
    read -r rps p50 p99 bad < <(RATE=$rate CONNS=256 OAI_SHARE=0.125 PATHS=$paths \
      wrk -t2 -c256 -d"${secs}s" --latency -s bench/wrk/mixed.lua "$base" | summary)
    echo "| $rate | $rps | $p50 | $p99 | $bad |"
    if [ "$bad" = 0 ] && awk "BEGIN { exit !($p99 <= 50) }"; then best=$rate; fi
  done
  echo "highest rate with p99 <= 50 ms and no error: $best requests/s" ;;
harvest)
  echo "== a harvest flat out (wrk -t1 -c16 on ListRecords pages), ${secs}s"
  read -r solo _ hp99 hbad < <(PATHS=$paths wrk -t1 -c16 -d"${secs}s" --latency -s bench/wrk/harvest.lua "$base" | summary)
  echo "harvest alone: $solo pages/s, p99 $hp99 ms, $hbad refused or failed"
  PATHS=$paths wrk -t1 -c16 -d"$((secs + 2))s" --latency -s bench/wrk/harvest.lua "$base" >"$work/harvest" &
  harvester=$!
  sleep 1
  read -r rps p50 p99 bad < <(RATE=1000 CONNS=128 OAI_SHARE=0 PATHS=$paths \
    wrk -t1 -c128 -d"${secs}s" --latency -s bench/wrk/mixed.lua "$base" | summary)
  wait "$harvester"
  read -r hrps _ hp99 hbad < <(summary <"$work/harvest")
  echo "beside it, pages and searches at 1000/s: $rps served, p50 $p50 ms, p99 $p99 ms, $bad errors"
  echo "the harvest meanwhile: $hrps pages/s ($(awk "BEGIN { printf \"%.2f\", $hrps / $solo }")x alone), p99 $hp99 ms, $hbad refused or failed" ;;
*) echo "unknown part: $part (closed, rates, harvest)" >&2; exit 2 ;;
esac; done
echo "resident memory of the server: $(ps -o rss= -p "$server") KB"
