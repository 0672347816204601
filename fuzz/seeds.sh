#!/usr/bin/env bash
# Builds the seed inputs of every fuzz target into fuzz/seeds/TARGET/ (an
# ignored folder): from the repository's own files (the seed record, the
# FRUS TEI volume, the Wilson and manifest fixtures) and, when it exists,
# the shared corpus (../shared/corpus, or FONDS_CORPUS): its Korean
# periodicals and presidential speeches are read at run time, never
# committed. Usage: fuzz/seeds.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
bin="${CARGO_TARGET_DIR:-target}/release"
corpus="${FONDS_CORPUS:-$here/../../shared/corpus}"
if ! command -v cargo-afl >/dev/null; then
  echo "seeds.sh: cargo-afl is not installed: cargo install cargo-afl (see fuzz/README.md)" >&2
  exit 2
fi
# The seed builder is a plain program; it is built with the targets (one
# build, one target folder) and run outside AFL.
nice -n 19 cargo afl build --release --bin seeds
if [ -d "$corpus" ]; then
  echo "seeds.sh: with the corpus at $corpus"
  "$bin/seeds" seeds "$corpus"
else
  echo "seeds.sh: no corpus at $corpus: the repository's own files only"
  "$bin/seeds" seeds
fi
