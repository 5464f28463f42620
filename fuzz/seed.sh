#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with starting inputs:
#   walk_mutated   the *.wasm of the shared corpus (../shared/corpus/files,
#                  or $WASM_AUDIT_CORPUS/files) up to $SEED_MAX_BYTES (512 KiB:
#                  80 of its 104 files; the largest run at a few executions
#                  a second) and the demo compositions;
#   trust_sets     the demo trust set and the corpus lockfiles;
#   policy         the demo policy and the starter policy;
#   signature      fuzz/seeds/signature (mode byte + cosign, bundle, Ed25519);
#   diff_baseline  fuzz/seeds/diff_baseline (caps, tree and check JSON).
# walk_bytes starts from nothing on purpose (arbitrary bytes).
# Idempotent: files are copied under their own names. Usage: fuzz/seed.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
corpus_root="${WASM_AUDIT_CORPUS:-$root/../shared/corpus}"
out="$here/corpus"
max_bytes="${SEED_MAX_BYTES:-524288}"

copy() { # target, files...
    local target="$1"
    shift
    mkdir -p "$out/$target"
    local f n=0
    for f in "$@"; do
        [ -f "$f" ] || continue
        cp -f "$f" "$out/$target/"
        n=$((n + 1))
    done
    echo "seed.sh: $target: $n file(s)"
}

shopt -s nullglob
if [ -d "$corpus_root/files" ]; then
    small=()
    for f in "$corpus_root"/files/*.wasm; do
        [ "$(stat -c %s "$f")" -le "$max_bytes" ] && small+=("$f")
    done
    copy walk_mutated "${small[@]}" "$root"/testdata/demo/*.wasm
else
    echo "seed.sh: no corpus at $corpus_root/files; walk_mutated gets the demo only"
    copy walk_mutated "$root"/testdata/demo/*.wasm
fi
copy trust_sets "$root/testdata/demo/trusted.json" "$corpus_root"/lockfiles/*
copy policy "$root/testdata/demo/wasm-audit.toml" "$root/testdata/wasm-audit.toml.example"
copy signature "$here"/seeds/signature/*
copy diff_baseline "$here"/seeds/diff_baseline/*
