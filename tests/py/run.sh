#!/usr/bin/env bash
# Checks that `fonds cite` writes BibTeX and RIS that real parsers read (and
# BibTeX that pybtex's plain style renders, for every record), and
# that a real OAI-PMH harvester (sickle) harvests `fonds serve` whole, and
# that a feed reader's parser (feedparser) reads its Atom feeds:
# bibtexparser and rispy (PyPI) in a virtual environment under target/, on
# the seed and a FRUS document. Self-contained: .ci/run calls it after the
# cargo tests. Uses $FONDS_BIN, else target/debug/fonds (the one .ci/run
# builds), else target/release/fonds, building the debug binary if neither
# exists.
set -euo pipefail
cd "$(dirname "$0")/../.."

. tests/py/common.sh
find_fonds

python_venv 'bibtexparser>=1.4,<2' 'rispy>=0.9' 'pytest>=8' 'sickle>=0.7' 'pybtex>=0.24' 'feedparser>=6.0'

temp_work
mkdir -p "$work/out"
"$bin" --data "$work/data" import demo/wilson/208261.md demo/frus/frus1961-63v06.xml
for id in 208261 frus1961-63v06d12; do
  "$bin" --data "$work/data" cite "$id" --style bibtex >"$work/out/$id.bib"
  "$bin" --data "$work/data" cite "$id" --style ris >"$work/out/$id.ris"
  "$bin" --data "$work/data" cite "$id" --style csl-json >"$work/out/$id.json"
done
"$bin" --data "$work/data" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
pids+=("$server")
wait_for_base "$work/serve.out" "$work/serve.err"

# Every record's BibTeX, for pybtex's plain style: from the server's unAPI
# (the same citable view and writer as `fonds cite`, as Zotero asks for it),
# one request per record, rather than a process per record.
"$bin" --data "$work/data" export | tail -n +2 | python3 -c '
import json, sys
for line in sys.stdin:
    print(json.loads(line)["id"])' >"$work/out/all.ids"
python3 - "$base" "$work/out/all.ids" >"$work/out/all.curl" <<'PY'
import sys, urllib.parse
for line in open(sys.argv[2], encoding="utf-8"):
    id = urllib.parse.quote(line.strip(), safe="")
    print(f'url = "{sys.argv[1]}/unapi?format=bibtex&id={id}"')
PY
curl -sS --fail-with-body --config "$work/out/all.curl" >"$work/out/all.bib"

FONDS_CITE_OUT="$work/out" "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/py/test_cite_parsers.py

# A real OAI-PMH harvester over HTTP: sickle harvests a running fonds serve.
"$bin" --data "$work/data" export | tail -n +2 | python3 -c '
import json, sys
for line in sys.stdin:
    print(json.loads(line)["id"])' >"$work/published"
FONDS_OAI_URL="$base/oai" FONDS_PUBLISHED="$work/published" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/py/test_oai_harvest.py
# A feed reader's parser (feedparser) reads the archive's and a collection's Atom feeds.
"$bin" --data "$work/data" export >"$work/export.jsonl"
FONDS_SERVER="$base" FONDS_EXPORT="$work/export.jsonl" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/py/test_feed.py
FONDS_BIN="$bin" tests/py/iiif.sh # IIIF: the Image API validator, the Presentation 3 schema, iiif-prezi3
FONDS_BIN="$bin" tests/py/zotero.sh # Zotero's own translation-server reads the seed and a FRUS page
# Schemathesis (the JSON API against its own OpenAPI document, every check)
# and Lighthouse (home, search, record pages with and without a scan) want
# the machine to themselves: Schemathesis draws as many cases as its 75 s
# allow (2,819 alone, 743 beside the cargo tests), and Lighthouse scores the
# pages' performance. Skipped with FONDS_SKIP_ALONE=1: .ci/run runs this
# script beside the cargo tests, and those two alone after them.
if [ "${FONDS_SKIP_ALONE:-}" != 1 ]; then
  FONDS_BIN="$bin" tests/py/schemathesis.sh
  FONDS_BIN="$bin" tests/py/lighthouse.sh
fi
