#!/usr/bin/env bash
# Builds Osteon on a CUDA machine that has PyTorch installed (pip or conda) but no package
# registry, against the LibTorch inside that PyTorch, and runs `osteon-bench infer` on the GPU.
#
# Two steps, on two machines:
#
#   1. On a Debian 12 (bookworm, amd64) machine WITH apt sources: download the Debian packages
#      the build needs (and their dependencies) as .deb files:
#        tools/cuda/build-node-cuda.sh download DEBS_DIR
#      Copy DEBS_DIR and this repository to the GPU machine.
#
#   2. On the GPU machine (no registry needed):
#        tools/cuda/build-node-cuda.sh build DEBS_DIR [options]
#      unpacks the .debs into a prefix (dpkg -x, or ar + tar without dpkg), configures with
#      CMAKE_PREFIX_PATH = PyTorch's cmake prefix + that prefix, builds osteon-bench and the
#      inference tests, runs the inference tests on CUDA and `osteon-bench infer` (fp16 and fp32).
#
# Options of build:
#   --python PY        Python with torch (default: python3 on PATH)
#   --prefix DIR       where the .debs are unpacked (default: BUILD_DIR/debs-root)
#   --build-dir DIR    (default: build-cuda in the repository)
#   --arch A           benchmark model: resnet18 (default) or small
#   --skip-tests       do not build or run the inference tests
#   --jobs N           parallel build jobs (default: nproc)
#
# Requirements on the GPU machine: an NVIDIA driver; g++ >= 12 and binutils (the C++ toolchain is
# not brought as .debs); glibc >= 2.36 (the .debs are Debian 12's); PyTorch built with the C++11
# string ABI (PyTorch >= 2.7 wheels; older wheels use the old ABI and are refused) with CUDA.
# cmake, ninja and pkg-config come from the .debs when the machine has none. Without nvcc (the
# CUDA toolkit) the build links LibTorch directly (OSTEON_LIBTORCH_PREFIX) because LibTorch's
# CMake package would look for the toolkit.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

die() { echo "build-node-cuda.sh: $*" >&2; exit 1; }
say() { echo "build-node-cuda.sh: $*" >&2; }
usage() { sed -n '2,32p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

# The Debian packages of tools/deps/debian-packages.txt needed to build (not to run the node's
# other tests): no toolchain, no LibTorch or Python (PyTorch brings them), no DICOM validators.
build_packages() {
  sed -e 's/#.*//' -e 's/[[:space:]]//g' "$root/tools/deps/debian-packages.txt" | grep -v '^$' |
    grep -vxE 'g\+\+|libtorch-dev|python3-.*|dicom3tools|dcmtk|sqlite3'
}

# Base packages every Debian-like system with a C++ toolchain has: never brought along, so the
# prefix cannot shadow the host's C library or compiler runtime.
base_package_regex='^(libc6|libc6-dev|libc-dev-bin|linux-libc-dev|libgcc-s1|libstdc\+\+6|libstdc\+\+-[0-9]+-dev|gcc-[0-9]+-base|gcc|gcc-[0-9]+|cpp|cpp-[0-9]+|g\+\+|g\+\+-[0-9]+|binutils.*|libbinutils|libctf.*|libgprofng0|libcrypt1|libcrypt-dev|libnsl2|libnsl-dev|libtirpc.*|libgomp1|libasan[0-9]+|libubsan[0-9]+|liblsan0|libtsan[0-9]+|libitm1|libatomic1|libquadmath0|libcc1-0|libisl23|libmpc3|libmpfr6|libgmp10|libzstd1|zlib1g|debconf|dpkg|perl-base|tar|libselinux1|libpcre2-8-0|libacl1|libattr1|libaudit.*|libcap-ng0|libcap2|libpam.*|libdb5.3|libbz2-1.0|liblzma5|libmd0|libtinfo6|libsystemd0|libudev1|liblz4-1|libgcrypt20|libgpg-error0|libuuid1|libblkid1|libmount1|libsmartcols1|base-files|bash|coreutils|libc-bin|util-linux.*|login|passwd|mount)$'

cmd_download() {
  local out=${1:-}
  [ -n "$out" ] || die "usage: build-node-cuda.sh download DEBS_DIR"
  if ! command -v apt-get >/dev/null || ! command -v apt-cache >/dev/null; then
    die "download needs apt-get (a Debian 12 machine with apt sources)"
  fi
  grep -q 'bookworm\|VERSION_ID="12"' /etc/os-release 2>/dev/null || say "warning: this is not Debian 12; the GPU build expects Debian 12 packages"
  mkdir -p "$out"
  local roots
  mapfile -t roots < <(build_packages)
  say "resolving dependencies of: ${roots[*]}"
  local closure
  mapfile -t closure < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
      --no-replaces --no-enhances "${roots[@]}" | grep -E '^[a-z0-9]' | sort -u | grep -vE "$base_package_regex")
  local keep=() pkg prio
  for pkg in "${closure[@]}"; do
    prio=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Priority: //p' | head -1)
    [ "$prio" = "required" ] && continue  # on every Debian-like system already
    apt-cache show --no-all-versions "$pkg" 2>/dev/null | grep -q '^Essential: yes' && continue
    keep+=("$pkg")
  done
  say "downloading ${#keep[@]} packages into $out"
  if ! (cd "$out" && apt-get download "${keep[@]}"); then
    say "one download failed; fetching one package at a time"
    for pkg in "${keep[@]}"; do
      (cd "$out" && apt-get download "$pkg") || say "warning: could not download $pkg"
    done
  fi
  printf '%s\n' "${keep[@]}" > "$out/PACKAGES"
  say "done: copy $out and the repository to the GPU machine, then run: tools/cuda/build-node-cuda.sh build $out"
}

