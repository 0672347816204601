# Shared by the scripts in tests/py and docs/screenshots (sourced, from the
# repository's root): which fonds binary to run, the Python virtual
# environment they share, waiting for a server, and a temporary folder
# cleaned up on exit.

# The fonds binary: $FONDS_BIN, else target/debug/fonds (the one .ci/run
# builds), else target/release/fonds, building the debug binary if neither
# exists. Sets $bin.
find_fonds() {
  bin=${FONDS_BIN:-}
  if [ -z "$bin" ]; then
    for candidate in target/debug/fonds target/release/fonds; do
      if [ -x "$candidate" ]; then bin=$candidate; break; fi
    done
  fi
  if [ -z "$bin" ]; then
    cargo build --locked --bin fonds
    bin=target/debug/fonds
  fi
}

# The venv at target/py-venv, made if missing, with the given PyPI packages.
# Sets $venv.
python_venv() {
  venv=target/py-venv
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
}

# Waits for a `fonds serve` started by the caller (`"$bin" … serve --listen
# 127.0.0.1:0 >OUT 2>ERR &`, so that $! is the server itself) to say where
# it serves; sets $base (no trailing slash), or prints its errors and exits.
wait_for_base() {
  local out=$1 err=$2
  for _ in $(seq 100); do
    grep -q "serving" "$out" 2>/dev/null && break
    sleep 0.1
  done
  base=$(grep -o 'http://[^ ]*' "$out" | head -1 || true)
  base=${base%/}
  [ -n "$base" ] || { echo "fonds serve did not start:"; cat "$err"; exit 1; }
}

# Makes $work, a temporary folder, and on exit stops every process whose pid
# the caller adds to $pids (the servers it starts: `pids+=($!)`), then
# removes $work.
temp_work() {
  work=$(mktemp -d)
  pids=()
  trap stop_and_clean EXIT
}
stop_and_clean() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
