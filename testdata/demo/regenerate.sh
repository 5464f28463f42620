#!/usr/bin/env bash
# Rebuilds the demo from its WAT sources and re-signs its trust set with
# the demo's TEST key. Run from anywhere; needs cargo and openssl.
#
#   app.wasm           <- app.wat            (the passing composition)
#   app-tampered.wasm  <- app-tampered.wat   (a substituted, network-reaching logger)
#   trusted.json       the digests of app.wasm's two composition inputs
#   trusted.json.sig   cosign-format signature (base64 DER ECDSA P-256)
#   cosign.pub         the public key; test-key.pem is its private key:
#                      a TEST key, published here on purpose, never for real use.
set -euo pipefail
cd "$(dirname "$0")"
audit() { cargo run --quiet --release --manifest-path ../../Cargo.toml -- "$@"; }

audit extract app.wat --node / -o app.wasm
audit extract app-tampered.wat --node / -o app-tampered.wasm

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
audit extract app.wasm --node /component[0] -o "$tmp/logger.wasm"
audit extract app.wasm --node /component[1] -o "$tmp/greeter.wasm"
audit digests "$tmp/logger.wasm" "$tmp/greeter.wasm" \
  | sed -e "s#$tmp/##g" > trusted.json

if [ ! -f test-key.pem ]; then
  openssl ecparam -name prime256v1 -genkey -noout -out test-key.pem
fi
openssl ec -in test-key.pem -pubout -out cosign.pub 2>/dev/null
openssl dgst -sha256 -sign test-key.pem trusted.json | base64 -w0 > trusted.json.sig
echo "demo regenerated: $(sha256sum app.wasm)"
