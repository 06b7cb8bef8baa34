"""Shared helpers for Osteon's reference-model training scripts (tools/train).

Everything here is the *exact* preprocessing documented in the model cards; the C++ pipelines
reproduce it (see each MODEL_CARD.md, section "Preprocessing").

Conventions
-----------
* Images are the generator's 8-bit PNGs (`osteon-phantom --png`: the stored range scaled
  linearly, no window), read as float32 in [0, 1] (value / 255).
* The training data are rendered at the generator's default (acquired) size, exactly what the
  node receives; like the pipelines, the scripts then resize with area averaging
  (cv::INTER_AREA, here the same OpenCV function) so that the longer side is 512 px, the "working image"
  (hand 1024x832 -> 512x416, skull 1024x1024 -> 512x512, hip 1152x1280 -> 461x512): see
  working(). Truth points map with to_scaled(). The nasal crop is taken from the "fine image"
  (longer side 1024, FINE_SIDE) instead.
* Pixel coordinates are [x, y] with pixel centres at integers (as in truth.jsonl).
* letterbox(img, S): s = S / max(H, W); nh = floor(H*s + 0.5), nw = floor(W*s + 0.5); area
  resize to nw x nh; paste at ox = (S - nw) // 2, oy = (S - nh) // 2 on a zero canvas.
  A point maps as x' = (x + 0.5) * s - 0.5 + ox (same for y with oy).
* contrast(v): z = (v - mean) / std over the given pixels (std floored at 1e-3), clipped to
  [-3, 3], then mapped to [0, 1] as z / 6 + 0.5.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time
from typing import List, Tuple

import numpy as np

try:
    import torch
    from torch import nn
    import torch.nn.functional as F
except ImportError as e:  # pragma: no cover
    sys.exit(f"tools/train: cannot import torch ({e}); run with /usr/bin/python3 (Debian python3-torch)")

from PIL import Image

try:
    import cv2
except ImportError as e:  # pragma: no cover
    sys.exit(f"tools/train: cannot import cv2 ({e}); install Debian's python3-opencv")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "models"))
from model_dir import write_model_dir  # noqa: E402,F401
import domain  # noqa: E402,F401
from domain import channel_stats, texture_stats  # noqa: E402,F401

WORK_SIDE = 512
FINE_SIDE = 1024
INTENDED_USE = "demonstration of the Osteon node; not for primary diagnosis"


def setup(seed):
    """Fixed seeds; intra-op threads from OSTEON_TRAIN_THREADS (default 2, at most 2)."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    threads = int(os.environ.get("OSTEON_TRAIN_THREADS", "2") or 2)
    torch.set_num_threads(max(1, min(2, threads)))


