#!/usr/bin/env bash
# The last step of action.yml: ends the action with wasm-audit's exit
# code (0 pass, 1 the audit failed, 2 error), after the reports were
# uploaded. With `fail-on-findings: false` a failed audit (1) is a
# warning and the job goes on; an error (2) always fails it.
set -euo pipefail

code="${WASM_AUDIT_EXIT_CODE:-}"
case "${INPUT_FAIL_ON_FINDINGS:-true}" in
  true | false) ;;
  *)
    echo "::error title=wasm-audit::fail-on-findings: \`${INPUT_FAIL_ON_FINDINGS}\` is neither true nor false"
    exit 2
    ;;
esac
case "$code" in
  0)
    echo "wasm-audit: the audit passed"
    exit 0
    ;;
  1)
    if [ "${INPUT_FAIL_ON_FINDINGS:-true}" = "false" ]; then
      echo "::warning title=wasm-audit::the audit failed (fail-on-findings is false: the job goes on); see the step summary"
      exit 0
    fi
    echo "::error title=wasm-audit::the audit failed; the findings are in the step summary and in code scanning"
    exit 1
    ;;
  *)
    echo "::error title=wasm-audit::the audit could not be done (exit code ${code:-unknown}); see the log of the audit step"
    exit 2
    ;;
esac
