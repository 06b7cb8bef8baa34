#!/usr/bin/env bash
# Installs the Debian packages listed in tools/deps/debian-packages.txt that are not installed yet
# (and, with the argument "test", the browser tests' npm packages).
# Runs 'apt-get update' once, and only when something is missing. Needs root (or sudo).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/deps/debian-packages.txt" | grep -v '^$')
missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#wanted[@]} packages present"
else
  echo "bootstrap: installing ${#missing[@]} missing packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  echo "bootstrap: done"
fi

# `bootstrap.sh test`: also the browser tests' npm packages (tests/browser/package-lock.json),
# with the machine's Node.js and npm; no browser is downloaded (puppeteer-core drives Debian's
# chromium). Without npm the browser test reports itself skipped (a failure under CI=true).
[ "${1:-}" = "test" ] || exit 0
browser="$here/../tests/browser"
if command -v npm >/dev/null 2>&1; then
  if [ ! -d "$browser/node_modules/puppeteer-core" ] || [ "$browser/package-lock.json" -nt "$browser/node_modules" ]; then
    echo "bootstrap: npm ci in tests/browser"
    (cd "$browser" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$browser/node_modules"
  fi
else
  echo "bootstrap: npm not found; the browser tests will be skipped"
fi
