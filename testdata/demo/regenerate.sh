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
#   app.wasm.intoto.json  an in-toto statement with SLSA v1 provenance for
#                      app.wasm in a DSSE envelope signed with the test key
#                      (the `cosign attest-blob --key` format)
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

digest=$(sha256sum app.wasm | cut -d' ' -f1)
statement=$(printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app.wasm","digest":{"sha256":"%s"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1","externalParameters":{"source":{"uri":"git+https://github.com/example/demo@refs/tags/v1.0.0","digest":{"sha1":"0123456789abcdef0123456789abcdef01234567"}}},"internalParameters":{"GITHUB_REF":"refs/tags/v1.0.0"}},"runDetails":{"builder":{"id":"https://github.com/example/demo/.github/workflows/release.yml@refs/tags/v1.0.0"}}}}' "$digest")
type=application/vnd.in-toto+json
printf 'DSSEv1 %d %s %d %s' "${#type}" "$type" "${#statement}" "$statement" > "$tmp/pae"
sig=$(openssl dgst -sha256 -sign test-key.pem "$tmp/pae" | base64 -w0)
printf '{"payloadType":"%s","payload":"%s","signatures":[{"keyid":"","sig":"%s"}]}\n' \
  "$type" "$(printf %s "$statement" | base64 -w0)" "$sig" > app.wasm.intoto.json
echo "demo regenerated: $(sha256sum app.wasm)"
