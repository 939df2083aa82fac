#!/usr/bin/env bash
# Make geoproc's libraries importable from QGIS's own Python on Debian/Ubuntu.
#
#   install_qgis_python.sh            -> into the user site of /usr/bin/python3 (what QGIS runs)
#   install_qgis_python.sh --venv DIR -> into a venv over the system site-packages (tests use
#                                        this, then hand DIR's site-packages to qgis_process)
#
# Why not plain wheels: inside the QGIS process, QGIS's own GEOS, PROJ and GDAL are
# loaded with global symbols, and the copies bundled in the shapely, pyproj and
# pyogrio wheels bind to them — wrong versions, crashes ("double free or
# corruption"). So the compiled geo libraries come from Debian (pyproj, rasterio:
# built on the same PROJ/GDAL as QGIS) or are built from source against the
# system GEOS/GDAL (shapely 2, pyogrio: Debian's are too old or missing); only
# packages without geo C libraries come as wheels from PyPI.
set -euo pipefail
mode="user"
target=""
if [ "${1:-}" = "--venv" ]; then mode="venv"; target="${2:?--venv needs a folder}"; fi

apt_pkgs=(python3-pip python3-venv python3-dev build-essential libgeos-dev libgdal-dev
          python3-pyproj python3-rasterio python3-scipy python3-matplotlib python3-numpy)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

reqs=("shapely>=2.0" "pyogrio>=0.7" geopandas "pandas>=2.0,<3" libpysal esda spreg numba openpyxl tqdm
      python-docx)
# versions pinned in requirements/qgis-constraints.txt (numpy < 2: QGIS and gdal_array
# are built on Debian's 1.24); pyproj and rasterio are held at Debian's own builds
here="$(cd "$(dirname "$0")" && pwd)"
cons="$(mktemp)"
for pins in "$here/../requirements/qgis-constraints.txt" "$here/qgis-constraints.txt"; do
  [ -f "$pins" ] && cat "$pins" >> "$cons" && break
done
printf 'numpy<2\npyproj==%s\nrasterio==%s\n' \
  "$(/usr/bin/python3 -c 'import pyproj; print(pyproj.__version__)')" \
  "$(/usr/bin/python3 -c 'import rasterio; print(rasterio.__version__)')" >> "$cons"
gdal_version="$(gdal-config --version)"
stamp="$target/.geoproc-qgis-installed"
if [ "$mode" = "venv" ] && [ -f "$stamp" ] && [ "$stamp" -nt "$0" ] \
   && [ "$stamp" -nt "$(dirname "$0")/../requirements/qgis-constraints.txt" ]; then
  echo "install_qgis_python: $target is ready"; exit 0
fi
if [ "$mode" = "venv" ]; then
  [ -x "$target/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$target"
  py="$target/bin/python"; extra=()
else
  py=/usr/bin/python3; extra=(--user --break-system-packages)
fi
GDAL_VERSION="$gdal_version" "$py" -m pip install -q "${extra[@]}" -c "$cons" \
  --no-binary shapely,pyogrio "${reqs[@]}"
rm -f "$cons"
if [ "$mode" = "venv" ]; then touch "$stamp"; fi
"$py" -c "import geopandas, shapely, pyogrio, pyproj, libpysal, esda, spreg; print('QGIS Python ready: shapely', shapely.__version__, 'GEOS', shapely.geos_version_string, '| pyproj', pyproj.__version__, '| pyogrio GDAL', pyogrio.__gdal_version_string__)"
