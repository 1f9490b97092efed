#!/usr/bin/env bash
# Runs an edge-cloud benchmark (tandem-pipeline-bench or tandem-adaptive-bench)
# against tandem-cloud in its own process, as the product runs: on a machine
# with 2 or more cores the cloud is pinned to core 1 and the benchmark (the
# edge, and the tandem-linkem relay it starts in-process) to core 0, so the
# edge's drafting never takes the verifier's core. Without this wrapper the
# benchmarks serve the target in-process and the two share the machine.
#
# Usage: bench/pinned.sh BENCH [bench flags...]
#   e.g. bench/pinned.sh tandem-pipeline-bench --rtts=50,100
#        bench/pinned.sh tandem-adaptive-bench --profiles=lan,wan --repeats=3
# Expects a build (deploy/build.sh); TANDEM_BUILD_DIR overrides build/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  echo "usage: bench/pinned.sh tandem-pipeline-bench|tandem-adaptive-bench [flags...]" >&2
  exit 2
fi
bench=$1
shift
build=${TANDEM_BUILD_DIR:-build}
if [ ! -x "$build/bench/$bench" ]; then
  echo "error: $build/bench/$bench is not built; run deploy/build.sh first" >&2
  exit 2
fi

# shellcheck source=deploy/lib/local_topology.sh
source deploy/lib/local_topology.sh
start_cloud
echo "tandem: cloud on :$cloud_port (${pin1:-unpinned}), $bench on ${pin0:-any core}" >&2
# The hypervisor's steal time (the 8th number of /proc/stat's cpu line, in
# 1/100 s, summed over cores) around the run: on a shared VM it comes in
# bursts that slow whichever configuration they land on by 30-50%
# (docs/benchmarks.md, "The machine steals time in bursts").
steal_ticks() { awk '/^cpu /{print $9; exit}' /proc/stat 2>/dev/null || echo 0; }
steal_before=$(steal_ticks)
start_s=$(date +%s)
rc=0
$pin0 "$build/bench/$bench" --cloud_port "$cloud_port" "$@" || rc=$?
steal_after=$(steal_ticks)
wall_s=$(($(date +%s) - start_s))
cores=$(nproc)
awk -v ticks=$((steal_after - steal_before)) -v wall="$wall_s" -v cores="$cores" 'BEGIN {
  steal = ticks / 100; share = wall > 0 ? 100 * steal / (wall * cores) : 0
  printf "tandem: hypervisor steal %.1f s over %d s on %d cores (%.1f%%)%s\n", steal, wall, cores,
         share, (share > 3 && steal >= 1 ? ": the numbers above are suspect, run again" : "")
}' >&2
exit $rc