def read_truth(data_dir):
    with open(os.path.join(data_dir, "truth.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_png(data_dir, rel):
    return np.asarray(Image.open(os.path.join(data_dir, rel)), dtype=np.float32) / 255.0


def require_masks(data_dir, mask, model):
    """Exits with an explanation when the run's images have no `mask` truth masks (your own
    images imported with import_dataset.py have none)."""
    recs = read_truth(data_dir)[:1] if os.path.exists(os.path.join(data_dir, "truth.jsonl")) else []
    if recs and mask not in recs[0].get("masks", {}):
        sys.exit(f"{model}: {data_dir} has no {mask} masks: it trains on phantoms only. With your own images keep the "
                 f"shipped {model} and recalibrate its domain check with tools/train/calibrate_domain.py "
                 "(tools/train/README.md, 'Bring your own data')")


def phantom_inputs(data_dir, limit, make):
    """make(image) for the first `limit` phantoms of a run (image: the acquired PNG in [0, 1]),
    stacked; nothing when the run is missing (returns None)."""
    if not os.path.exists(os.path.join(data_dir, "truth.jsonl")):
        return None
    return np.stack([make(load_png(data_dir, r["png"])) for r in read_truth(data_dir)[:limit]]).astype(np.float32)


PHANTOM_TEST_SEEDS = {"hand": 911, "skull": 912, "hip": 923}


def whole_image_check(model, name, a, make, kind, names, fit=None, entry=False):
    """The domain check of a model that takes whole images (the entry models; hand_contrast): the
    statistics of its features over <kind>_train (or `fit`: inputs or Features), the threshold on
    <kind>_cal, measured on <kind>_test and on the other body parts' test phantoms. make(image)
    gives the model's inputs of one [0, 1] image; names: (fit set, calibration set, test set)."""
    def feats(run, limit):
        data_dir = os.path.join(a.data, run)
        if not os.path.exists(os.path.join(data_dir, "truth.jsonl")):
            return None
        return domain.stream_features(model, (load_png(data_dir, r["png"]) for r in read_truth(data_dir)[:limit]), make)
    cal = feats(f"{kind}_cal", a.limit)
    if cal is None:
        raise SystemExit(f"{name}: no calibration phantoms in {a.data}/{kind}_cal (train_all.sh makes them)")
    others = {}
    for other, seed in PHANTOM_TEST_SEEDS.items():
        x = feats(f"{other}_test", a.other_limit) if other != kind else None
        if x is not None:
            others[f"{other} phantoms (seed {seed}), another body part"] = x
    return domain.make_check(model, name, fit if fit is not None else feats(f"{kind}_train", a.limit), cal,
                             feats(f"{kind}_test", a.limit), others, *names, entry=entry)


def load_mask(data_dir, rel):
    return np.asarray(Image.open(os.path.join(data_dir, rel)))


def area_resize(img, w, h):
    """Area resize to w x h: OpenCV's INTER_AREA, exactly what the C++ pipelines use (PIL's BOX filter
    counts whole source pixels by their centres and differs at non-integer factors, e.g. the hip's
    1152x1280 -> 461x512, enough to move the domain check's texture statistics)."""
    if (img.shape[1], img.shape[0]) == (w, h):
        return img.astype(np.float32)
    return np.asarray(cv2.resize(img.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA), dtype=np.float32)


def scaled_size(h, w, side):
    s = side / max(h, w)
    return max(1, int(math.floor(h * s + 0.5))), max(1, int(math.floor(w * s + 0.5)))


def working(img, side=WORK_SIDE):
    """The pipelines' working image (src/pipelines/common.cpp make_working): area resize so that
    the longer side is `side`. Returns (image, fx, fy), f = source pixels per working pixel."""
    h, w = img.shape
    nh, nw = scaled_size(h, w, side)
    if (nh, nw) == (h, w):
        return img, 1.0, 1.0
    return area_resize(img, nw, nh), w / nw, h / nh


def working_mask(mask, shape):
    """A boolean mask taken to a working image of shape (h, w): area fraction > 0.5."""
    h, w = shape
    if mask.shape == (h, w):
        return mask.astype(bool)
    return area_resize(mask.astype(np.float32), w, h) > 0.5


def to_scaled(pt, fx, fy):
    """A source pixel coordinate in the resized image (pixel centres at integers)."""
    return [(pt[0] + 0.5) / fx - 0.5, (pt[1] + 0.5) / fy - 0.5]


def letterbox_geometry(h, w, size):
    s = size / max(h, w)
    nh, nw = int(math.floor(h * s + 0.5)), int(math.floor(w * s + 0.5))
    return s, nw, nh, (size - nw) // 2, (size - nh) // 2


def letterbox(img, size, contrast_norm=False):
    """Area-resizes img (HxW float) into a size x size zero canvas; returns (canvas, (s, ox, oy))."""
    h, w = img.shape
    s, nw, nh, ox, oy = letterbox_geometry(h, w, size)
    r = area_resize(img, nw, nh)
    if contrast_norm:
        r = contrast(r)
    out = np.zeros((size, size), np.float32)
    out[oy:oy + nh, ox:ox + nw] = r
    return out, (s, ox, oy)


def contrast(v, where=None):
    px = v[where] if where is not None else v
    mean = float(px.mean()) if px.size else 0.0
    std = max(float(px.std()) if px.size else 1.0, 1e-3)
    return (np.clip((v - mean) / std, -3.0, 3.0) / 6.0 + 0.5).astype(np.float32)


def to_letterbox(pt, geo):
    s, ox, oy = geo
    return [(pt[0] + 0.5) * s - 0.5 + ox, (pt[1] + 0.5) * s - 0.5 + oy]


def from_letterbox(pt, geo):
    s, ox, oy = geo
    return [(pt[0] - ox + 0.5) / s - 0.5, (pt[1] - oy + 0.5) / s - 0.5]


def bilinear_crop(img, x0, y0, side, out):
    """Samples the square [x0, x0+side) x [y0, y0+side) of img (pixel-edge coordinates) onto an
    out x out grid, bilinear, zero outside: output pixel (u, v) reads the input at
    x = x0 + (u + 0.5) * side / out - 0.5 (cv::warpAffine with INTER_LINEAR, BORDER_CONSTANT 0)."""
    h, w = img.shape
    t = (np.arange(out, dtype=np.float64) + 0.5) * side / out - 0.5
    xs, ys = x0 + t, y0 + t
    x_0 = np.floor(xs).astype(np.int64)
    y_0 = np.floor(ys).astype(np.int64)
    fx, fy = (xs - x_0)[None, :], (ys - y_0)[:, None]

    def at(yy, xx):
        valid = (yy[:, None] >= 0) & (yy[:, None] < h) & (xx[None, :] >= 0) & (xx[None, :] < w)
        v = img[np.clip(yy, 0, h - 1)[:, None], np.clip(xx, 0, w - 1)[None, :]]
        return np.where(valid, v, 0.0)

    r = (at(y_0, x_0) * (1 - fx) * (1 - fy) + at(y_0, x_0 + 1) * fx * (1 - fy)
         + at(y_0 + 1, x_0) * (1 - fx) * fy + at(y_0 + 1, x_0 + 1) * fx * fy)
    return r.astype(np.float32)


def cache(path, build):
    """np.savez cache of a dict of arrays."""
    if os.path.exists(path):
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    d = build()
    np.savez(path, **d)
    return d


class Timer:
    def __init__(self):
        self.t0 = time.time()

    def s(self):
        return time.time() - self.t0


def batches(n, bs, shuffle, rng=None):
    idx = rng.permutation(n) if shuffle else np.arange(n)
    for i in range(0, n, bs):
        yield idx[i:i + bs]


def arg_parser(epochs, seed):
    """The options every training script takes (--data, --out, --epochs, --steps, --limit,
    --report, --seed); scripts add their own."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=epochs)
    ap.add_argument("--steps", type=int, default=0, help="stop after this many steps (smoke test)")
    ap.add_argument("--limit", type=int, default=100000)
    ap.add_argument("--report", default="")
    ap.add_argument("--seed", type=int, default=seed)
    ap.add_argument("--reuse", action="store_true",
                    help="no training: take the weights of the model already in --out (e.g. to redo its evaluation "
                         "and domain calibration after a change of those)")
    ap.add_argument("--other-limit", type=int, default=100,
                    help="phantoms of each other body part the domain check's refusals are measured on")
    ap.add_argument("--trained-on", default="",
                    help="what the training data are, when they are not the phantoms (your own images imported with "
                         "import_dataset.py): replaces the manifest's training_data and heads the card")
    return ap


def trained_on(a, phantom_text):
    """The manifest's training_data: the phantoms' description, or --trained-on."""
    return a.trained_on or phantom_text


def set_names(a, fit_set, calibration_set, test_set):
    """The names of the domain check's image sets: the phantoms', or, with --trained-on, yours."""
    if a.trained_on:
        return "training images (yours)", "calibration images (yours)", "test images (yours)"
    return fit_set, calibration_set, test_set


def own_data_card(a, body):
    """The card, headed by --trained-on when the model was trained on other data than the phantoms."""
    if not a.trained_on:
        return body
    return body.replace("\n\n", f"\n\n**Trained on: {a.trained_on}** (not on the phantoms the sections below describe "
                                 "where they say so).\n\n", 1)


def reuse_weights(module, out_dir, name):
    """--reuse: loads OUT/name/model.pt's weights into `module` (same architecture)."""
    path = os.path.join(out_dir, name, "model.pt")
    module.load_state_dict(torch.jit.load(path).state_dict())
    print(f"{name}: weights reused from {path} (no training)", flush=True)
    return 0.0


def one_cycle(opt, lr, epochs, n, bs):
    """OneCycle learning-rate schedule over `epochs` of ceil(n / bs) steps."""
    return torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=max(1, epochs * ((n + bs - 1) // bs)))


def fit(name, module, opt, sched, n, bs, epochs, max_steps, rng, loss_of):
    """The training loop the scripts share: per epoch, shuffled batches of `bs` indices; loss_of(idx)
    returns the batch loss; one optimiser (and schedule) step per batch; a loss line per epoch.
    max_steps > 0 stops after that many steps (smoke test). Returns the training time in seconds."""
    step = 0
    t = Timer()
    for ep in range(epochs):
        module.train()
        tot = 0.0
        for idx in batches(n, bs, True, rng):
            loss = loss_of(idx)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            tot += float(loss) * len(idx)
            step += 1
            if max_steps and step >= max_steps:
                break
        print(f"{name} epoch {ep} loss {tot / n:.4f} {t.s():.0f}s", flush=True)
        if max_steps and step >= max_steps:
            break
    return t.s()


def conv_block(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    """Small U-Net: widths w, 2w, 4w, 8w; returns raw output channels at input resolution."""

    def __init__(self, cin=1, cout=1, w=8):
        super().__init__()
        self.e1 = conv_block(cin, w)
        self.e2 = conv_block(w, 2 * w, 2)
        self.e3 = conv_block(2 * w, 4 * w, 2)
        self.e4 = conv_block(4 * w, 8 * w, 2)
        self.d3 = conv_block(8 * w + 4 * w, 4 * w)
        self.d2 = conv_block(4 * w + 2 * w, 2 * w)
        self.d1 = conv_block(2 * w + w, w)
        self.out = nn.Conv2d(w, cout, 1)

    def forward(self, x):
        return self.taps(x)[0]

    def taps(self, x) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        """The output and the activations of every block (e1..e4, d3..d1), for the domain check."""
        e1 = self.e1(x)
        e2 = self.e2(e1)
        e3 = self.e3(e2)
        e4 = self.e4(e3)
        d3 = self.d3(torch.cat([F.interpolate(e4, scale_factor=2.0, mode="nearest"), e3], 1))
        d2 = self.d2(torch.cat([F.interpolate(d3, scale_factor=2.0, mode="nearest"), e2], 1))
        d1 = self.d1(torch.cat([F.interpolate(d2, scale_factor=2.0, mode="nearest"), e1], 1))
        return self.out(d1), [e1, e2, e3, e4, d3, d2, d1]


def write_report(report_dir, name, report):
    if not report_dir:
        return
    os.makedirs(report_dir, exist_ok=True)
    with open(os.path.join(report_dir, f"{name}.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")


def phantom_version():
    """The generator revision the data came from (git describe of the tree, when available)."""
    try:
        import subprocess
        root = os.path.join(HERE, "..", "..")
        out = subprocess.run(["git", "-C", root, "log", "-1", "--format=%h %cs", "--", "tools/phantom"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except Exception:  # noqa: BLE001
        return "unknown"


def fmt(v, nd=3):
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def card(title, sections):
    lines = [f"# {title}", "",
             "**Not for primary diagnosis.** Trained only on Osteon's synthetic phantoms "
             "(tools/phantom); intended for demonstrating the Osteon node, not for clinical use.", ""]
    for head, body in sections:
        lines += [f"## {head}", "", body.strip(), ""]
    return "\n".join(lines)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
