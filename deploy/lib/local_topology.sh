# shellcheck shell=bash disable=SC2034,SC2154  # sets variables for, and reads $build from, the sourcing script
# Sourced by deploy/run.sh and deploy/demo.sh: the local three-process
# topology (tandem-cloud <- tandem-linkem <- tandem-edge) on this machine.
#
# After `start_cloud` (the cloud alone, pinned to core 1):
#   $cloud_port              the port it listens on (127.0.0.1)
# After `start_cloud_and_link LINK`:
#   $cloud_port, $link_port  the ports the two servers listen on (127.0.0.1)
#   $link_flags              the tandem-linkem flags used for LINK
#   $pin0                    a command prefix pinning the edge to core 0
#   $work                    a scratch directory, removed on exit with the servers
# LINK is a tandem-linkem preset, or lossy (= --preset wan --loss 3%).
# Expects $build (the build directory) and the repository root as cwd.

work=$(mktemp -d)
cleanup() {
  # shellcheck disable=SC2046  # one argument per job id
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

start_cloud() {
  $pin1 "$build/cloud/tandem-cloud" --model deploy/models/tandem-target \
    --address 127.0.0.1:0 --threads 1 >"$work/cloud.log" 2>&1 &
  cloud_port=$(wait_port "$work/cloud.log")
}

start_cloud_and_link() {
  case "$1" in
    lossy) link_flags=(--preset wan --loss 3%) ;;
    *) link_flags=(--preset "$1") ;;
  esac
  start_cloud
  "$build/bench/linkem/tandem-linkem" --listen 127.0.0.1:0 \
    --upstream "127.0.0.1:$cloud_port" "${link_flags[@]}" >"$work/link.log" 2>&1 &
  link_port=$(wait_port "$work/link.log")
  echo "tandem: cloud on :$cloud_port, link '$1' (${link_flags[*]}) on :$link_port" >&2
}
