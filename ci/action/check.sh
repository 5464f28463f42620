#!/usr/bin/env bash
# The audit step of action.yml: one `wasm-audit check` run that writes
# every report (SARIF for code scanning, Markdown for the step summary,
# JSON, JUnit) and the SBOMs into one directory, prints the report in
# the chosen format to the log, and records the exit code as a step
# output. It exits 0 itself so that the upload steps still run; the
# verdict step (verdict.sh) ends the action with the tool's exit code.
#
# Inputs come as INPUT_* environment variables (never pasted into the
# script); results go to $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY.
set -uo pipefail

out="${INPUT_OUTPUT_DIR:-}"
if [ -z "$out" ]; then
  out="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/wasm-audit"
fi
mkdir -p "$out"

output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s=%s\n' "$1" "$2" >> "$GITHUB_OUTPUT"
  fi
}

# A workflow command's message, encoded as the runner expects.
annotation() {
  local text="$2"
  text="${text//'%'/%25}"
  text="${text//$'\r'/%0D}"
  text="${text//$'\n'/%0A}"
  echo "::$1 title=wasm-audit::$text"
}

# Lists: whitespace- (or comma-, for sbom) separated words; in `files`,
# each word is a path or a shell glob. A glob that matches nothing is
# passed on as it is, so wasm-audit reports it missing (exit 2) rather
# than auditing nothing.
words() {
  local IFS=$' \t\n'
  set -f
  # shellcheck disable=SC2086
  printf '%s\n' $1
  set +f
}

args=(check --format "${INPUT_FORMAT:-text}")
if [ -n "${INPUT_POLICY:-}" ]; then
  args+=(--policy "$INPUT_POLICY")
fi
while IFS= read -r w; do [ -n "$w" ] && args+=(--trust "$w"); done < <(words "${INPUT_TRUST:-}")
while IFS= read -r w; do [ -n "$w" ] && args+=(--signature "$w"); done < <(words "${INPUT_SIGNATURE:-}")
while IFS= read -r w; do [ -n "$w" ] && args+=(--key "$w"); done < <(words "${INPUT_KEY:-}")
while IFS= read -r w; do [ -n "$w" ] && args+=("$w"); done < <(words "${INPUT_ARGS:-}")

sarif="$out/wasm-audit.sarif"
markdown="$out/wasm-audit.md"
json="$out/wasm-audit.json"
junit="$out/wasm-audit.junit.xml"
args+=(--report "sarif=$sarif" --report "markdown=$markdown" --report "json=$json" --report "junit=$junit")

sbom_formats=()
while IFS= read -r f; do
  [ -n "$f" ] || continue
  case "$f" in
    cyclonedx-json) ext=cdx.json ;;
    cyclonedx-xml) ext=cdx.xml ;;
    spdx-json) ext=spdx.json ;;
    spdx3-json) ext=spdx3.json ;;
    *) ext="$f" ;;
  esac
  sbom_formats+=("$f")
  args+=(--sbom "$f=$out/{}.$ext")
done < <(sbom="${INPUT_SBOM:-}"; words "${sbom//,/ }")

files=()
while IFS= read -r pattern; do
  [ -n "$pattern" ] || continue
  # shellcheck disable=SC2206
  matches=($pattern)
  files+=("${matches[@]}")
done < <(words "${INPUT_FILES:-}")
if [ "${#files[@]}" -eq 0 ]; then
  annotation error "files: no component to audit (set the action's \`files\` input)"
  output exit-code 2
  output verdict error
  exit 0
fi

# Earlier results in a reused directory must not pass for this run's.
rm -f "$sarif" "$markdown" "$json" "$junit" "$out"/*.cdx.json "$out"/*.cdx.xml "$out"/*.spdx.json "$out"/*.spdx3.json

echo "wasm-audit ${args[*]} -- ${files[*]}"
wasm-audit "${args[@]}" -- "${files[@]}" 2> "$out/stderr.txt"
code=$?
cat "$out/stderr.txt" >&2
errors=()
while IFS= read -r line; do
  case "$line" in
    error:*)
      errors+=("$line")
      annotation error "${line#error: }"
      ;;
  esac
done < "$out/stderr.txt"
rm -f "$out/stderr.txt"

case "$code" in
  0) verdict=pass ;;
  1) verdict=fail ;;
  *) verdict=error ;;
esac
output exit-code "$code"
output verdict "$verdict"
output results-dir "$out"
[ -f "$sarif" ] && output sarif "$sarif"
[ -f "$markdown" ] && output markdown "$markdown"
[ -f "$json" ] && output json "$json"
[ -f "$junit" ] && output junit "$junit"
sboms="$(find "$out" -maxdepth 1 -type f \( -name '*.cdx.json' -o -name '*.cdx.xml' -o -name '*.spdx.json' -o -name '*.spdx3.json' \) | LC_ALL=C sort | tr '\n' ' ')"
output sbom "${sboms% }"

# The step summary: the Markdown report, within the 1 MiB GitHub takes
# from one step; a longer one is cut at a line and says where the rest is.
if [ "${INPUT_STEP_SUMMARY:-true}" = "true" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  limit=$((1024 * 1024 - 4096))
  if [ -f "$markdown" ] && [ "$(wc -c < "$markdown")" -le "$limit" ]; then
    cat "$markdown" >> "$GITHUB_STEP_SUMMARY"
  elif [ -f "$markdown" ]; then
    head -c "$limit" "$markdown" | sed '$d' >> "$GITHUB_STEP_SUMMARY"
    # shellcheck disable=SC2016 # backquotes are Markdown here
    printf '\n\n**The report is longer than a step summary can hold:** the whole report is `wasm-audit.md` in the `%s` artifact.\n' \
      "${INPUT_ARTIFACT_NAME:-wasm-audit}" >> "$GITHUB_STEP_SUMMARY"
  else
    {
      printf '## wasm-audit: ERROR\n\nThe audit could not be done (exit code %s):\n\n' "$code"
      # An indented code block: nothing in a message can end it early.
      for line in "${errors[@]}"; do
        printf '    %s\n' "$line"
      done
    } >> "$GITHUB_STEP_SUMMARY"
  fi
fi
exit 0
