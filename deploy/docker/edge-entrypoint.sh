#!/bin/sh
# Runs `tandem-edge generate` once per line of $TANDEM_PROMPTS against $TANDEM_CLOUD,
# printing the streamed text and the stats block of each. Extra arguments go to every
# call. Blank lines and lines starting with # are skipped; "\n" in a line is a newline.
set -eu
prompts=${TANDEM_PROMPTS:-/prompts/prompts.txt}
n=0
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in ''|'#'*) continue ;; esac
  n=$((n + 1))
  prompt=$(printf '%b' "$line")
  printf '=== prompt %d (cloud %s) ===\n' "$n" "$TANDEM_CLOUD"
  tandem-edge generate --model "$TANDEM_MODEL" --cloud "$TANDEM_CLOUD" \
    --max-tokens "${TANDEM_MAX_TOKENS:-96}" --prompt "$prompt" "$@"
  printf '\n'
done < "$prompts"
[ "$n" -gt 0 ] || { echo "edge-entrypoint: no prompts in $prompts" >&2; exit 1; }
