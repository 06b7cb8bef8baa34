#!/usr/bin/env bash
# CI-sized smoke test of tools/train (registered by tests/train/CMakeLists.txt):
#   smoke.sh OSTEON_PHANTOM PYTHON CHECK_MODELS SOURCE_DIR WORK_DIR
# Makes a handful of phantoms, runs every training script for 2 steps (1 epoch), exports into
# WORK_DIR/models and loads every exported model with the C++ registry (CHECK_MODELS); then the
# same for own data in the documented layouts (import_dataset.py) and a recalibration
# (calibrate_domain.py).
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
gen hand 6 914 256 hand_cal    # domain-check calibration sets (tools/train/domain.py)
gen skull 6 915 256 skull_cal
gen hip 6 916 256 hip_cal

export OSTEON_TRAIN_THREADS=1  # one thread: OpenMP spinning makes 2 threads very slow on a busy 2-core box
common=(--data "$work/data" --out "$work/models" --epochs 1 --steps 2)
t0=$SECONDS
"$python" "$src/tools/train/hand_seg.py" "${common[@]}"
"$python" "$src/tools/train/bone_age.py" "${common[@]}"
"$python" "$src/tools/train/contrast_ab.py" "${common[@]}"
"$python" "$src/tools/train/nasal_localiser.py" "${common[@]}"
"$python" "$src/tools/train/nasal_fracture.py" "${common[@]}" --gen-epochs 1
"$python" "$src/tools/train/implant_detect.py" "${common[@]}"
"$python" "$src/tools/train/implant.py" "${common[@]}"
echo "train_smoke: training scripts took $((SECONDS - t0)) s"

"$check" "$work/models" hand_seg hand_contrast bone_age nasal_localiser nasal_fracture nasal_anomaly implant_detect implant_id
for m in hand_seg hand_contrast bone_age nasal_localiser nasal_fracture nasal_anomaly implant_detect implant_id; do
  grep -q '"method": "mahalanobis"' "$work/models/$m/manifest.json" \
    || { echo "train_smoke: FAIL: $m has no calibrated domain check" >&2; exit 1; }
done

# Bring your own data: datasets in the documented layouts (written by the phantom generator),
# imported, trained on and calibrated; the C++ registry loads the results.
t0=$SECONDS
own=$work/own
mkdir -p "$own/models"
cp -r "$work/models/hand_seg" "$work/models/nasal_localiser" "$own/models/"
"$phantom" --kind hand --count 24 --seed 301 --rows 256 --out "$own/raw/hand" --layout rsna --quiet
"$phantom" --kind skull --count 24 --seed 302 --rows 256 --out "$own/raw/skull" --layout skull-csv --quiet
"$phantom" --kind hip --count 24 --seed 303 --rows 256 --out "$own/raw/hip" --layout implant-folders --quiet
"$python" "$src/tools/train/import_dataset.py" --layout rsna --csv "$own/raw/hand/rsna/boneage.csv" \
  --images "$own/raw/hand/rsna/images" --out "$own/data"
"$python" "$src/tools/train/import_dataset.py" --layout skull-csv --csv "$own/raw/skull/skull_csv/landmarks.csv" \
  --images "$own/raw/skull/skull_csv/images" --out "$own/data"
"$python" "$src/tools/train/import_dataset.py" --layout implant-folders --images "$own/raw/hip/implant_folders" --out "$own/data"
mine=(--data "$own/data" --out "$own/models" --epochs 1 --steps 2 --trained-on "own-data layouts written by osteon-phantom (smoke test)")
"$python" "$src/tools/train/bone_age.py" "${mine[@]}"
"$python" "$src/tools/train/nasal_localiser.py" "${mine[@]}"
"$python" "$src/tools/train/nasal_fracture.py" "${mine[@]}" --gen-epochs 1
"$python" "$src/tools/train/implant.py" "${mine[@]}" --crops
"$check" "$own/models" hand_seg bone_age nasal_localiser nasal_fracture nasal_anomaly implant_id
grep -q "own-data layouts written by osteon-phantom" "$own/models/bone_age/manifest.json" \
  || { echo "train_smoke: FAIL: bone_age does not say what it was trained on" >&2; exit 1; }
if "$python" "$src/tools/train/hand_seg.py" --data "$own/data" --out "$own/models" --steps 1 2> "$own/hand_seg.err"; then
  echo "train_smoke: FAIL: hand_seg trained on images without hand masks" >&2; exit 1
fi
grep -q "no hand masks" "$own/hand_seg.err" || { cat "$own/hand_seg.err" >&2; exit 1; }

# A shipped-style models directory recalibrated on other images (calibrate_domain.py).
"$python" "$src/tools/train/calibrate_domain.py" --models "$work/models" --out "$own/recalibrated" --pipeline bone_age \
  --phantoms "$work/data/hand_test" --images "$own/raw/hand/rsna/images"
"$check" "$own/recalibrated" hand_seg hand_contrast bone_age
grep -q "recalibrated by tools/train/calibrate_domain.py" "$own/recalibrated/bone_age/manifest.json" \
  || { echo "train_smoke: FAIL: calibrate_domain.py did not rewrite bone_age's check" >&2; exit 1; }
echo "train_smoke: own data and recalibration took $((SECONDS - t0)) s"
echo "train_smoke: OK"
