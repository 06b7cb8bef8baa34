"""What the C++ pipelines give each model, made from a whole image and no truth: the contract of
each model card's "Preprocessing" section in one place, used by the training scripts (their
evaluations run the real chain), by the domain calibration of every model, and by
calibrate_domain.py for a hospital's own images.

An image here is the acquired image as float32 in [0, 1] (common.load_png, or load_image for
any PNG/JPEG/TIFF/DICOM). Upstream models (hand_seg, nasal_localiser) are callables that
return a tuple whose first element is their output: the exported TorchScript files, or the
Python modules while training.
"""
import numpy as np
import torch
import torch.nn.functional as F

from common import (FINE_SIDE, bilinear_crop, contrast, from_letterbox, letterbox, letterbox_geometry, to_scaled,
                    working)
from domain import TEXTURE_SIDE

SEG_SIDE = 128        # hand_seg / hand_contrast letterbox
AGE_SIDE = 256        # bone_age crop letterbox
LOC_SIDE = 128        # nasal_localiser letterbox
NASAL_CROP = 256      # nasal_fracture / nasal_anomaly crop
NASAL_SIDE_FACTOR = 2.0
IMPLANT_CROP = 128    # implant_id crop
IMPLANT_MARGIN = 1.15
DETECT_SIDE = 128     # implant_detect letterbox


def load_image(path):
    """Any radiograph as the node would see it wrapped as 8-bit DX (PNG/JPEG/TIFF: grey value / 255,
    colour converted to grey first), or a DICOM file (stored values scaled from its bits to 8 bits,
    MONOCHROME1 inverted) - the node's make_working mapping."""
    if path.lower().endswith(".dcm"):
        import pydicom
        ds = pydicom.dcmread(path)
        a = ds.pixel_array.astype(np.float64)
        if a.ndim == 3:
            a = a.mean(axis=2)
        bits = int(getattr(ds, "BitsStored", 8))
        a = np.floor(a / (2 ** max(0, bits - 8))) / 255.0
        if getattr(ds, "PhotometricInterpretation", "") == "MONOCHROME1":
            a = 1.0 - a
        return a.astype(np.float32)
    from PIL import Image
    return np.asarray(Image.open(path).convert("L"), dtype=np.float32) / 255.0


def texture_input(work):
    """Working image -> the entry models' second input: letterboxed to 512x512 on zeros, no
    normalisation (their domain check's texture statistics are taken from it)."""
    return letterbox(work, TEXTURE_SIDE)[0]


def torch_inputs(*arrays):
    """[H, W] arrays -> [1, 1, H, W] tensors."""
    return [torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))[None, None] for a in arrays]


# ---- hand: hand_seg, hand_contrast, bone_age

def hand_seg_input(work):
    """Working image -> hand_seg's (and hand_contrast's) 128x128 letterbox, no normalisation."""
    return letterbox(work, SEG_SIDE)[0]


def hand_mask(seg, work):
    """The pipeline's mask at the working resolution: letterbox to 128, run, take the letterboxed
    region, resize it (bilinear) to the working image size, threshold at 0.5."""
    h, w = work.shape
    with torch.no_grad():
        p = seg(*torch_inputs(hand_seg_input(work), texture_input(work)))[0]
    _, nw, nh, ox, oy = letterbox_geometry(h, w, SEG_SIDE)
    p = p[:, :, oy:oy + nh, ox:ox + nw]
    p = F.interpolate(p, size=(h, w), mode="bilinear", align_corners=False)
    return p[0, 0].numpy() > 0.5


def bone_age_crop(work, mask):
    """Contrast over the mask, zero outside, crop to the mask's bounding box, letterbox to 256 (area).
    An empty mask: the whole image."""
    m = mask.astype(bool)
    if not m.any():
        m = np.ones_like(m)
    v = contrast(work, m)
    v[~m] = 0.0
    ys, xs = np.nonzero(m)
    v = v[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    return letterbox(v, AGE_SIDE)[0]


def bone_age_input(seg, work):
    return bone_age_crop(work, hand_mask(seg, work))


# ---- skull: nasal_localiser, nasal_fracture, nasal_anomaly

def localiser_input(work):
    """Working image -> 128x128 letterbox with contrast over the resized pixels."""
    return letterbox(work, LOC_SIDE, contrast_norm=True)


def localise(localiser, src):
    """Nasion and tip in fine-image pixels (the localiser runs on the 512-px working image)."""
    work, wx, wy = working(src)
    x, g = localiser_input(work)
    with torch.no_grad():
        lm = localiser(*torch_inputs(x, texture_input(work)))[0][0].numpy()
    _, sx, sy = fine_scale(src)
    k = (sx / wx, sy / wy)  # working -> fine: to_scaled with the ratio of the two scales
    nas, tip = (to_scaled(from_letterbox(p, g), k[0], k[1]) for p in lm[:2])
    return nas, tip


def fine_scale(src):
    return working(src, FINE_SIDE)


def nasal_crop_geometry(nasion, tip):
    cx, cy = (nasion[0] + tip[0]) / 2.0, (nasion[1] + tip[1]) / 2.0
    side = max(NASAL_SIDE_FACTOR * float(np.hypot(tip[0] - nasion[0], tip[1] - nasion[1])), 32.0)
    return cx, cy, side


def nasal_crop(fine, cx, cy, side):
    """Output pixel (u, v) samples the fine image at x = cx + ((u + 0.5)/256 - 0.5) * side,
    y = cy + ((v + 0.5)/256 - 0.5) * side, bilinear, 0 outside; then contrast normalisation over
    the whole crop."""
    x0, y0 = cx - side / 2.0 + 0.5, cy - side / 2.0 + 0.5
    return contrast(bilinear_crop(fine, x0, y0, side, NASAL_CROP))


def nasal_input(localiser, src):
    """The pipeline's nasal crop of a whole image (localiser, then the crop from the fine image)."""
    nas, tip = localise(localiser, src)
    fine = fine_scale(src)[0]
    return nasal_crop(fine, *nasal_crop_geometry(nas, tip))


# ---- hip: implant_detect, implant_id

def implant_detect_input(work):
    """Working image -> 128x128 letterbox with contrast over the resized pixels."""
    return letterbox(work, DETECT_SIDE, contrast_norm=True)[0]


def implant_crop_box(mask_label):
    ys, xs = np.nonzero(mask_label)
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    side = IMPLANT_MARGIN * max(x1 - x0 + 1, y1 - y0 + 1)
    return cx, cy, side


def implant_crop(work, cx, cy, side):
    """Output pixel (u, v) samples x = cx + ((u + 0.5)/128 - 0.5) * side (same for y), bilinear,
    0 outside; contrast normalisation over the crop."""
    return contrast(bilinear_crop(work, cx - side / 2.0 + 0.5, cy - side / 2.0 + 0.5, side, IMPLANT_CROP))
