#!/usr/bin/env bash
# Trains Osteon's reference models on synthetic phantoms and exports them to models/.
#
#   tools/train/train_all.sh [--quick] [--build DIR] [--work DIR] [--out DIR] [--sequential]
#
#   --build DIR   build tree holding osteon-phantom and test_train_check_models (default: build-train)
#   --work DIR    phantom data, caches, logs, reports (default: /tmp/osteon-train)
#   --out DIR     models directory to write (default: models/ of this checkout)
#   --quick       small data and few epochs (minutes; models far below target, for trying the chain)
#   --reuse       no training: keep the weights of the models already in --out and redo their
#                 evaluation, domain calibration, export and cards (each script's --reuse)
#   --sequential  run the hand, skull and hip chains one after the other with 2 threads each
#                 (default: the three chains at once, 1 intra-op thread each: on a busy 2-core
#                 machine OpenMP's spinning threads made 2-thread training many times slower)
#
# Everything is seeded (phantom seeds below, torch seeds in each script). CPU only by default
# (torch picks no GPU here); runs on Debian's /usr/bin/python3 with python3-torch 1.13.
# Build the generator and the checker first:
#   cmake -S . -B build-train -G Ninja -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-train --target osteon_phantom test_train_check_models
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/build-train work=/tmp/osteon-train out=$root/models quick=0 parallel=1 reuse=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1 ;;
    --sequential) parallel=0 ;;
    --reuse) reuse=(--reuse) ;;
    --build) build=$2; shift ;;
    --work) work=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "train_all.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
py=/usr/bin/python3
phantom=${OSTEON_PHANTOM:-$build/osteon-phantom}
[[ -x $phantom ]] || { echo "train_all.sh: no osteon-phantom at $phantom (build it, or set OSTEON_PHANTOM)" >&2; exit 1; }
$py -c 'import torch' || { echo "train_all.sh: $py cannot import torch" >&2; exit 1; }
mkdir -p "$work/logs" "$work/reports" "$out"

if [[ $quick == 1 ]]; then
  n_hand=200 n_skull=240 n_hip=240 n_test=60 n_cal=100 e_seg=2 e_age=4 e_loc=3 e_frac=4 e_gen=1 e_imp=4 e_ab=2 e_det=2
else
  n_hand=1200 n_skull=1400 n_hip=1200 n_test=250 n_cal=1500 e_seg=6 e_age=24 e_loc=10 e_frac=12 e_gen=4 e_imp=14 e_ab=8 e_det=8
fi

# Phantoms at the generator's default (acquired) size, exactly what the node receives: hand
# 1024x832, skull 1024x1024, hip 1152x1280. The scripts area-resize them to the pipelines' 512-px
# working image (the nasal crop: to the 1024-px fine image) the way the C++ pipelines do, so the
# models see what they will see in the node. Training, calibration and test sets use different
# seeds: train 11 / 12+14 / 13, held-out test 911 / 912 / 923, implant threshold calibration 913,
# domain-check calibration 914 / 915 / 916, and 917 for the nasal crop models (tools/train/domain.py,
# nasal_fracture.py).
gen() {  # kind count seed dir
  if [[ ! -f $work/$4/.done ]]; then
    rm -rf "${work:?}/$4"
    "$phantom" --kind "$1" --count "$2" --seed "$3" --out "$work/$4" --png --quiet
    rm -f "$work/$4"/*.dcm  # the scripts read the PNGs and truth.jsonl only
    touch "$work/$4/.done"
  fi
}
t0=$SECONDS
gen hand $((n_hand / 2)) 11 hand_a & gen hand $((n_hand / 2)) 15 hand_b & gen hand $n_test 911 hand_test & wait
gen hand $n_cal 914 hand_cal & gen skull $n_cal 915 skull_cal & gen hip $n_cal 916 hip_cal & wait
gen skull $n_cal 917 skull_cal2
[[ -f $work/hand_train/truth.jsonl ]] || $py "$here/merge_sets.py" "$work/hand_train" "$work/hand_a" "$work/hand_b"
# Skull: two half-size runs (seeds 12 and 14) generated at once and merged.
gen skull $((n_skull / 2)) 12 skull_a & gen skull $((n_skull / 2)) 14 skull_b & gen skull $n_test 912 skull_test & wait
[[ -f $work/skull_train/truth.jsonl ]] || $py "$here/merge_sets.py" "$work/skull_train" "$work/skull_a" "$work/skull_b"
gen hip $n_hip 13 hip_train & gen hip $n_test 913 hip_val & gen hip $n_test 923 hip_test & wait
echo "phantoms: $((SECONDS - t0)) s"

step() {  # name script args...
  local name=$1; shift
  local t=$SECONDS
  $py "$here/$1" --data "$work" --out "$out" --report "$work/reports" "${reuse[@]}" "${@:2}" > "$work/logs/$name.log" 2>&1 \
    || { echo "$name: FAILED, see $work/logs/$name.log" >&2; return 1; }
  echo "$name: $((SECONDS - t)) s (wall, including data preparation and evaluation)"
}
hand() { step hand_seg hand_seg.py --epochs $e_seg && step bone_age bone_age.py --epochs $e_age && step hand_contrast contrast_ab.py --epochs $e_ab; }
skull() { step nasal_localiser nasal_localiser.py --epochs $e_loc && step nasal_fracture nasal_fracture.py --epochs $e_frac --gen-epochs $e_gen \
    --data-note "osteon-phantom --kind skull --png, 1024x1024, seeds 12 and 14, $((n_skull / 2)) images each"; }
hip() { step implant_detect implant_detect.py --epochs $e_det && step implant_id implant.py --epochs $e_imp; }
t1=$SECONDS
if [[ $parallel == 1 ]]; then
  export OSTEON_TRAIN_THREADS=1
  hand & p1=$!; skull & p2=$!; hip & p3=$!
  wait $p1 && wait $p2 && wait $p3
else
  export OSTEON_TRAIN_THREADS=2
  hand; skull; hip
fi
echo "training: $((SECONDS - t1)) s"

check=${OSTEON_CHECK_MODELS:-$build/tests/train/test_train_check_models}
[[ -x $check ]] || check=$build/test_train_check_models
if [[ -x $check ]]; then
  "$check" "$out" hand_seg hand_contrast bone_age nasal_localiser nasal_fracture nasal_anomaly implant_detect implant_id
else
  echo "train_all.sh: $check not built; models not checked with the C++ registry" >&2
fi
du -sh "$out"
echo "reports: $work/reports"
