#!/usr/bin/env bash
# Fuzzes one parser (or all of them, one after another) for a fixed time
# with AFL++ through afl.rs, at the lowest priority, then prints executions
# per second and whether a crash or a hang was found.
#
# Usage: fuzz/run.sh TARGET MINUTES      (TARGET: one of $TARGETS below)
#        fuzz/run.sh all MINUTES         (each target for MINUTES)
#
# Exit status: 0 nothing found; 1 a crash (inputs copied to
# fuzz/crashes-found/TARGET/, panic printed); 3 a hang but no crash;
# 2 misuse or a missing tool.
#
# Environment: FUZZ_RESUME=1 continues the last run's queue (out/TARGET)
# instead of starting afresh from the seeds; FUZZ_RESEED=1 rebuilds the
# seeds; FUZZ_TIMEOUT_MS (default 1000) is the time one input may take
# before it is a hang; FUZZ_MEMORY_MB (default 1024) the memory a target
# may use; FONDS_CORPUS the shared corpus (default ../shared/corpus).
set -uo pipefail
TARGETS="wilson tei manifest jsonl query oai record_form"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
bin="${CARGO_TARGET_DIR:-target}/release"

usage() {
  echo "usage: fuzz/run.sh TARGET|all MINUTES   (targets: $TARGETS)" >&2
  exit 2
}
[ $# -eq 2 ] || usage
target="$1"
minutes="$2"
[[ "$minutes" =~ ^[0-9]+$ ]] && [ "$minutes" -gt 0 ] || usage
if [ "$target" != all ] && ! [[ " $TARGETS " == *" $target "* ]]; then
  usage
fi
if ! command -v cargo-afl >/dev/null; then
  echo "run.sh: cargo-afl is not installed: cargo install cargo-afl (see fuzz/README.md)" >&2
  exit 2
fi

# One build for every target (instrumented by cargo afl), at low priority.
if ! nice -n 19 cargo afl build --release --bins; then
  echo "run.sh: the build failed" >&2
  exit 2
fi
if [ "${FUZZ_RESEED:-0}" = 1 ] || [ ! -d seeds ]; then
  ./seeds.sh || exit 2
fi

# AFL++'s own dictionary for a target's format, where afl.rs installed it.
afl_dict() {
  local name
  case "$1" in
    tei) name=xml.dict ;;
    jsonl) name=json.dict ;;
    manifest) name=csv.dict ;;
    wilson) name=markdown.dict ;;
    *) return ;;
  esac
  find "$HOME/.local/share/afl.rs" -path "*/dictionaries/$name" 2>/dev/null | head -n 1
}

stat_of() { # FILE KEY
  sed -n "s/^$2 *: *//p" "$1" | head -n 1
}

# Fuzzes one target; returns 0, 1 (crash) or 3 (hang).
fuzz_one() {
  local t="$1" secs=$(($2 * 60))
  local out="out/$t" log="out/$t.log"
  if [ ! -d "seeds/$t" ] || [ -z "$(ls -A "seeds/$t")" ]; then
    echo "run.sh: no seeds for $t (run fuzz/seeds.sh)" >&2
    return 2
  fi
  mkdir -p out
  if [ "${FUZZ_RESUME:-0}" = 1 ]; then
    export AFL_AUTORESUME=1
  else
    rm -rf "$out"
  fi
  local dicts=(-x "dicts/$t.dict")
  local extra
  extra="$(afl_dict "$t")"
  [ -n "$extra" ] && dicts+=(-x "$extra")
  echo "== $t: fuzzing for $2 min ($(ls "seeds/$t" | wc -l) seeds); log in fuzz/$log"
  # No UI; a fixed duration (-V); the container's CPU governor, core dump
  # handler and shared cores are not ours to change; a seed that crashes
  # is a finding like any other.
  AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    AFL_NO_AFFINITY=1 AFL_CRASHING_SEEDS_AS_NEW_CRASH=1 \
    timeout --kill-after=30 $((secs + 300)) \
    nice -n 19 cargo afl fuzz -V "$secs" -t "${FUZZ_TIMEOUT_MS:-1000}" \
    -m "${FUZZ_MEMORY_MB:-1024}" "${dicts[@]}" \
    -i "seeds/$t" -o "$out" -- "$bin/$t" >"$log" 2>&1
  local stats="$out/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    echo "run.sh: $t: AFL did not run; the end of fuzz/$log:" >&2
    tail -n 25 "$log" >&2
    return 2
  fi
  local crashes hangs
  crashes=$(find "$out/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
  hangs=$(find "$out/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
  printf '%s: %s execs/s (last minute %s), %s execs in %ss, corpus %s, coverage %s, stability %s, crashes %s, hangs %s\n' \
    "$t" "$(stat_of "$stats" execs_per_sec)" "$(stat_of "$stats" execs_ps_last_min)" \
    "$(stat_of "$stats" execs_done)" "$(stat_of "$stats" run_time)" \
    "$(stat_of "$stats" corpus_count)" "$(stat_of "$stats" bitmap_cvg)" \
    "$(stat_of "$stats" stability)" "$crashes" "$hangs"
  if [ "$crashes" -gt 0 ]; then
    mkdir -p "crashes-found/$t"
    local first=""
    for f in "$out"/default/crashes/id:*; do
      local name
      name="$t-$(basename "$f" | cut -d, -f1 | tr ':' '-')-$(sha256sum "$f" | cut -c1-12)"
      cp "$f" "crashes-found/$t/$name"
      [ -n "$first" ] || first="crashes-found/$t/$name"
    done
    echo "$t: CRASH: inputs copied to fuzz/crashes-found/$t/; the first one replayed:"
    if RUST_BACKTRACE=1 FONDS_FUZZ_VERBOSE=1 "$bin/$t" <"$first" >"$out/replay.txt" 2>&1; then
      head -n 40 "$out/replay.txt"
      echo "$t: the input does not crash when replayed alone: the target keeps state from one input to the next, or it hit the memory limit (-m)"
    else
      head -n 40 "$out/replay.txt"
    fi
    return 1
  fi
  if [ "$hangs" -gt 0 ]; then
    echo "$t: HANG: inputs in fuzz/$out/default/hangs/ took over ${FUZZ_TIMEOUT_MS:-1000} ms"
    return 3
  fi
  return 0
}

# The worst outcome wins: crash (1), misuse or tool (2), hang (3), none (0).
rank() { case "$1" in 1) echo 3 ;; 2) echo 2 ;; 3) echo 1 ;; *) echo 0 ;; esac; }
status=0
if [ "$target" = all ]; then
  set -- $TARGETS
else
  set -- "$target"
fi
for t in "$@"; do
  fuzz_one "$t" "$minutes"
  rc=$?
  if [ "$(rank "$rc")" -gt "$(rank "$status")" ]; then
    status=$rc
  fi
done
exit "$status"
