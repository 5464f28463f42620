#!/usr/bin/env bash
# Times known-vulnerability matching: the criterion bench (loading the whole
# RustSec snapshot, matching the corpus and fixtures), then the CLI end to
# end: `check` over every corpus file and fixture with and without
# --advisory-db, so the difference is what the database costs a run.
# A measurement, not a test.
#
# Usage: benches/advisories.sh        (RUNS=5 by default)
#        WASM_AUDIT_ADVISORY_DB=... WASM_AUDIT_CORPUS=... benches/advisories.sh
set -euo pipefail

RUNS=${RUNS:-5}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
db=${WASM_AUDIT_ADVISORY_DB:-$root/../shared/advisory-db}
corpus=${WASM_AUDIT_CORPUS:-$root/../shared/corpus}
target_dir=${CARGO_TARGET_DIR:-$root/target}
bin=$target_dir/release/wasm-audit

if [ ! -d "$db/crates" ]; then
  echo "no advisory database at $db (set WASM_AUDIT_ADVISORY_DB)" >&2
  exit 2
fi

cargo bench --bench advisories -- --noplot
cargo build --release --quiet

inputs=()
if [ -d "$corpus/files" ]; then
  for f in "$corpus"/files/*.wasm; do
    case "$f" in *.v0x0*) ;; *) inputs+=("$f") ;; esac
  done
fi
for f in testdata/demo/*.wasm testdata/wat/*.wat testdata/wiring/*.wat; do
  inputs+=("$f")
done
echo "check over ${#inputs[@]} inputs, $RUNS runs each (best of):"

best() {
  local best_ms=""
  for _ in $(seq "$RUNS"); do
    local start end ms
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    ms=$(( (end - start) / 1000000 ))
    if [ -z "$best_ms" ] || [ "$ms" -lt "$best_ms" ]; then best_ms=$ms; fi
  done
  echo "$best_ms"
}

without=$(best "$bin" check --format json "${inputs[@]}")
with=$(best "$bin" check --format json --advisory-db "$db" "${inputs[@]}")
echo "  without --advisory-db: ${without} ms"
echo "  with    --advisory-db: ${with} ms (+$(( with - without )) ms)"
