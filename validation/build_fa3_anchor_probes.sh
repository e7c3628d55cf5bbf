#!/usr/bin/env bash
# Builds cascadesim-fa3-bench as shipped (anchor probe 0) and once per anchor timing probe (1-3, the
# CASCADESIM_FA3_ANCHOR_PROBE values attention_fa3.cu lists) from a configured CUDA build folder, linked as CMake links
# the shipped one (its link.txt). Usage: build_fa3_anchor_probes.sh BUILD_DIR BIN_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
mkdir -p "$2"
bin=$(cd "$2" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
cmake --build "$build" --target cascadesim-fa3-bench -j2
cp "$build/validation/cascadesim-fa3-bench" "$bin/cascadesim-fa3-bench"
work=$(mktemp -d)
cd "$build/validation"
for probe in 1 2 3; do
  nvcc -O3 -DNDEBUG -lineinfo -std=c++17 -gencode=arch=compute_90a,code=sm_90a -I"$src" \
    -DCASCADESIM_FA3_ANCHOR_PROBE=$probe -c "$src/validation/kernels/attention_fa3.cu" -o "$work/fa3_probe$probe.o"
  ar rcs "$work/libfa3_probe$probe.a" "$work/fa3_probe$probe.o"
  link=$(sed -e "s#libcascadesim_validation_fa3.a#$work/libfa3_probe$probe.a#" \
    -e "s#-o cascadesim-fa3-bench#-o $bin/cascadesim-fa3-bench-probe$probe#" CMakeFiles/cascadesim-fa3-bench.dir/link.txt)
  eval "$link"
done
rm -rf "$work"
