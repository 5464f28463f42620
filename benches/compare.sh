#!/usr/bin/env bash
# Times `wasm-audit tree` on a generated ≥100 MiB component nested three
# deep against the least work that yields the same digests (read the file,
# SHA-256 the node ranges in parallel: examples/hash_nodes.rs), and against
# `wasm-tools metadata show` when it is installed, end to end as a user
# runs them. Reports the issue's targets:
#   - walk + hash within 1.3× of hashing alone;
#   - peak memory at most the file size + 64 MiB.
# A measurement, not a test: a missed target is reported, not an error.
#
# Usage: benches/compare.sh            (RUNS=10 SIZE_MIB=100 by default)
#        RUNS=20 SIZE_MIB=200 benches/compare.sh
#        TIMER=loop benches/compare.sh  (round-robin loop even when
#                                        hyperfine is installed)
set -euo pipefail

RUNS=${RUNS:-10}
SIZE_MIB=${SIZE_MIB:-100}
TIMER=${TIMER:-auto}
WALK_TARGET=1.3
RSS_HEADROOM_MIB=64

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
target_dir=${CARGO_TARGET_DIR:-$root/target}
bin=$target_dir/release/wasm-audit
gen=$target_dir/release/examples/gen_composed
ref=$target_dir/release/examples/hash_nodes

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wasm=$tmp/composed.wasm

echo "== build"
cargo build --release --bin wasm-audit --examples

echo "== machine"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
if grep -qw sha_ni /proc/cpuinfo; then sha_ni=yes; else sha_ni=no; fi
echo "cores: $(nproc); CPU: ${cpu:-unknown}; sha_ni: $sha_ni"
# Other work on the machine skews every figure below; say how busy it was.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== input"
"$gen" "$wasm" "$SIZE_MIB"
file_size=$(stat -c %s "$wasm")
"$bin" tree --format json --no-wit "$wasm" >"$tmp/nodes.json"
"$bin" tree --format json "$wasm" >"$tmp/nodes-wit.json"
# The reference must reproduce the tool's digests, or the comparison is moot;
# this also puts the file in the page cache for every timed run.
"$ref" "$wasm" "$tmp/nodes.json" --quiet
"$ref" "$wasm" "$tmp/nodes-wit.json" --quiet
nodes=$(grep -c '"path"' "$tmp/nodes.json")
echo "file: $file_size bytes ($(awk -v b="$file_size" 'BEGIN { printf "%.1f", b / 1048576 }') MiB), $nodes nodes; the reference's digests match the tool's"

wasm_tools=
if command -v wasm-tools >/dev/null 2>&1; then
    wasm_tools=$(command -v wasm-tools)
elif [[ -x $HOME/.cargo/bin/wasm-tools ]]; then
    wasm_tools=$HOME/.cargo/bin/wasm-tools
fi

names=(tree tree-no-wit reference)
if [[ -n $wasm_tools ]]; then
    names+=(wasm-tools)
else
    echo "wasm-tools not found on PATH or in ~/.cargo/bin: (d) skipped"
fi

# One place that knows each command line, for the loop and for hyperfine.
command_of() {
    case $1 in
    tree) printf '%q ' "$bin" tree --format json "$wasm" ;;
    tree-no-wit) printf '%q ' "$bin" tree --format json --no-wit "$wasm" ;;
    reference) printf '%q ' "$ref" "$wasm" "$tmp/nodes.json" --quiet ;;
    wasm-tools) printf '%q ' "$wasm_tools" metadata show --json "$wasm" ;;
    esac
}

