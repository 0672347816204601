#!/usr/bin/env bash
# Lighthouse (from npm) with Debian's Chromium on a real `fonds serve`, issue
# 16's third Must-show: the home page, a search, a record with a scan of its
# original (the seed, demo/wilson/208261.md, with a JPEG attached) and one
# without (a FRUS document) must score 100 in accessibility, best practices
# and SEO and at least 95 in performance, in Lighthouse's default (mobile,
# simulated throttling) configuration, and in its desktop preset too.
# Prints every page's scores; on a failure, the failing audits (id, title,
# what Lighthouse says) and exits non-zero.
# Self-contained: a data folder of its own under a temporary directory, the
# server on a free loopback port, killed on exit. Lighthouse is installed
# once into $LIGHTHOUSE_CACHE (default target/lighthouse) and reused. Needs
# Node.js >= 18.20 with npm and /usr/bin/chromium (.ci/run installs both).
# Uses $FONDS_BIN, else target/debug/fonds, else target/release/fonds,
# building the debug binary if neither exists.
# Usage: bash tests/py/lighthouse.sh [--mobile-only]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

presets="mobile desktop"
[ "${1:-}" = "--mobile-only" ] && presets="mobile"

for tool in node npm python3; do
  command -v "$tool" >/dev/null || { echo "lighthouse.sh: $tool is not installed"; exit 1; }
done
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
[ -x "$CHROME_PATH" ] || { echo "lighthouse.sh: $CHROME_PATH is missing (apt-get install chromium)"; exit 1; }

cache=${LIGHTHOUSE_CACHE:-$root/target/lighthouse}
lighthouse=$cache/node_modules/.bin/lighthouse
if [ ! -x "$lighthouse" ]; then
  echo "== installing lighthouse@12 from npm into $cache"
  mkdir -p "$cache"
  timeout 300 npm install --prefix "$cache" --no-audit --no-fund --loglevel=error lighthouse@12 >/dev/null
fi
echo "== $("$lighthouse" --version | sed 's/^/lighthouse /'), $("$CHROME_PATH" --version 2>/dev/null)"

. tests/py/common.sh
find_fonds

temp_work

# A scan for the seed: a JPEG drawn here with PIL (in the tests' venv), so
# the record page shows its zoomable viewer.
scan=$work/scan.jpg
python_venv 'pillow>=10'
"$venv/bin/python" - "$scan" <<'EOF'
import sys
from PIL import Image, ImageDraw
img = Image.new("RGB", (1200, 1600), "#f4ecd8")
draw = ImageDraw.Draw(img)
for y in range(200, 1400, 60):
    draw.rectangle((150, y, 1000 + (y * 7) % 50, y + 20), fill="#3b2f2f")
img.save(sys.argv[1], quality=85)
EOF

"$bin" --data "$work/data" import demo/wilson/208261.md demo/frus/frus1961-63v06.xml >/dev/null
"$bin" --data "$work/data" attach 208261 "$scan" >/dev/null
"$bin" --data "$work/data" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
pids+=("$server")
wait_for_base "$work/serve.out" "$work/serve.err"

pages=("/" "/search?q=Stalin" "/records/208261" "/records/frus1961-63v06d12")
mkdir -p "$work/reports"
n=0
for preset in $presets; do
  for page in "${pages[@]}"; do
    n=$((n + 1))
    extra=()
    [ "$preset" = desktop ] && extra=(--preset=desktop)
    # Each run is bounded: a hung Chromium fails the run instead of CI.
    timeout 90 "$lighthouse" "$base$page" --quiet "${extra[@]}" \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage" \
      --only-categories=performance,accessibility,best-practices,seo \
      --output=json --output-path="$work/reports/$n.json" ||
      { echo "lighthouse.sh: lighthouse failed on $page ($preset)"; exit 1; }
    printf '%s\t%s\t%s\n' "$preset" "$page" "$work/reports/$n.json" >>"$work/reports/index.tsv"
  done
done

python3 - "$work/reports/index.tsv" <<'EOF'
"""Each page's four scores; the failing audits of any page below target."""
import json
import sys

TARGET = {"performance": 0.95, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
failed = False
for line in open(sys.argv[1]):
    preset, page, path = line.rstrip("\n").split("\t")
    report = json.load(open(path))
    cats = report["categories"]
    scores = {k: cats[k]["score"] for k in TARGET}
    shown = "  ".join(
        f"{k} {'-' if v is None else round(v * 100)}" for k, v in scores.items()
    )
    print(f"{preset:8} {page:30} {shown}")
    low = [k for k, v in scores.items() if v is None or v < TARGET[k]]
    if report.get("runtimeError"):
        print(f"  runtime error: {report['runtimeError']}")
        failed = True
    for k in low:
        failed = True
        print(f"  {k} below {round(TARGET[k] * 100)}:")
        for ref in cats[k]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit["score"] is not None and audit["score"] < 1:
                why = audit.get("displayValue") or audit.get("explanation") or ""
                print(f"    {audit['id']} ({audit['score']}): {audit['title']} {why}".rstrip())
sys.exit(1 if failed else 0)
EOF
