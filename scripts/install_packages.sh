#!/usr/bin/env bash
# Installs the given Debian packages that are missing (cheap when all are present).
# Usage: scripts/install_packages.sh WHAT PACKAGE...     (as root, or with sudo available)
set -euo pipefail
what=$1; shift
missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  echo "$what: all $# packages present"
  exit 0
fi
echo "$what: installing ${missing[*]}"
SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
