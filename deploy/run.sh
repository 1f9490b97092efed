#!/usr/bin/env bash
# The main job, end to end on a fresh Debian 12 machine: installs missing
# packages, builds if needed, and generates text with the bundled trained
# target model (deploy/models/tandem-target), printing the text as it is
# produced and then the stats.
#
# Usage: deploy/run.sh ["prompt"] [extra tandem-edge flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh >&2
bash deploy/build.sh >&2
prompt=${1:-"def read_config(path):"}
shift || true
exec "${TANDEM_BUILD_DIR:-build}/edge/tandem-edge" generate --local \
  --model deploy/models/tandem-target --prompt "$prompt" --max-tokens 96 \
  --threads 1 "$@"
