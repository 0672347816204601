#!/usr/bin/env bash
# The search benchmark, one command:
#
#   bench/run.sh [100k|1m] [ENGINE...]        (default: 100k fonds tantivy sqlite postgres)
#
# Makes the synthetic documents and the query mix with the peers' own scripts
# (../shared/peers: scale_corpus.py, make_queries.py), so the figures compare
# with PRODUCT.md; builds and queries fonds and raw tantivy in one process
# (cargo bench --bench search), SQLite FTS5 and PostgreSQL with the peers'
# bench.py (run_all.sh); prints one table with each engine's ratio to fonds.
#
# Env: BENCH_WORK (scratch folder, default /tmp/fonds-bench; needs ~5 GB at
# 100k, ~45 GB at 1m), ROUNDS (default 5), BUDGET (seconds of timed rounds
# per engine, default 150). Not part of the tests.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PEERS=$(cd "$ROOT/../shared/peers" && pwd)
CORPUS=$(cd "$ROOT/../shared/corpus" && pwd)
SCALE=${1:-100k}; shift || true
ENGINES=("$@"); [ ${#ENGINES[@]} -gt 0 ] || ENGINES=(fonds tantivy sqlite postgres)
case $SCALE in 100k) N=100000 ;; 1m) N=1000000 ;; *) echo "scale: 100k or 1m" >&2; exit 2 ;; esac
WORK=${BENCH_WORK:-/tmp/fonds-bench}
ROUNDS=${ROUNDS:-5}; BUDGET=${BUDGET:-150}
RES=$WORK/results-$SCALE
mkdir -p "$WORK" "$RES"

DOCS=$WORK/docs-$SCALE.jsonl
QUERIES=$WORK/queries.json
[ -s "$DOCS" ] || python3 "$PEERS/scale_corpus.py" "$CORPUS" "$N" "$DOCS" --workers 2
[ -s "$QUERIES" ] || python3 "$PEERS/make_queries.py" "$CORPUS" "$QUERIES"

ours=(); theirs=()
for e in "${ENGINES[@]}"; do
  case $e in fonds|tantivy) ours+=("$e") ;; *) theirs+=("$e") ;; esac
done
if [ ${#ours[@]} -gt 0 ]; then
  (cd "$ROOT" && cargo bench --bench search -- "$DOCS" "$QUERIES" "$WORK/w-$SCALE" "$RES" \
     --engines "$(IFS=,; echo "${ours[*]}")" --rounds "$ROUNDS" --budget "$BUDGET")
  rm -rf "$WORK/w-$SCALE/fonds" "$WORK/w-$SCALE/tantivy-rs"   # keep the disk for the peers
fi
if [ ${#theirs[@]} -gt 0 ]; then
  if printf '%s\n' "${theirs[@]}" | grep -q postgres; then
    python3 -c "import psycopg" 2>/dev/null || pip install -q "psycopg[binary]"
    [ -x /usr/lib/postgresql/15/bin/postgres ] || { apt-get update -q && apt-get install -y -q postgresql-15; }
  fi
  ROUNDS=$ROUNDS BUDGET=$BUDGET bash "$PEERS/run_all.sh" "$DOCS" "$QUERIES" "$WORK/w-$SCALE" "$RES" "${theirs[@]}"
  rm -rf "$WORK/w-$SCALE"
fi
python3 "$HERE/report.py" "$SCALE=$RES"
