#!/usr/bin/env bash
# A release archive laid out as `cargo binstall` expects it (Cargo.toml,
# [package.metadata.binstall]):
#
#   ci/release-archive.sh TARGET BINARY [OUT_DIR]
#
# writes OUT_DIR/wasm-audit-TARGET-vVERSION.tgz holding
# wasm-audit-TARGET-vVERSION/ with the binary, README.md, CHANGELOG.md,
# LICENSE, shell completions (completions/) and man pages (man/man1/). The
# completions and pages come from running BINARY; for a target this host
# cannot run, set WASM_AUDIT_DOCS_BINARY to a host build of the same
# version. Reproducible: sorted, owner 0, dated SOURCE_DATE_EPOCH (else
# the last commit), gzip without a timestamp. tests/docs.rs checks the
# layout against the binstall templates.
set -euo pipefail

if [ "$#" -lt 2 ]; then
  echo "usage: ci/release-archive.sh TARGET BINARY [OUT_DIR]" >&2
  exit 2
fi
target="$1"
binary="$2"
out_dir="${3:-target/dist}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)"
name="wasm-audit-$target-v$version"
docs_binary="${WASM_AUDIT_DOCS_BINARY:-$binary}"

found="$("$docs_binary" --version | awk '{print $2}')"
if [ "$found" != "$version" ]; then
  echo "error: $docs_binary is wasm-audit $found, not $version" >&2
  exit 2
fi
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stage="$work/$name"
mkdir -p "$stage/completions" "$stage/man/man1"
# Modes set, not copied: the same archive from any checkout.
install -m 0755 "$binary" "$stage/"
install -m 0644 "$repo/README.md" "$repo/CHANGELOG.md" "$repo/LICENSE" "$stage/"
"$docs_binary" completions bash > "$stage/completions/wasm-audit.bash"
"$docs_binary" completions zsh > "$stage/completions/_wasm-audit"
"$docs_binary" completions fish > "$stage/completions/wasm-audit.fish"
"$docs_binary" completions powershell > "$stage/completions/_wasm-audit.ps1"
"$docs_binary" man --output-dir "$stage/man/man1" 2> /dev/null
chmod 0644 "$stage"/completions/* "$stage"/man/man1/*

mkdir -p "$out_dir"
archive="$(cd "$out_dir" && pwd)/$name.tgz"
tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -cf - "$name" \
  | gzip -n -9 > "$archive"
echo "$archive"
