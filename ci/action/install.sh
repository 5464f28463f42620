#!/usr/bin/env bash
# The install steps of action.yml (the repository's GitHub Action).
#
#   install.sh plan      decide what to install; writes step outputs
#   install.sh install   build it (skipped when the cache restored it)
#
# What is installed is pinned: with `version` empty, the action's own
# source (the commit the workflow's `uses:` names) is built with
# `cargo install --locked --path`; with `version: X.Y.Z`, that release
# from crates.io (`cargo binstall` when present, else `cargo install
# --locked`). A `wasm-audit` already on PATH at the wanted version is used
# as it is. Inputs come as environment variables, never as text pasted
# into the script.
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/../.." && pwd)}"
wanted="${INPUT_VERSION:-}"
wanted="${wanted#v}"
# The version this copy of the action is (the `version` of its Cargo.toml).
own_version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" | head -n 1)"

output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s=%s\n' "$1" "$2" >> "$GITHUB_OUTPUT"
  fi
}

fail() {
  echo "::error title=wasm-audit::$1"
  exit 2
}

case "${1:-}" in
  plan)
    if [ -n "$wanted" ] && ! printf '%s' "$wanted" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$'; then
      fail "version: \`$wanted\` is not a version (X.Y.Z, or empty for the action's own source)"
    fi
    version="${wanted:-$own_version}"
    # Already installed at the wanted version (a self-hosted runner, an
    # earlier step): nothing to do.
    if command -v wasm-audit >/dev/null 2>&1; then
      found="$(wasm-audit --version 2>/dev/null | awk '{print $2}')"
      if [ "$found" = "$version" ]; then
        echo "wasm-audit $found is already installed: $(command -v wasm-audit)"
        output needs-install false
        output version "$found"
        exit 0
      fi
    fi
    if [ -n "$wanted" ]; then
      source_key="crates-io-$wanted"
    else
      # The source that will be built, by content: the cache follows the
      # commit the workflow pins, and nothing else.
      source_key="source-$(cd "$action_path" && find Cargo.toml Cargo.lock build.rs src -type f -print0 \
        | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
    fi
    root="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/wasm-audit/$version-$source_key"
    output needs-install true
    output version "$version"
    output root "$root"
    output cache-key "wasm-audit-${RUNNER_OS:-unknown}-${RUNNER_ARCH:-unknown}-$version-$source_key"
    if [ -n "${GITHUB_PATH:-}" ]; then
      echo "$root/bin" >> "$GITHUB_PATH"
    fi
    ;;
  install)
    root="${WASM_AUDIT_ROOT:?WASM_AUDIT_ROOT: the root the plan step chose}"
    if [ -x "$root/bin/wasm-audit" ] || [ -x "$root/bin/wasm-audit.exe" ]; then
      echo "wasm-audit restored from the cache: $root/bin"
      exit 0
    fi
    command -v cargo >/dev/null 2>&1 \
      || fail "cargo is not installed on this runner: install a Rust toolchain first (e.g. dtolnay/rust-toolchain)"
    if [ -z "$wanted" ]; then
      echo "building wasm-audit $own_version from the action's source ($action_path)"
      cargo install --locked --path "$action_path" --root "$root"
    elif cargo binstall -V >/dev/null 2>&1; then
      cargo binstall --no-confirm --locked --root "$root" "wasm-audit@$wanted"
    else
      cargo install --locked --root "$root" wasm-audit --version "=$wanted"
    fi
    ;;
  *)
    echo "usage: install.sh plan|install" >&2
    exit 2
    ;;
esac
