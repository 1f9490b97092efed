#!/usr/bin/env bash
# The main job, end to end on a fresh Debian 12 machine: installs missing
# packages, builds if needed, then runs Tandem as three real processes:
#   tandem-cloud  (target model, deploy/models/tandem-target)
#   tandem-linkem (an emulated link; profile from TANDEM_LINK, default wan)
#   tandem-edge   (draft model, pipelined speculative decoding through the link)
# and prints the generated text as it is committed, then the stats.
#
# Usage: deploy/run.sh ["prompt"] [extra tandem-edge flags...]
#   TANDEM_LINK=lan|metro|wan|cellular|satellite|lossy|none   link preset
#   e.g. TANDEM_LINK=cellular deploy/run.sh "import os" --temperature 0.7 --seed 1
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh >&2
bash deploy/build.sh >&2
build=${TANDEM_BUILD_DIR:-build}
link=${TANDEM_LINK:-wan}
prompt=${1:-"def read_config(path):"}
shift || true

# shellcheck source=deploy/lib/local_topology.sh
source deploy/lib/local_topology.sh
start_cloud_and_link "$link"

$pin0 "$build/edge/tandem-edge" generate --model deploy/models/tandem-draft \
  --cloud "127.0.0.1:$link_port" --prompt "$prompt" --max-tokens 96 --threads 1 "$@"
