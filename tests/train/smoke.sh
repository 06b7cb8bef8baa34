#!/usr/bin/env bash
# CI-sized smoke test of tools/train (registered by tests/train/CMakeLists.txt):
#   smoke.sh OSTEON_PHANTOM PYTHON CHECK_MODELS SOURCE_DIR WORK_DIR
# Makes a handful of phantoms, runs every training script for 2 steps (1 epoch), exports into
# WORK_DIR/models and loads every exported model with the C++ registry (CHECK_MODELS).
# Fails (never skips) when PYTHON cannot import torch.
set -euo pipefail
phantom=$1 python=$2 check=$3 src=$4 work=$5

if ! "$python" -c 'import torch, numpy, PIL' 2>/dev/null; then
  echo "train_smoke: FAIL: $python cannot import torch/numpy/PIL (install Debian python3-torch, python3-numpy, python3-pil)" >&2
  exit 1
fi
rm -rf "$work"
mkdir -p "$work/data" "$work/models"
gen() { "$phantom" --kind "$1" --count "$2" --seed "$3" --rows "$4" --out "$work/data/$5" --png --quiet; }
gen hand 6 101 256 hand_train
gen hand 4 901 256 hand_test
gen skull 8 102 256 skull_train
gen skull 6 902 256 skull_test
gen hip 8 7 256 hip_train
gen hip 6 903 256 hip_val
gen hip 6 923 256 hip_test

export OSTEON_TRAIN_THREADS=1  # one thread: OpenMP spinning makes 2 threads very slow on a busy 2-core box
common=(--data "$work/data" --out "$work/models" --epochs 1 --steps 2)
t0=$SECONDS
"$python" "$src/tools/train/hand_seg.py" "${common[@]}"
"$python" "$src/tools/train/bone_age.py" "${common[@]}"
"$python" "$src/tools/train/contrast_ab.py" "${common[@]}"
"$python" "$src/tools/train/nasal_localiser.py" "${common[@]}"
"$python" "$src/tools/train/nasal_fracture.py" "${common[@]}" --gen-epochs 1
"$python" "$src/tools/train/implant.py" "${common[@]}"
echo "train_smoke: training scripts took $((SECONDS - t0)) s"

"$check" "$work/models" hand_seg hand_contrast bone_age nasal_localiser nasal_fracture nasal_anomaly implant_id
echo "train_smoke: OK"
