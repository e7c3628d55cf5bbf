#!/usr/bin/env bash
# install_and_import.sh PREFIX BUILD_DIR PYTHON SITE_DIR: `cmake --install` puts the package under PREFIX/SITE_DIR and
# the executable under PREFIX/bin, and the interpreter imports the installed package (not the build tree's) and
# predicts with it.
set -euo pipefail
prefix=$1 build=$2 python=$3 site=$4
rm -rf "$prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
test -x "$prefix/bin/cascadesim"
cd "$prefix"
PYTHONPATH="$prefix/$site" "$python" -c '
import sys, cascadesim
assert cascadesim.__file__.startswith(sys.argv[1]), cascadesim.__file__
assert cascadesim.predict()["study"] == "kascade-llama-3.2-1b-32k"
' "$prefix/$site"
