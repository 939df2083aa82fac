#!/usr/bin/env bash
# Install the Debian packages geoproc needs, only those missing.
#   install_system.sh demo  -> what `make demo` needs (venv, QGIS for the .qgz project, CJK fonts)
#   install_system.sh test  -> plus Chromium for the browser tests
set -euo pipefail
what="${1:-test}"
# fonts-noto-cjk: the demo's report.html and PNG figures show Chinese region names
pkgs=(python3-venv python3-dev qgis python3-qgis qgis-providers fonts-noto-cjk)
if [ "$what" = "test" ]; then
  pkgs+=(chromium chromium-driver)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_system: all Debian packages present"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install_system: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
