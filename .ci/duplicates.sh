#!/usr/bin/env bash
# Fails when `duplicates` (the workplace's duplicate finder) reports a pair of
# places in src/ that is not in .ci/duplicates-accepted.txt. Each accepted
# pair names its two files and why the shared shape is not one rule written
# twice. Run by .ci/run; skipped with a note where the tool is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v duplicates >/dev/null; then
  echo "== duplicates: the tool is not installed here; check skipped"
  exit 0
fi
report=$(duplicates --repo src --most 200 --seconds 120)
echo "$report" | head -1
if echo "$report" | grep -q '^incomplete:'; then
  echo "$report" | grep '^incomplete:'
  exit 1
fi
accepted=$(grep -v '^#' .ci/duplicates-accepted.txt | grep -v '^\s*$' | sed 's/ *|.*//' || true)
fail=0
while read -r id a _ b _; do
  [[ "$id" =~ ^D[0-9]+$ ]] || continue
  fa=${a%%:*}; fb=${b%%:*}
  if ! grep -qxF "$fa ~ $fb" <<<"$accepted" && ! grep -qxF "$fb ~ $fa" <<<"$accepted"; then
    echo "not accepted: $id $a ~ $b"
    fail=1
  fi
done <<<"$report"
if [ "$fail" -ne 0 ]; then
  echo "== duplicates: give the shared logic one home, or add the pair with its reason to .ci/duplicates-accepted.txt"
  exit 1
fi
echo "== duplicates: every reported pair is an accepted one"
