#!/usr/bin/env bash
# The two set-up commands of the README:
#   tools/dev.sh run  [osteon options...]  install what is missing, build (Release), start the node
#   tools/dev.sh test [ctest options...]   install what is missing, build, run the whole test suite
# Environment: OSTEON_BUILD_DIR (default build), OSTEON_JOBS (default: number of cores),
#              CI=true turns warnings into errors.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cmd=${1:-}
case "$cmd" in
  run|test) shift ;;
  -h|--help|"")
    sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    [ -n "$cmd" ] && exit 0 || exit 2 ;;
  *) echo "dev.sh: unknown command '$cmd' (use 'run' or 'test')" >&2; exit 2 ;;
esac

"$root/tools/bootstrap.sh" "$cmd"

build=${OSTEON_BUILD_DIR:-$root/build}
jobs=${OSTEON_JOBS:-$(nproc)}
werror=OFF
if [ "${CI:-}" = "true" ]; then werror=ON; fi
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

start=$(date +%s)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DOSTEON_WERROR="$werror" "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$jobs"
echo "dev.sh: build took $(( $(date +%s) - start )) s"

case "$cmd" in
  run)
    cd "$root"
    exec "$build/osteon" "$@" ;;
  test)
    cd "$build"
    exec ctest --output-on-failure -j "$jobs" "$@" ;;
esac
