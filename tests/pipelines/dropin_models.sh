#!/usr/bin/env bash
# ctest fixture of pipelines_domain_dropin: the shipped models with the bone-age pipeline's domain
# checks recalibrated (tools/train/calibrate_domain.py) on hand phantoms plus the real hands of
# ../shared/corpus/xray-real/hand, as a hospital would calibrate them on its own images.
#   dropin_models.sh OSTEON_PHANTOM PYTHON SOURCE_DIR OUT_DIR
# Without the corpus it writes nothing and says OSTEON-SKIP (the test then skips, or fails
# under CI=true). Fails (never skips) when PYTHON cannot import torch.
set -euo pipefail
phantom=$1 python=$2 src=$3 out=$4
corpus=${OSTEON_SHARED_CORPUS:-$src/../shared/corpus}
rm -rf "$out"
if [[ ! -d $corpus/xray-real/hand ]]; then
  echo "OSTEON-SKIP: no $corpus/xray-real/hand: the drop-in calibration was not made"
  exit 0
fi
"$python" -c 'import torch, numpy, PIL, cv2' || { echo "dropin_models: FAIL: $python lacks torch/numpy/PIL/cv2" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$phantom" --kind hand --count 160 --seed 8801 --out "$work/hands" --png --quiet
OSTEON_TRAIN_THREADS=2 "$python" "$src/tools/train/calibrate_domain.py" --models "$src/models" --out "$out" \
  --pipeline bone_age --phantoms "$work/hands" --images "$corpus/xray-real/hand"
touch "$out/.complete"
