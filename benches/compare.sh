#!/usr/bin/env bash
# Measures the tool's one real cost, hashing every node, against the
# machine's limit, all in one run (issue 13):
#   - the limit: the node bytes (a composed component hashes most bytes once
#     per level) divided by the cores times OpenSSL's SHA-256 speed on one
#     core (`openssl speed -evp sha256`); and the critical path, the largest
#     node (one sequential SHA-256 stream) at that speed;
#   - `wasm-audit tree --format json` (with and without WIT) on a generated
#     component nested three deep, against that limit (target <= 1.3x) and
#     against the least work in the tool's own primitive (read the file,
#     SHA-256 the node ranges in parallel: examples/hash_nodes.rs);
#   - every digest checked against an independent hash of its byte range
#     (benches/check_digests.py: Python's hashlib, which is OpenSSL);
#   - peak RSS (target <= file size + 64 MiB);
#   - the corpus in one process (`tree` and `check` over every file) against
#     a loop of `wasm-tools metadata show --json`, when wasm-tools is
#     installed (target: at least 3x faster);
#   - the SHA-256 backends sha2, ring and aws-lc-rs on one core
#     (benches/hash-backends, a package of its own; BACKENDS=0 skips it).
# A measurement, not a test: a missed target is reported, not an error.
#
# Usage: benches/compare.sh            (RUNS=10 SIZE_MIB=100 by default)
#        RUNS=20 SIZE_MIB=200 benches/compare.sh
#        TIMER=loop benches/compare.sh  (round-robin loop even when
#                                        hyperfine is installed)
#        CORPUS=DIR benches/compare.sh  (default ../shared/corpus/files)
set -euo pipefail

RUNS=${RUNS:-10}
SIZE_MIB=${SIZE_MIB:-100}
TIMER=${TIMER:-auto}
BACKENDS=${BACKENDS:-1}
WALK_TARGET=1.3
BATCH_TARGET=3
RSS_HEADROOM_MIB=64

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
corpus=${CORPUS:-$root/../shared/corpus/files}
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
cores=$(nproc)
echo "cores: $cores; CPU: ${cpu:-unknown}; sha_ni: $sha_ni"
# Other work on the machine skews every figure below; say how busy it was.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# OpenSSL's SHA-256 on one core, in bytes per second of CPU time (what
# `openssl speed` measures), on 1 MiB blocks: the best a core does.
openssl_bps=$(openssl speed -seconds 3 -bytes 1048576 -evp sha256 2>/dev/null |
    awk '$1 == "sha256" { v = $2; sub(/k$/, "", v); print v * 1000 }')
echo "openssl speed -evp sha256: $(awk -v b="$openssl_bps" 'BEGIN { printf "%.2f", b / 1e9 }') GB/s per core"

if [[ $BACKENDS != 0 ]]; then
    echo "== SHA-256 backends on one core (benches/hash-backends)"
    cargo run --quiet --release --locked --manifest-path benches/hash-backends/Cargo.toml \
        --target-dir "$target_dir/hash-backends" -- 256
fi

echo "== input"
"$gen" "$wasm" "$SIZE_MIB"
file_size=$(stat -c %s "$wasm")
"$bin" tree --format json --no-wit "$wasm" >"$tmp/nodes.json"
"$bin" tree --format json "$wasm" >"$tmp/nodes-wit.json"
# The reference must reproduce the tool's digests, or the comparison is moot;
# this also puts the file in the page cache for every timed run.
"$ref" "$wasm" "$tmp/nodes.json" --quiet
"$ref" "$wasm" "$tmp/nodes-wit.json" --quiet
# Every digest against an independent SHA-256 of its range; the node
# bytes and the largest node for the limit.
read -r nodes node_bytes largest < <(python3 benches/check_digests.py "$wasm" "$tmp/nodes.json" "$tmp/nodes-wit.json")
echo "file: $file_size bytes ($(awk -v b="$file_size" 'BEGIN { printf "%.1f", b / 1048576 }') MiB), $nodes nodes, $node_bytes node bytes ($(awk -v b="$node_bytes" 'BEGIN { printf "%.0f", b / 1048576 }') MiB)"
echo "every digest (with and without WIT) equals hashlib's SHA-256 of its range; the reference's digests match the tool's"
limit_s=$(awk -v b="$node_bytes" -v c="$cores" -v r="$openssl_bps" 'BEGIN { printf "%.6f", b / (c * r) }')
critical_s=$(awk -v b="$largest" -v r="$openssl_bps" 'BEGIN { printf "%.6f", b / r }')
echo "limit: node bytes / ($cores cores x OpenSSL speed) = $(awk -v s="$limit_s" 'BEGIN { printf "%.1f", s * 1000 }') ms; critical path (largest node, one stream) = $(awk -v s="$critical_s" 'BEGIN { printf "%.1f", s * 1000 }') ms"

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