unpack_debs() {
  local debs=$1 prefix=$2
  local stamp=$prefix/.osteon-unpacked
  if [ -f "$stamp" ] && [ "$stamp" -nt "$debs" ]; then return; fi
  mkdir -p "$prefix"
  local deb n=0
  for deb in "$debs"/*.deb; do
    [ -e "$deb" ] || die "no .deb files in $debs (run the download step first)"
    if command -v dpkg-deb >/dev/null; then
      dpkg-deb -x "$deb" "$prefix"
    else
      local tmp
      tmp=$(mktemp -d)
      (cd "$tmp" && ar x "$deb" && tar -xf data.tar.* -C "$prefix")
      rm -rf "$tmp"
    fi
    n=$((n + 1))
  done
  touch "$stamp"
  say "unpacked $n packages into $prefix"
}

cmd_build() {
  local debs=${1:-}
  if [ -z "$debs" ] || [ ! -d "$debs" ]; then
    die "usage: build-node-cuda.sh build DEBS_DIR [options] (DEBS_DIR from the download step)"
  fi
  debs=$(cd "$debs" && pwd)
  shift
  local python=python3 build="$root/build-cuda" prefix="" arch=resnet18 tests=1 jobs
  jobs=$(nproc)
  while [ $# -gt 0 ]; do
    case "$1" in
      --python) python=$2; shift 2 ;;
      --prefix) prefix=$2; shift 2 ;;
      --build-dir) build=$2; shift 2 ;;
      --arch) arch=$2; shift 2 ;;
      --skip-tests) tests=0; shift ;;
      --jobs) jobs=$2; shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  prefix=${prefix:-$build/debs-root}
  mkdir -p "$build"

  # PyTorch: version, CUDA, ABI, where its LibTorch is.
  command -v "$python" >/dev/null || die "$python not found (use --python)"
  local info
  info=$("$python" -c 'import os, torch
print(torch.__version__, int(torch.cuda.is_available()), int(torch._C._GLIBCXX_USE_CXX11_ABI), torch.version.cuda or "none")
print(torch.utils.cmake_prefix_path)
print(os.path.dirname(torch.__file__))') || die "$python cannot import torch"
  local version cuda abi cuda_version cmake_prefix torch_dir
  read -r version cuda abi cuda_version <<<"$(sed -n 1p <<<"$info")"
  cmake_prefix=$(sed -n 2p <<<"$info")
  torch_dir=$(sed -n 3p <<<"$info")
  say "PyTorch $version (CUDA $cuda_version, GPU visible: $cuda, cxx11 ABI: $abi) in $torch_dir"
  [ "$abi" = 1 ] || die "this PyTorch uses the pre-C++11 string ABI; Osteon and Debian's libraries use the C++11 ABI. Use PyTorch >= 2.7 (or a cxx11-ABI LibTorch zip)."
  [ "$cuda" = 1 ] || say "warning: PyTorch sees no CUDA GPU; the benchmark will measure the CPU"
  command -v g++ >/dev/null || die "g++ not found: the GPU machine needs g++ >= 12 and binutils"
  local gxx_major
  gxx_major=$(g++ -dumpversion | cut -d. -f1)
  [ "$gxx_major" -ge 12 ] || die "g++ $gxx_major is too old: Debian 12's libraries need g++ >= 12 (libstdc++ of GCC 12)"

  unpack_debs "$debs" "$prefix"
  local arch_dir=x86_64-linux-gnu
  export PATH="$PATH:$prefix/usr/bin"  # host tools first; cmake, ninja, pkg-config from the prefix otherwise
  export PKG_CONFIG_LIBDIR="$prefix/usr/lib/$arch_dir/pkgconfig:$prefix/usr/share/pkgconfig"
  export PKG_CONFIG_SYSROOT_DIR="$prefix"
  export DCMDICTPATH
  DCMDICTPATH=$(find "$prefix/usr/share" -name dicom.dic 2>/dev/null | head -1)
  export LD_LIBRARY_PATH="$prefix/usr/lib/$arch_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  command -v cmake >/dev/null || die "cmake not found on the machine nor in the .debs"
  local generator=(-G Ninja)
  command -v ninja >/dev/null || generator=(-G "Unix Makefiles")

  local torch_args=()
  if command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ]; then
    torch_args=(-DCMAKE_PREFIX_PATH="$cmake_prefix;$prefix/usr")
    say "CUDA toolkit found: LibTorch through find_package(Torch) from $cmake_prefix"
  else
    torch_args=(-DCMAKE_PREFIX_PATH="$prefix/usr" -DOSTEON_LIBTORCH_PREFIX="$torch_dir" -DOSTEON_TORCH_CXX11_ABI=1)
    say "no CUDA toolkit (nvcc): LibTorch linked directly from $torch_dir"
  fi
  local test_flag=ON
  [ "$tests" = 1 ] || test_flag=OFF
  cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DOSTEON_BUILD_TESTS="$test_flag" \
    -DCMAKE_LIBRARY_ARCHITECTURE="$arch_dir" -DOSTEON_TORCH_PYTHON="$(command -v "$python")" "${torch_args[@]}"
  local targets=(osteon-bench)
  if [ "$tests" = 1 ]; then targets+=(test_inference test_inference_torch); fi
  local start
  start=$(date +%s)
  cmake --build "$build" -j "$jobs" --target "${targets[@]}"
  say "build took $(( $(date +%s) - start )) s"

  if [ "$tests" = 1 ]; then
    say "inference tests on the GPU (OSTEON_INFERENCE_TEST_DEVICE=auto)"
    (cd "$build" && OSTEON_INFERENCE_TEST_DEVICE=auto ctest -L inference --output-on-failure)
  fi

  "$python" "$root/tools/models/make_bench_model.py" --out "$build/bench-models" --arch "$arch"
  local model="${arch}_256"
  say "osteon-bench infer, fp16 where allowed"
  "$build/osteon-bench" infer --model "$model" --models-dir "$build/bench-models" --clients 32 | tee "$build/infer-bench-fp16.txt"
  say "osteon-bench infer, fp32"
  "$build/osteon-bench" infer --model "$model" --models-dir "$build/bench-models" --fp32 | tee "$build/infer-bench-fp32.txt"
  say "tables saved in $build/infer-bench-fp16.txt and $build/infer-bench-fp32.txt"
}

case "${1:-}" in
  download) shift; cmd_download "$@" ;;
  build) shift; cmd_build "$@" ;;
  -h|--help) usage ;;
  *) usage; exit 2 ;;
esac
