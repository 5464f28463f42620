#!/usr/bin/env bash
# Compares what two builds of wasm-audit print for every corpus file:
# `tree` and `caps` (text and JSON), `check --format json` (default policy),
# `sbom` (CycloneDX JSON and XML, SPDX JSON) and `diff` (text and JSON, each
# file against the next). Used to show that a refactoring changes no
# output; prints each difference and exits 1 if there is one.
#
# Usage: scripts/same-outputs.sh OLD_BIN NEW_BIN [CORPUS_FILES_DIR]
#        (default corpus: ../shared/corpus/files next to the checkout)
set -euo pipefail

old=$(realpath "$1")
new=$(realpath "$2")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus=$(realpath "${3:-$root/../shared/corpus/files}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# An empty folder: no ./wasm-audit.toml is picked up by `check`.
cd "$work"
export SOURCE_DATE_EPOCH=1700000000

files=("$corpus"/*.wasm)
runs=0
differences=0
compare() {
    local label=$1
    shift
    local o n oc nc
    o=$("$old" "$@" 2>&1) && oc=0 || oc=$?
    n=$("$new" "$@" 2>&1) && nc=0 || nc=$?
    runs=$((runs + 1))
    if [[ $o != "$n" || $oc != "$nc" ]]; then
        differences=$((differences + 1))
        echo "DIFFERENT: $label (exit $oc vs $nc)"
        diff <(printf '%s\n' "$o") <(printf '%s\n' "$n") | head -n 20 || true
    fi
}

previous=
for f in "${files[@]}"; do
    b=$(basename "$f")
    compare "tree $b" tree "$f"
    compare "tree json $b" tree --format json "$f"
    compare "caps $b" caps "$f"
    compare "caps json $b" caps --format json "$f"
    compare "check json $b" check --format json "$f"
    for fmt in cyclonedx-json cyclonedx-xml spdx-json spdx3-json; do
        compare "sbom $fmt $b" sbom --format "$fmt" "$f"
    done
    if [[ -n $previous ]]; then
        compare "diff $(basename "$previous") $b" diff "$previous" "$f"
        compare "diff json $(basename "$previous") $b" diff --format json "$previous" "$f"
    fi
    previous=$f
done
echo "$runs runs over ${#files[@]} corpus files: $differences different"
[[ $differences == 0 ]]
