#!/usr/bin/env bash
# The test command: installs missing Debian packages, builds if needed, and
# runs every test with ctest. Extra arguments go to ctest (e.g. -R tokenizer).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/build.sh
ctest --test-dir "${TANDEM_BUILD_DIR:-build}" --output-on-failure -j"$(nproc)" "$@"
