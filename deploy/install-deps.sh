#!/usr/bin/env bash
# Installs everything Tandem needs to build and test, from Debian 12 packages only.
# Idempotent: packages already present are left alone. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libtorch-dev                      # libtorch 1.13 (CPU)
  libopenblas0-pthread              # without it matmuls use reference BLAS (~30x slower)
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libzstd-dev catch2 nlohmann-json3-dev libpcre2-dev
  python3 python3-matplotlib        # bench plots (Debian's python3: /usr/bin/python3)
  iproute2                          # network namespaces for link tests
  docker-compose python3-yaml       # validating deploy/compose and deploy/k8s (no engine needed)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
