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
$pin0 "$build/bench/$bench" --cloud_port "$cloud_port" "$@"
