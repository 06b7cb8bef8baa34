#!/usr/bin/env bash
# Builds the Debian package: osteon_<version>_amd64.deb in <build>/package/deb/.
#   tools/package.sh [BUILD_DIR]     (default: $OSTEON_BUILD_DIR, else build)
# The build directory is configured (Release) and the installed programs built when needed; the
# package then holds /usr/bin/osteon, osteonctl and osteon-decode, the shipped models and routing
# profiles under /usr/share/osteon, /etc/osteon/osteon.toml, the systemd unit, man pages and docs.
# Install it with `apt install ./osteon_<version>_amd64.deb` (README: "Install as a service").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case "${1:-}" in
  -h|--help) sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
build=${1:-${OSTEON_BUILD_DIR:-$root/build}}
if [ ! -f "$build/CPackConfig.cmake" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target osteon osteonctl osteon-decode osteon_package_files
rm -f "$build"/package/deb/osteon_*.deb
(cd "$build" && cpack -G DEB --config CPackConfig.cmake >/dev/null)
deb=$(ls "$build"/package/deb/osteon_*.deb)
echo "package: $deb ($(du -h "$deb" | cut -f1))"
