#!/usr/bin/env bash
# libFuzzer campaign over the harnesses of fuzz/ (one per place where untrusted bytes enter the
# node): configures a clang build with ASan + UBSan (default build-fuzz/), builds the harnesses,
# seeds each from the repository and ../shared/corpus, runs each for a time, and prints a table:
# executions, executions per second, corpus size, and crashes (inputs kept in <build>/fuzz/crashes/).
#   tools/fuzz.sh [--seconds N] [--build-only | --no-build] [HARNESS...]
#                  (default: 60 s each; dataset decode config profile manifest http)
# Environment: OSTEON_FUZZ_BUILD_DIR (default build-fuzz), OSTEON_CORPUS (default ../shared/corpus),
#              OSTEON_FUZZ_JOBS (harnesses run at once; default 1).
# Exit status 1 when a harness crashed, leaked or tripped a sanitizer.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=60
build_only=0
no_build=0
harnesses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --build-only) build_only=1; shift ;;
    --no-build) no_build=1; shift ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
[ ${#harnesses[@]} -gt 0 ] || harnesses=(dataset decode config profile manifest http)
build=${OSTEON_FUZZ_BUILD_DIR:-$root/build-fuzz}
corpus_root=${OSTEON_CORPUS:-$root/../shared/corpus}
jobs=${OSTEON_FUZZ_JOBS:-1}
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is not installed (Debian: clang, libclang-rt-14-dev)" >&2; exit 2; }

if [ $no_build = 0 ]; then
  start=$(date +%s)
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOSTEON_FUZZ=ON >/dev/null
  cmake --build "$build" --target osteon_fuzzers
  echo "fuzz.sh: harnesses built in $(( $(date +%s) - start )) s"
fi
[ $build_only = 0 ] || exit 0

out="$build/fuzz"
seed() {  # seed HARNESS FILES...: copies small files into the harness's seed directory
  local h=$1; shift
  mkdir -p "$out/seeds/$h"
  for f in "$@"; do
    [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 4194304 ] && cp "$f" "$out/seeds/$h/$(echo "$f" | md5sum | cut -c1-12)-$(basename "$f")"
  done
  return 0
}
dicoms=()
if [ -d "$corpus_root" ]; then
  while IFS= read -r f; do dicoms+=("$f"); done < <(find "$corpus_root/dicom-real" "$corpus_root/dicom-odd" -type f 2>/dev/null | sort)
else
  echo "fuzz.sh: $corpus_root not found: DICOM seeds only from the repository's regression inputs"
fi
# Each harness's seeds: the repository's own files of its kind, ../shared/corpus for DICOM, and
# every input that once crashed it (fuzz/regressions/<harness>/).
make_seeds() {
  local h=$1
  rm -rf "$out/seeds/$h"
  mkdir -p "$out/seeds/$h"
  case $h in
    dataset|decode) seed "$h" "${dicoms[@]}" ;;
    config) seed config "$root/osteon.toml"; [ ! -f "$root/build/package/etc/osteon.toml" ] || seed config "$root/build/package/etc/osteon.toml" ;;
    profile) seed profile "$root"/dicom_profiles/*.toml ;;
    manifest) seed manifest "$root"/models/*/manifest.json ;;
    http)
      printf 'GET /api/v1/jobs?limit=10&state=done HTTP/1.1\r\nHost: x\r\n\r\n' > "$out/seeds/http/get"
      printf 'POST /api/v1/jobs/12/rerun HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nX-CSRF-Token: t\r\n\r\n{}' > "$out/seeds/http/post"
      printf 'GET /api/v1/studies/1.2.3/instances/1.2.3.4%%2F HTTP/1.1\r\nHost: x\r\nCookie: osteon_session=abc\r\n\r\n' > "$out/seeds/http/escaped"
      printf 'POST /api/v1/jobs/1/rerun HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n' > "$out/seeds/http/chunked" ;;
  esac
  if [ -d "$root/fuzz/regressions/$h" ]; then seed "$h" "$root/fuzz/regressions/$h"/*; fi
}

dict_of() { case $1 in dataset|decode) echo dicom ;; config|profile) echo toml ;; manifest) echo json ;; http) echo http ;; esac; }
run_one() {
  local h=$1
  make_seeds "$h"
  mkdir -p "$out/corpus/$h" "$out/crashes/$h"
  local extra=()
  case $h in dataset|decode) extra=(-max_len=1048576) ;; *) extra=(-max_len=65536) ;; esac
  local rc=0
  "$out/fuzz_$h" "$out/corpus/$h" "$out/seeds/$h" -dict="$root/fuzz/dict/$(dict_of "$h").dict" \
    -max_total_time="$seconds" -timeout=30 -rss_limit_mb=3072 -print_final_stats=1 -close_fd_mask=3 \
    -artifact_prefix="$out/crashes/$h/" "${extra[@]}" > "$out/$h.log" 2>&1 || rc=$?
  echo $rc > "$out/$h.rc"
}
running=0
for h in "${harnesses[@]}"; do
  run_one "$h" &
  running=$((running + 1))
  if [ $running -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait || true

printf '\n%-10s %8s %14s %10s %8s  %s\n' harness seconds executions "exec/s" corpus result
failed=0
for h in "${harnesses[@]}"; do
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$h.log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$h.log" | tail -1)
  corpus=$(find "$out/corpus/$h" -type f | wc -l)
  rc=$(cat "$out/$h.rc")
  result=ok
  if [ "$rc" != 0 ]; then
    result="FAILED (exit $rc; $(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error' "$out/$h.log" || echo 'see log'); $out/$h.log)"
    failed=1
  fi
  printf '%-10s %8s %14s %10s %8s  %s\n' "$h" "$seconds" "${execs:-?}" "${rate:-?}" "$corpus" "$result"
done
exit $failed
