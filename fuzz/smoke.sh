#!/usr/bin/env bash
# CI smoke run of the fuzz targets: builds them with `cargo +nightly fuzz`,
# seeds the corpora (fuzz/seed.sh), then runs every target for
# $FUZZ_SECONDS seconds (default 60), two at a time on the two cores.
#
# Exits 1 when a target crashes (a panic, a broken invariant, an input
# slower than $FUZZ_UNIT_TIMEOUT seconds, more than 2 GiB of memory) or the
# targets do not build; prints each crash's message and the saved input
# (fuzz/artifacts/TARGET/). Exits 0, saying why, when the nightly toolchain
# or cargo-fuzz is missing: the fuzz run is then skipped, not failed.
#
# Usage: fuzz/smoke.sh [TARGET...]     (default: every target)
# From a clean fuzz/target the build takes about 9 minutes on two cores;
# set FUZZ_TARGET_DIR to a directory kept between runs to reuse it.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here" || exit 1

if ! command -v cargo-fuzz > /dev/null 2>&1; then
    echo "fuzz/smoke.sh: SKIPPED: cargo-fuzz is not installed (cargo install cargo-fuzz --locked)"
    exit 0
fi
if ! cargo +nightly --version > /dev/null 2>&1; then
    echo "fuzz/smoke.sh: SKIPPED: no nightly toolchain (rustup toolchain install nightly)"
    exit 0
fi

seconds="${FUZZ_SECONDS:-60}"
unit_timeout="${FUZZ_UNIT_TIMEOUT:-30}"
target_dir=()
if [ -n "${FUZZ_TARGET_DIR:-}" ]; then
    target_dir=(--target-dir "$FUZZ_TARGET_DIR")
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(walk_bytes walk_mutated trust_sets signature policy diff_baseline)
fi

# Extra libFuzzer flags of each target: its dictionary, and for the
# corpus-seeded walk a bound on input size.
flags() {
    case "$1" in
        walk_bytes) echo "-dict=dicts/wasm.dict" ;;
        walk_mutated) echo "-dict=dicts/wasm.dict -max_len=524288" ;;
        trust_sets) echo "-dict=dicts/json.dict" ;;
        policy) echo "-dict=dicts/toml.dict" ;;
        signature | diff_baseline) echo "-dict=dicts/json.dict" ;;
    esac
}

start=$(date +%s)
./seed.sh || exit 1
echo "fuzz/smoke.sh: building the fuzz targets"
if ! cargo +nightly fuzz build "${target_dir[@]}" > build.log 2>&1; then
    tail -n 40 build.log
    echo "fuzz/smoke.sh: FAILED: the fuzz targets do not build"
    exit 1
fi
rm -f build.log
built=$(date +%s)

logs="$(mktemp -d)"
run() {
    local t="$1"
    # shellcheck disable=SC2046
    cargo +nightly fuzz run "${target_dir[@]}" "$t" -- -max_total_time="$seconds" -timeout="$unit_timeout" \
        -rss_limit_mb=2048 -print_final_stats=1 $(flags "$t") > "$logs/$t.log" 2>&1
    echo $? > "$logs/$t.rc"
}

failed=()
report() {
    local t="$1" rc
    rc="$(cat "$logs/$t.rc")"
    local execs rate
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$t.log")"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$logs/$t.log")"
    if [ "$rc" = 0 ]; then
        echo "fuzz/smoke.sh: $t: ok (${execs:-?} executions, ${rate:-?}/s)"
    else
        failed+=("$t")
        echo "fuzz/smoke.sh: $t: CRASH (exit $rc)"
        grep -E -A3 "panicked at|ERROR: libFuzzer|SUMMARY:" "$logs/$t.log" | cut -c1-400 | head -n 20
        grep -E "Test unit written to|Failing input:" -A2 "$logs/$t.log" | cut -c1-300 | head -n 4
    fi
}

i=0
while [ $i -lt ${#targets[@]} ]; do
    pair=("${targets[@]:i:2}")
    for t in "${pair[@]}"; do
        run "$t" &
    done
    wait
    for t in "${pair[@]}"; do
        report "$t"
    done
    i=$((i + 2))
done
rm -rf "$logs"

end=$(date +%s)
echo "fuzz/smoke.sh: build $((built - start)) s, runs $((end - built)) s, total $((end - start)) s"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz/smoke.sh: FAILED: ${failed[*]} (inputs in fuzz/artifacts/; reproduce with cargo +nightly fuzz run TARGET FILE)"
    exit 1
fi
echo "fuzz/smoke.sh: 0 crashes in ${#targets[@]} target(s)"
