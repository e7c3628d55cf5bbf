#!/usr/bin/env bash
# Installs what cascadesim needs from Debian 12's packages; does nothing when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libsystemc-dev libeigen3-dev nlohmann-json3-dev doctest-dev libboost-dev
  libboost-mpi-dev libboost-serialization-dev openmpi-bin libopenmpi-dev
  clang-format
  clang-14 libclang-rt-14-dev valgrind
  chromium
  python3 python3-dev pybind11-dev python3-pytest python3-pandas python3-matplotlib
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