# All CPU time and the time stolen by the hypervisor, in ticks, summed
# over the CPUs (/proc/stat: user nice system idle iowait irq softirq steal).
cpu_times() {
    awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print t, $9 }' /proc/stat
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
printf '%-12s %8.1f ms\n' limit "$(awk -v s="$limit_s" 'BEGIN { print s * 1000 }')"
l_a=$(ratio "${med[tree]}" "$limit_s")
l_b=$(ratio "${med[tree-no-wit]}" "$limit_s")
l_c=$(ratio "${med[reference]}" "$limit_s")
echo "tree (with WIT) / limit:              ${l_a}x  (target <= ${WALK_TARGET}x: $(verdict "$l_a" "$WALK_TARGET"))"
echo "tree --no-wit / limit:                ${l_b}x"
echo "reference (hash ranges only) / limit: ${l_c}x"
echo "(a)/(c) tree (with WIT) / reference:  $(ratio "${med[tree]}" "${med[reference]}")x"
echo "(b)/(c) tree --no-wit / reference:    $(ratio "${med[tree-no-wit]}" "${med[reference]}")x"
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

echo "== batch: the corpus in one process"
shopt -s nullglob
corpus_files=("$corpus"/*.wasm)
shopt -u nullglob
if [[ ${#corpus_files[@]} -eq 0 ]]; then
    echo "no corpus at $corpus (CORPUS=DIR): skipped"
    exit 0
fi
echo "${#corpus_files[@]} files, $(du -cb "${corpus_files[@]}" | tail -n 1 | cut -f1) bytes"
batch_names=(tree-batch tree-no-wit-batch check-batch)
if [[ -n $wasm_tools ]]; then batch_names+=(wasm-tools-loop); fi
run_batch() {
    case $1 in
    tree-batch) "$bin" tree --format json "${corpus_files[@]}" >/dev/null 2>&1 || true ;;
    # The same without decoding the WIT of every component (wit-parser's
    # decoder, about half of tree-batch), the work closest to what
    # `wasm-tools metadata show` does.
    tree-no-wit-batch) "$bin" tree --format json --no-wit "${corpus_files[@]}" >/dev/null 2>&1 || true ;;
    # Nothing is trusted: most files fail the audit (exit 1), as they
    # should. Run from the empty temporary folder: no policy is found.
    check-batch) (cd "$tmp" && "$bin" check --format json "${corpus_files[@]}" >/dev/null 2>&1) || true ;;
    wasm-tools-loop)
        for f in "${corpus_files[@]}"; do
            "$wasm_tools" metadata show --json "$f" >/dev/null 2>&1 || true
        done
        ;;
    esac
}
read -r cpu_before steal_before < <(cpu_times)
for ((r = 0; r < RUNS + 1; r++)); do
    for n in "${batch_names[@]}"; do
        start=$(date +%s%N)
        run_batch "$n"
        end=$(date +%s%N)
        # The first round only warms up.
        if ((r > 0)); then echo "$(((end - start) / 1000))" >>"$tmp/batch-$n"; fi
    done
done
read -r cpu_after steal_after < <(cpu_times)
# Time the hypervisor gave to other machines while ours wanted the CPUs:
# the noise of a shared host, which the 2-core batch feels more than the
# 1-core loop.
echo "CPU time stolen by the host during the batches: $(awk -v s=$((steal_after - steal_before)) -v t=$((cpu_after - cpu_before)) 'BEGIN { printf "%.1f", (t > 0) ? 100 * s / t : 0 }')%"
declare -A bmed
for n in "${batch_names[@]}"; do
    bmed[$n]=$(median <"$tmp/batch-$n" | awk '{ printf "%.6f", $1 / 1e6 }')
    printf '%-16s %8.1f ms\n' "$n" "$(awk -v s="${bmed[$n]}" 'BEGIN { print s * 1000 }')"
done
if [[ -n $wasm_tools ]]; then
    for n in tree-batch tree-no-wit-batch check-batch; do
        x=$(ratio "${bmed[wasm-tools-loop]}" "${bmed[$n]}")
        # The same ratio round by round (each round runs every command
        # once, back to back): a slow spell of the machine hits both sides
        # of a round's ratio.
        paired=$(paste "$tmp/batch-wasm-tools-loop" "$tmp/batch-$n" | awk '{ print $1 / $2 }' | sort -g |
            awk '{ v[NR] = $1 } END { printf "%.2f (middle half %.2f-%.2f)", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[int((NR + 3) / 4)], v[int((3 * NR + 3) / 4)] }')
        echo "wasm-tools loop / $n: ${x}x  (target >= ${BATCH_TARGET}x: $(awk -v r="$x" -v t="$BATCH_TARGET" 'BEGIN { print (r >= t) ? "met" : "MISSED" }')); round by round: ${paired}"
    done
else
    echo "wasm-tools not installed: batch comparison skipped (cargo install wasm-tools --locked)"
fi
