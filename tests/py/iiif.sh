#!/usr/bin/env bash
# IIIF against the official and community validators, on a real `fonds serve`:
# - the official IIIF Image API validator (`iiif-validator` on PyPI, script
#   iiif-validate.py) on the validator's own test image, served as page 1 of
#   the seed, at level 1 and at level 2 (what info.json claims);
# - every manifest and collection through the IIIF Presentation 3 JSON Schema
#   (../shared/tools/iiif-validate) and iiif-prezi3, and the fields viewers
#   read (tests/py/test_iiif.py).
# Self-contained: a data folder of its own under a temporary directory, the
# server on a free loopback port, killed on exit. Needs the network only for
# pip. Uses $FONDS_BIN, else target/debug/fonds, else target/release/fonds,
# building the debug binary if neither exists; the venv is target/py-venv
# (shared with tests/py/run.sh). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

shared=../shared
test_image=$shared/tools/iiif-image-test/67352ccc-d1b0-11e1-89ae-279075081939.png
schema_tool=$shared/tools/iiif-validate
for needed in "$test_image" "$schema_tool"; do
  [ -e "$needed" ] || { echo "iiif.sh: $needed is missing (see ../shared/tools/README.md)"; exit 1; }
done

. tests/py/common.sh
find_fonds

python_venv 'iiif-validator>=1.0.5' 'iiif-prezi3>=2' 'jsonschema>=4' 'pillow>=9' 'pytest>=8'

temp_work
data=$work/data
fonds() { "$bin" --data "$data" "$@"; }

# The seed and a FRUS volume; then, through the dump format, a rights URI
# for the seed and a draft among the FRUS documents.
fonds import demo/wilson/208261.md demo/frus/frus1961-63v06.xml
rights=http://rightsstatements.org/vocab/NoC-US/1.0/
draft=frus1961-63v06d13
fonds export 208261 "$draft" >"$work/export.jsonl"
"$venv/bin/python" - "$work/export.jsonl" "$work/changed.jsonl" "$rights" "$draft" <<'PY'
import json, sys
source, target, rights, draft = sys.argv[1:]
lines = open(source, encoding="utf-8").read().splitlines()
records = [json.loads(line) for line in lines[1:]]
for r in records:
    if r["id"] == "208261":
        r["rights_uri"] = rights
    if r["id"] == draft:
        r["visibility"] = {"status": "draft"}
with open(target, "w", encoding="utf-8") as out:
    out.write(lines[0] + "\n")
    for r in records:
        out.write(json.dumps(r, ensure_ascii=False) + "\n")
PY
fonds import "$work/changed.jsonl"

# The validator's test image as page 1 of the seed; a two-page scan (PNG and
# JPEG) for a FRUS document of a collection; a page for the draft.
"$venv/bin/python" - "$work" <<'PY'
import sys
from PIL import Image, ImageDraw
work = sys.argv[1]
for name, (w, h), band in [("p1.png", (1400, 1800), (170, 30, 30)),
                           ("p2.jpg", (900, 1200), (30, 30, 170)),
                           ("draft.jpg", (600, 800), (30, 140, 30))]:
    image = Image.new("RGB", (w, h), (250, 248, 240))
    ImageDraw.Draw(image).rectangle([0, 0, w, h // 4], fill=band)
    image.save(f"{work}/{name}")
PY
fonds attach 208261 "$test_image"
fonds attach frus1961-63v06d12 "$work/p1.png" "$work/p2.jpg" --label page
fonds attach "$draft" "$work/draft.jpg"

# The binary itself in the background (not the function: $! must be the
# server's own process, so that the trap's kill reaches it).
"$bin" --data "$data" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
pids+=("$server")
wait_for_base "$work/serve.out" "$work/serve.err"
hostport=${base#http://}

# The official Image API validator, level 1 then level 2 (info.json claims
# level 2). It writes nothing but its report; run it in the work folder.
for level in 1 2; do
  echo "== IIIF Image API validator, level $level"
  (cd "$work" && "$root/$venv/bin/iiif-validate.py" -s "$hostport" -p iiif/208261 -i 1 \
    --version=3.0 --level "$level") >"$work/image-$level.log" 2>&1 || {
    grep -v ' PASS$' "$work/image-$level.log"
    echo "iiif.sh: the Image API validator failed at level $level"
    exit 1
  }
  tail -1 "$work/image-$level.log"
done

echo "== IIIF Presentation 3: schema, iiif-prezi3, viewers' fields"
FONDS_IIIF_BASE="$base" \
  FONDS_IIIF_RECORDS="208261:1 frus1961-63v06d12:2" \
  FONDS_IIIF_IN_COLLECTIONS="frus1961-63v06d12" \
  FONDS_IIIF_RIGHTS="208261=$rights" \
  FONDS_IIIF_DRAFT="$draft" \
  FONDS_IIIF_VALIDATE="$schema_tool" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/py/test_iiif.py
