#!/usr/bin/env bash
# Rebuilds app-layout/: an OCI image layout holding the demo's app.wasm as
# a CNCF Wasm OCI artifact (tag v1), with cosign's tag-scheme attestation
# (sha256-<hex>.att: a DSSE envelope of an in-toto statement naming the
# manifest) and signature (sha256-<hex>.sig: a simple-signing payload),
# both signed with the demo's TEST key (../demo/test-key.pem). Needs
# openssl, sha256sum, base64. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")"
key=../demo/test-key.pem
out=app-layout
rm -rf "$out"
mkdir -p "$out/blobs/sha256"
printf '{"imageLayoutVersion":"1.0.0"}' > "$out/oci-layout"

# put FILE: stores FILE as a blob; prints its digest and size.
put() {
  local d
  d=$(sha256sum "$1" | cut -d' ' -f1)
  cp "$1" "$out/blobs/sha256/$d"
  printf 'sha256:%s %s\n' "$d" "$(stat -c %s "$1")"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

read -r layer layer_size < <(put ../demo/app.wasm)
printf '{"created":"2026-12-01T00:00:00Z","architecture":"wasm","os":"wasip2","layerDigests":["%s"],"component":{"exports":["demo:app/greet"],"imports":["wasi:cli/stdout@0.2.0"],"target":null}}' \
  "$layer" > "$tmp/config"
read -r config config_size < <(put "$tmp/config")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.wasm.config.v0+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/wasm","digest":"%s","size":%s}],"annotations":{"org.opencontainers.image.created":"2026-12-01T00:00:00Z"}}' \
  "$config" "$config_size" "$layer" "$layer_size" > "$tmp/manifest"
read -r manifest manifest_size < <(put "$tmp/manifest")
hex=${manifest#sha256:}
printf '{}' > "$tmp/empty"
read -r empty empty_size < <(put "$tmp/empty")

# The attestation.
statement=$(printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"demo/app","digest":{"sha256":"%s"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1","externalParameters":{"source":{"uri":"git+https://github.com/example/demo@refs/tags/v1.0.0","digest":{"sha1":"0123456789abcdef0123456789abcdef01234567"}}},"internalParameters":{"GITHUB_REF":"refs/tags/v1.0.0"}},"runDetails":{"builder":{"id":"https://github.com/example/demo/.github/workflows/release.yml@refs/tags/v1.0.0"}}}}' "$hex")
type=application/vnd.in-toto+json
printf 'DSSEv1 %d %s %d %s' "${#type}" "$type" "${#statement}" "$statement" > "$tmp/pae"
sig=$(openssl dgst -sha256 -sign "$key" "$tmp/pae" | base64 -w0)
printf '{"payloadType":"%s","payload":"%s","signatures":[{"keyid":"","sig":"%s"}]}' \
  "$type" "$(printf %s "$statement" | base64 -w0)" "$sig" > "$tmp/envelope"
read -r env env_size < <(put "$tmp/envelope")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.dsse.envelope.v1+json","digest":"%s","size":%s,"annotations":{"predicateType":"https://slsa.dev/provenance/v1"}}]}' \
  "$empty" "$empty_size" "$env" "$env_size" > "$tmp/att"
read -r att att_size < <(put "$tmp/att")

# The signature.
printf '{"critical":{"identity":{"docker-reference":"registry.example/demo/app"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' \
  "$manifest" > "$tmp/payload"
sig=$(openssl dgst -sha256 -sign "$key" "$tmp/payload" | base64 -w0)
read -r payload payload_size < <(put "$tmp/payload")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"%s","size":%s,"annotations":{"dev.cosignproject.cosign/signature":"%s"}}]}' \
  "$empty" "$empty_size" "$payload" "$payload_size" "$sig" > "$tmp/sig"
read -r sigm sig_size < <(put "$tmp/sig")

entry() {
  printf '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}' "$1" "$2" "$3"
}
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s,%s,%s]}\n' \
  "$(entry "$manifest" "$manifest_size" v1)" \
  "$(entry "$att" "$att_size" "sha256-$hex.att")" \
  "$(entry "$sigm" "$sig_size" "sha256-$hex.sig")" > "$out/index.json"
echo "app-layout regenerated: $manifest"
