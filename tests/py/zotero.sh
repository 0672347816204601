#!/usr/bin/env bash
# What Zotero saves from a record page, with Zotero's own translation-server
# and web translators (../shared/tools/zotero-check, see
# ../shared/tools/README.md), on a real `fonds serve`:
# - the seed (demo/wilson/208261.md): a manuscript by Kim Il Sung as one name
#   (or family name Kim, given name Il Sung), translated by Gary Goldberg,
#   with the archive (RGASPI) and the location in it;
# - a FRUS document: a book section of its volume, with the volume's editors
#   as editors.
# Zotero reads the page through unAPI (the RIS record); the same checks run
# once more on copies of the two pages without the unAPI link, served as
# plain files, so that Zotero reads their meta tags (Embedded Metadata)
# instead: the item type and the names must come out right that way too.
# Self-contained: a data folder of its own under a temporary directory, the
# servers on free loopback ports, killed on exit. Needs Node.js >= 20.19 with
# npm; the translation-server's npm install is cached in $ZOTERO_CHECK_CACHE,
# by default target/zotero-check (so CI can keep it). Uses $FONDS_BIN, else
# target/debug/fonds, else target/release/fonds, building the debug binary
# if neither exists. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

check=../shared/tools/zotero-check
[ -x "$check" ] || { echo "zotero.sh: $check is missing (see ../shared/tools/README.md)"; exit 1; }
for tool in node npm curl python3; do
  command -v "$tool" >/dev/null || {
    echo "zotero.sh: $tool is not installed (zotero-check needs Node.js >= 20.19 with npm, and curl)"
    exit 1
  }
done
export ZOTERO_CHECK_CACHE=${ZOTERO_CHECK_CACHE:-$root/target/zotero-check}

. tests/py/common.sh
find_fonds

temp_work

"$bin" --data "$work/data" import demo/wilson/208261.md demo/frus/frus1961-63v06.xml
"$bin" --data "$work/data" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
wait_for_base "$work/serve.out" "$work/serve.err"

frus=frus1961-63v06d12
mkdir -p "$work/items" "$work/pages"
"$check" "$base/records/208261" >"$work/items/seed.unapi.json"
"$check" "$base/records/$frus" >"$work/items/frus.unapi.json"

# The same pages without the unAPI link: Zotero falls back on the meta tags.
for id in 208261 "$frus"; do
  curl -sSf "$base/records/$id" | grep -v 'rel="unapi-server"' >"$work/pages/$id.html"
done
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work/pages" >"$work/static.out" 2>&1 &
pids+=($!)
port=""
for _ in $(seq 100); do
  port=$(grep -o 'port [0-9]*' "$work/static.out" 2>/dev/null | grep -o '[0-9]*' || true)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "zotero.sh: the static server did not start:"; cat "$work/static.out"; exit 1; }
"$check" "http://127.0.0.1:$port/208261.html" >"$work/items/seed.meta.json"
"$check" "http://127.0.0.1:$port/$frus.html" >"$work/items/frus.meta.json"

python3 - "$work/items" <<'EOF'
"""The fields Zotero saved, as its items JSON gives them."""
import json
import pathlib
import sys

items = pathlib.Path(sys.argv[1])
failures = []


def check(what, ok, item):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what + "\n" + json.dumps(item, indent=2, ensure_ascii=False))


def name(creator):
    """A creator as (one name,) or (family, given)."""
    if "name" in creator:
        return (creator["name"],)
    if creator.get("fieldMode") == 1 or not creator.get("firstName"):
        return (creator["lastName"],)
    return (creator["lastName"], creator["firstName"])


def load(stem):
    found = json.loads((items / f"{stem}.json").read_text(encoding="utf-8"))
    # Notes come as items of their own, after the item they belong to.
    main = [i for i in found if i.get("itemType") not in ("note", "attachment")]
    assert len(main) == 1, found
    return main[0]


for via in ("unapi", "meta"):
    seed = load(f"seed.{via}")
    by = lambda kind: [name(c) for c in seed["creators"] if c["creatorType"] == kind]
    check(f"{via}: the seed is a manuscript or a letter",
          seed["itemType"] in ("manuscript", "letter"), seed)
    check(f"{via}: by Kim Il Sung, one name or family Kim and given Il Sung",
          by("author") in ([("Kim Il Sung",)], [("Kim", "Il Sung")]), seed)
    check(f"{via}: its title",
          seed.get("title", "").startswith("Telephone Message via VCh, Kim Il Sung"), seed)
    check(f"{via}: its date", seed.get("date", "").replace("/", "-") == "1948-09-22", seed)

    frus = load(f"frus.{via}")
    people = lambda kind: [name(c) for c in frus["creators"] if c["creatorType"] == kind]
    check(f"{via}: the FRUS document is a section of its volume",
          frus["itemType"] == "bookSection", frus)
    check(f"{via}: by Khrushchev, Nikita S.",
          people("author") == [("Khrushchev", "Nikita S.")], frus)
    check(f"{via}: the volume's editors are editors",
          people("editor") == [("Charles S. Sampson",), ("Glenn W. LaFantasie",)], frus)
    check(f"{via}: the volume",
          frus.get("bookTitle", "").startswith("Foreign Relations of the United States, 1961–1963"),
          frus)
    check(f"{via}: its page and publisher",
          frus.get("pages") == "17"
          and frus.get("publisher") == "United States Government Printing Office", frus)

# What only unAPI's RIS record carries (there are no meta tags for them).
seed = load("seed.unapi")
check("unapi: the translator is Gary Goldberg",
      [name(c) for c in seed["creators"] if c["creatorType"] == "translator"]
      == [("Gary Goldberg",)], seed)
check("unapi: the archive", seed.get("archive") == "RGASPI", seed)
check("unapi: the location in the archive",
      seed.get("archiveLocation") == "f. 558, op. 11, d. 109, ll. 0065–0067", seed)
check("unapi: the document type", seed.get("manuscriptType") == "telephone message", seed)
frus = load("frus.unapi")
check("unapi: the FRUS document's archive and location",
      frus.get("archive") == "Department of State"
      and frus.get("archiveLocation") == "Presidential Correspondence: Lot 66 D 204", frus)
check("unapi: the FRUS document's place of publication", frus.get("place") == "Washington", frus)

if failures:
    print("\nzotero.sh: Zotero did not read the pages right:\n\n" + "\n\n".join(failures))
    sys.exit(1)
print("zotero.sh: Zotero reads the seed and the FRUS document right")
EOF
