#!/usr/bin/env bash
# The main job, end to end on a fresh Debian 12 machine: installs missing
# packages, builds if needed, then runs Tandem as three real processes:
#   tandem-cloud  (target model, deploy/models/tandem-target)
#   tandem-linkem (an emulated link; profile from TANDEM_LINK, default wan)
#   tandem-edge   (draft model, pipelined speculative decoding through the link)
# and prints the generated text as it is committed, then the stats.
#
# Usage: deploy/run.sh ["prompt"] [extra tandem-edge flags...]
#   TANDEM_LINK=lan|metro|wan|cellular|satellite|none   link preset
#   e.g. TANDEM_LINK=cellular deploy/run.sh "import os" --temperature 0.7 --seed 1
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh >&2
bash deploy/build.sh >&2
build=${TANDEM_BUILD_DIR:-build}
link=${TANDEM_LINK:-wan}
prompt=${1:-"def read_config(path):"}
shift || true

work=$(mktemp -d)
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# On a 2-core machine, one core each for the cloud and the edge. (A command
# prefix, not a shell function: a backgrounded function would be a subshell
# whose child survives the cleanup's kill.)
pin0=""; pin1=""
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin0="taskset -c 0"; pin1="taskset -c 1"
fi

# Waits for a server to print "listening on port N" into $1; echoes N.
wait_port() {
  for _ in $(seq 300); do
    port=$(grep -o 'listening on port [0-9]*' "$1" 2>/dev/null | awk '{print $4}') || true
    if [ -n "$port" ]; then echo "$port"; return 0; fi
    sleep 0.1
  done
  echo "error: no port in $1:" >&2; cat "$1" >&2; return 1
}

$pin1 "$build/cloud/tandem-cloud" --model deploy/models/tandem-target \
  --address 127.0.0.1:0 --threads 1 >"$work/cloud.log" 2>&1 &
cloud_port=$(wait_port "$work/cloud.log")
"$build/bench/linkem/tandem-linkem" --listen 127.0.0.1:0 \
  --upstream "127.0.0.1:$cloud_port" --preset "$link" >"$work/link.log" 2>&1 &
link_port=$(wait_port "$work/link.log")
echo "tandem: cloud on :$cloud_port, link '$link' on :$link_port" >&2

$pin0 "$build/edge/tandem-edge" generate --model deploy/models/tandem-draft \
  --cloud "127.0.0.1:$link_port" --prompt "$prompt" --max-tokens 96 --threads 1 "$@"