# Median of the numbers on standard input.
median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) exit 1
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A med
echo "== timing ($RUNS runs each, median wall time)"
if [[ $TIMER != loop ]] && command -v hyperfine >/dev/null 2>&1; then
    timer=hyperfine
    cmds=()
    for n in "${names[@]}"; do cmds+=("$(command_of "$n")"); done
    hyperfine --style basic -N --warmup 2 --runs "$RUNS" --output null \
        --export-csv "$tmp/times.csv" "${cmds[@]}"
    # CSV rows follow the command order: command,mean,stddev,median,...
    i=0
    while IFS=, read -r _ _ _ median_s _; do
        med[${names[$i]}]=$median_s
        i=$((i + 1))
    done < <(tail -n +2 "$tmp/times.csv")
else
    timer=loop
    echo "(timing a round-robin loop of runs with date +%s%N; hyperfine not used)"
    # Round-robin, so a burst of background load hits every command alike.
    for ((r = 0; r < RUNS + 1; r++)); do
        for n in "${names[@]}"; do
            # The command lines are printf %q output: eval undoes exactly that.
            start=$(date +%s%N)
            eval "$(command_of "$n")" >/dev/null
            end=$(date +%s%N)
            # The first round only warms up.
            if ((r > 0)); then
                echo "$(((end - start) / 1000))" >>"$tmp/times-$n"
            fi
        done
    done
    for n in "${names[@]}"; do
        med[$n]=$(median <"$tmp/times-$n" | awk '{ printf "%.6f", $1 / 1e6 }')
    done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# hyperfine runs each command's batch in turn, the loop interleaves them:
# on a shared machine only the loop spreads background load evenly.
if awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v n="$(nproc)" 'BEGIN { exit !(l > n) }'; then
    hint=
    [[ $timer == hyperfine ]] && hint="; TIMER=loop interleaves the commands"
    echo "WARNING: load average above $(nproc) (the core count): other processes compete for the CPUs, figures are inflated and ratios unreliable$hint"
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "met" : "MISSED" }'; }

echo "== results"
for n in "${names[@]}"; do
    printf '%-12s %8.1f ms\n' "$n" "$(awk -v s="${med[$n]}" 'BEGIN { print s * 1000 }')"
done
r_a=$(ratio "${med[tree]}" "${med[reference]}")
r_b=$(ratio "${med[tree-no-wit]}" "${med[reference]}")
echo "(a)/(c) tree (with WIT) / reference:    ${r_a}x  (target <= ${WALK_TARGET}x: $(verdict "$r_a" "$WALK_TARGET"))"
echo "(b)/(c) tree --no-wit / reference:      ${r_b}x  (target <= ${WALK_TARGET}x: $(verdict "$r_b" "$WALK_TARGET"))"
if [[ -n $wasm_tools ]]; then
    echo "(d)/(a) wasm-tools metadata show / tree: $(ratio "${med[wasm-tools]}" "${med[tree]}")x  (wasm-tools parses but does not hash)"
fi

echo "== peak memory"
if /usr/bin/time --version 2>&1 | grep -q GNU; then
    limit_kib=$((file_size / 1024 + RSS_HEADROOM_MIB * 1024))
    for variant in "" "--no-wit"; do
        peak=0
        for ((r = 0; r < 3; r++)); do
            # shellcheck disable=SC2086 # $variant is empty or one flag
            kib=$(/usr/bin/time -v "$bin" tree --format json $variant "$wasm" 2>&1 >/dev/null |
                sed -n 's/.*Maximum resident set size (kbytes): //p')
            kib=${kib:-0}
            if ((kib > peak)); then peak=$kib; fi
        done
        printf 'tree %-9s peak RSS %7.1f MiB, target <= file + %d MiB = %.1f MiB: %s\n' \
            "${variant:-(wit)}" "$(awk -v k="$peak" 'BEGIN { print k / 1024 }')" "$RSS_HEADROOM_MIB" \
            "$(awk -v k="$limit_kib" 'BEGIN { print k / 1024 }')" \
            "$( ((peak <= limit_kib)) && echo met || echo MISSED)"
    done
else
    echo "GNU time not found at /usr/bin/time: peak RSS skipped (apt-get install time)"
fi
