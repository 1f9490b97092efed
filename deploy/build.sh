#!/usr/bin/env bash
# Configures (once) and builds Tandem in ./build (Release, warnings on).
# Usage: deploy/build.sh [extra cmake -D options...]
# Environment: TANDEM_BUILD_DIR (default build), TANDEM_JOBS (default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${TANDEM_BUILD_DIR:-build}
jobs=${TANDEM_JOBS:-$(nproc)}
if [ ! -f "$build_dir/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
fi
cmake --build "$build_dir" -j"$jobs"
