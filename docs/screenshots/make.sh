#!/usr/bin/env bash
# Regenerates the README's screenshots (docs/screenshots/*.png): the first
# screen of four record pages, as Debian's headless Chromium draws them at a
# small phone's width (320×800), a common phone's (390×844) and a desktop's
# (1280×800):
# - seed:   the seed, demo/wilson/208261.md (Russian original, English
#           translation);
# - korean: a Korean periodical's story with its (machine) translation;
# - frus:   a FRUS document (demo/frus);
# - speech: a presidential speech.
# The Korean periodicals and the speeches come from ../shared/corpus, which
# is not in the repository: their text is never committed, only these
# pictures of pages showing it.
# Self-contained: a data folder of its own under a temporary directory, the
# server on a free loopback port, killed on exit. Needs /usr/bin/chromium
# and a font with Hangul and Hanja (Debian: fonts-noto-cjk). Uses
# $FONDS_BIN, else target/debug/fonds, else target/release/fonds, building
# the debug binary if neither exists; Pillow (in target/py-venv) shrinks the
# images.
# Usage: bash docs/screenshots/make.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

out=docs/screenshots
corpus=../shared/corpus
chromium=${CHROME_PATH:-/usr/bin/chromium}
[ -d "$corpus" ] || { echo "make.sh: $corpus is missing (the Korean periodicals and speeches)"; exit 1; }
[ -x "$chromium" ] || { echo "make.sh: $chromium is missing (apt-get install chromium)"; exit 1; }
fc-list :lang=ko | grep -q . ||
  { echo "make.sh: no font with Hangul is installed (apt-get install fonts-noto-cjk)"; exit 1; }

. tests/py/common.sh
find_fonds
python_venv 'pillow>=10'

temp_work

"$bin" --data "$work/data" import demo/wilson/208261.md demo/frus \
  "$corpus/korean-periodicals-pgg" "$corpus/presidential-speeches"
"$bin" --data "$work/data" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
pids+=("$server")
wait_for_base "$work/serve.out" "$work/serve.err"

pages=(
  "seed 208261"
  "korean pgg-01-010"
  "frus frus1961-63v06d12"
  "speech 1962-10-22-address-buildup-arms-cuba"
)
sizes=(320x800 390x844 1280x800)
mkdir -p "$out"
for page in "${pages[@]}"; do
  read -r name id <<<"$page"
  for size in "${sizes[@]}"; do
    file=$out/$name-${size%x*}.png
    timeout 60 "$chromium" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
      --hide-scrollbars --no-first-run --disable-background-networking --disable-sync \
      --user-data-dir="$work/profile" --window-size="${size/x/,}" \
      --screenshot="$file" "$base/records/$id" >/dev/null 2>"$work/chromium.err" ||
      { echo "make.sh: chromium failed on $id at $size:"; cat "$work/chromium.err"; exit 1; }
  done
done

# 256 colours lose nothing visible on pages of text and halve the files.
"$venv/bin/python" - "$out" <<'EOF'
import pathlib
import sys
from PIL import Image

total = 0
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.png")):
    image = Image.open(path).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True
    )
    total += path.stat().st_size
    print(f"{path} {image.width}x{image.height} {path.stat().st_size // 1024} KB")
print(f"{total // 1024} KB in all")
EOF
