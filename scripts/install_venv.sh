#!/usr/bin/env bash
# Create the project venv and install geoproc (editable) with every extra.
# The venv is made from Debian's /usr/bin/python3 with --system-site-packages so
# that QGIS's Python bindings (python3-qgis) import inside it. Versions are
# pinned by requirements/constraints.txt (numpy<2 for Debian's gdal_array).
set -euo pipefail
venv="${1:-.venv}"
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
stamp="$venv/.geoproc-installed"
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ] && [ "$stamp" -nt requirements/constraints.txt ]; then
  exit 0
fi
"$venv/bin/python" -m pip install -q --upgrade "pip>=23.2"
"$venv/bin/python" -m pip install -q -c requirements/constraints.txt -e ".[all]"
touch "$stamp"
