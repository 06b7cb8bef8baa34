#!/usr/bin/env python3
"""Trains models/hand_seg: small U-Net, hand (soft-tissue) mask from the hand PA radiograph.

    /usr/bin/python3 tools/train/hand_seg.py --data DATA --out models [--epochs N] [--steps N]

DATA/hand_train and DATA/hand_test are `osteon-phantom --kind hand --png` runs.
Input: the working image (longer side 512) letterboxed to 128x128 (area), values in [0, 1]
(PNG / 255, no contrast normalisation), zero padding. Output: mask probability 1x128x128.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (whole_image_check, require_masks, working, working_mask, arg_parser, fit, one_cycle, INTENDED_USE, UNet, Timer, cache, card, letterbox, load_mask, load_png,  # noqa: E402
                    channel_stats, domain, phantom_version, texture_stats, read_truth, reuse_weights, setup, write_model_dir,
                    write_report, F, np, torch, nn)
import chain  # noqa: E402

S = 128


def build(data_dir, limit):
    recs = read_truth(data_dir)[:limit]
    xs, ys, full = [], [], []
    for r in recs:
        img = working(load_png(data_dir, r["png"]))[0]
        m = working_mask(load_mask(data_dir, r["masks"]["hand"]) > 127, img.shape).astype(np.float32)
        x, _ = letterbox(img, S)
        y, _ = letterbox(m, S)
        xs.append(x)
        ys.append(y > 0.5)
    return {"x": np.stack(xs).astype(np.float32), "y": np.stack(ys).astype(np.uint8)}


class SegNet(nn.Module):
    """Stride-2 stem, U-Net at 64x64, logits upsampled (bilinear) back to 128x128."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True))
        self.unet = UNet(8, 1, 8)

    def forward(self, x):
        return self.with_features(x)[0]

    def with_features(self, x):
        """Logits and the domain features (channel statistics of the stem and every U-Net block)."""
        s = self.stem(x)
        out, taps = self.unet.taps(s)
        feats = [channel_stats(s)]
        for t in taps:
            feats.append(channel_stats(t))
        return F.interpolate(out, scale_factor=2.0, mode="bilinear", align_corners=False), torch.cat(feats, 1)


class Seg(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = SegNet()

    def forward(self, x, working):
        """Mask probability and the domain features (layer statistics, then the texture statistics
        of the working image, the second input)."""
        logits, feats = self.net.with_features(x)
        return torch.sigmoid(logits), torch.cat([feats, texture_stats(working)], 1)


predict_full = chain.hand_mask  # the pipeline's mask at the working resolution


def hand_domain_check(model, name, a, fit_inputs, entry):
    """The domain check of a model that takes hand_seg's letterbox: fit on the training images,
    threshold on hand_cal, measured on hand_test and the other body parts. entry (hand_seg): the
    model also takes the working image and its features end with its texture statistics."""
    def make(img):
        work = working(img)[0]
        return (chain.hand_seg_input(work), chain.texture_input(work)) if entry else (chain.hand_seg_input(work),)

    return whole_image_check(model, name, a, make, "hand",
                             ("training hand phantoms (seeds 11 and 15)", "held-out hand phantoms (seed 914)",
                              "hand phantoms (seed 911)"), fit=None if entry else fit_inputs, entry=entry)


def dice(a, b):
    a, b = a.astype(bool), b.astype(bool)
    return 2.0 * (a & b).sum() / max(1, a.sum() + b.sum())


def main():
    ap = arg_parser(epochs=6, seed=1)
    a = ap.parse_args()
    setup(a.seed)
    require_masks(os.path.join(a.data, "hand_train"), "hand", "hand_seg")
    t = Timer()
    tr = cache(os.path.join(a.data, f"hand_seg_train_{a.limit}.npz"), lambda: build(os.path.join(a.data, "hand_train"), a.limit))
    te_dir = os.path.join(a.data, "hand_test")
    te = cache(os.path.join(a.data, f"hand_seg_test_{a.limit}.npz"), lambda: build(te_dir, a.limit))
    t_data = t.s()
    model = Seg()
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    n = len(tr["x"])
    sched = one_cycle(opt, 3e-3, a.epochs, n, 16)
    rng = np.random.default_rng(a.seed)

    def loss_of(idx):
        x = torch.from_numpy(tr["x"][idx])[:, None]
        y = torch.from_numpy(tr["y"][idx]).float()[:, None]
        if rng.random() < 0.5:  # exposure augmentation
            x = x.clamp(0, 1) ** float(rng.uniform(0.7, 1.4))
        logit = model.net(x)
        p = torch.sigmoid(logit)
        loss = F.binary_cross_entropy_with_logits(logit, y) + 1 - (2 * (p * y).sum() + 1) / (p.sum() + y.sum() + 1)
        return loss

    if a.reuse:
        t_train = reuse_weights(model, a.out, "hand_seg")
    else:
        t_train = fit("hand_seg", model, opt, sched, n, 16, a.epochs, a.steps, rng, loss_of)
    model.eval()
    with torch.no_grad():
        p = torch.cat([torch.sigmoid(model.net(torch.from_numpy(te["x"][i:i + 32])[:, None])) for i in range(0, len(te["x"]), 32)])
    pm = p[:, 0].numpy() > 0.5
    d128 = [dice(pm[i], te["y"][i]) for i in range(len(pm))]
    recs = read_truth(te_dir)[:a.limit]
    dfull = []
    for r in recs[:120]:
        img = working(load_png(te_dir, r["png"]))[0]
        m = working_mask(load_mask(te_dir, r["masks"]["hand"]) > 127, img.shape)
        dfull.append(dice(predict_full(model, img), m))
    rep = {"model": "hand_seg", "test_images": len(pm), "dice_128_mean": float(np.mean(d128)),
           "dice_128_min": float(np.min(d128)), "dice_working_mean": float(np.mean(dfull)),
           "dice_working_min": float(np.min(dfull)), "dice_working_images": len(dfull),
           "train_images": n, "epochs": a.epochs, "data_s": round(t_data, 1), "train_s": round(t_train, 1)}
    print(rep, flush=True)
    dom, dom_files, dom_rows = hand_domain_check(model, "hand_seg", a, None, entry=True)
    manifest = {
        "name": "hand_seg", "version": "1.1.0", "task": "segmentation",
        "description": "Hand (soft-tissue) mask of a left-hand PA radiograph, 128x128 letterbox",
        "input": {"name": "image", "channels": 1, "height": S, "width": S, "dtype": "float32",
                  "value_range": [0.0, 1.0], "normalisation": {"type": "none"}},
        "extra_inputs": [domain.texture_input()],
        "outputs": [{"name": "hand_probability", "shape": [1, S, S],
                     "meaning": "per-pixel probability of hand (threshold 0.5), same letterbox geometry as the input"},
                    domain.features_output(dom.dimension)],
        "precision": ["fp32", "fp16"], "preferred_batch_sizes": [1, 4, 8],
        "training_data": f"{n} synthetic hand phantoms (osteon-phantom --kind hand --png, seeds 11 and 15 merged, 1024x832 area-resized to the 512x416 working image)",
        "intended_use": INTENDED_USE}
    body = card("hand_seg: hand mask (Osteon reference model)", [
        ("Model", "Stride-2 conv stem, small U-Net at 64x64 (widths 8-16-32-64, BatchNorm, nearest upsampling), logits bilinearly upsampled to 128x128, sigmoid output. "
                  f"{sum(p.numel() for p in model.parameters())} parameters. Task: segmentation."),
        ("Preprocessing (the C++ pipeline must reproduce it)",
         "1. Pixel data as acquired (stored range scaled linearly to [0, 1], MONOCHROME1 inverted first; no window).\n"
         "2. Working image: area resize (cv::INTER_AREA) so that the longer side is 512 px "
         "(1024x832 -> 512x416).\n"
         "3. Letterbox to 128x128: s = 128 / max(H, W); nh = floor(H*s+0.5), nw = floor(W*s+0.5); "
         "area resize; paste at ox = (128-nw)//2, oy = (128-nh)//2 on zeros.\n"
         "4. No contrast normalisation; manifest normalisation `none`; tensor [N,1,128,128] float32.\n"
         "5. Second input `working_image` (for the domain check only): the working image letterboxed to 512x512 "
         "the same way (here only zero padding), no normalisation; tensor [N,1,512,512].\n"
         "Postprocessing used for the metrics: take output[oy:oy+nh, ox:ox+nw], bilinear resize to the "
         "working image size (align_corners=false), threshold 0.5."),
        ("Training data", f"{n} hand phantoms, osteon-phantom --kind hand --png, seeds 11 and 15 merged, 1024x832 area-resized to the 512x416 working image "
                          f"(tools/phantom at {phantom_version()}). Loss BCE + soft Dice, Adam, one-cycle LR, "
                          f"{a.epochs} epochs, batch 16, random gamma augmentation, torch seed {a.seed}."),
        ("Metrics (held-out phantoms, seed 911)",
         f"| metric | value | target |\n|---|---|---|\n"
         f"| Dice at 128x128 ({len(pm)} images), mean | {rep['dice_128_mean']:.4f} | >= 0.95 |\n"
         f"| Dice at 128x128, worst image | {rep['dice_128_min']:.4f} | |\n"
         f"| Dice at the working resolution 512 ({len(dfull)} images), mean | {rep['dice_working_mean']:.4f} | >= 0.95 |\n"
         f"| Dice at the working resolution, worst image | {rep['dice_working_min']:.4f} | |\n\n"
         f"Training time: {t_train:.0f} s with {torch.get_num_threads()} intra-op thread(s) on a shared 2-core CPU (data preparation {t_data:.0f} s)."),
        ("Domain check", domain.card_section(dom, dom_rows)),
        ("Intended use", "Demonstration of the Osteon bone-age pipeline (background removal and cropping). "
                         "Not for primary diagnosis; not a medical device."),
        ("Limitations", "Trained only on schematic synthetic phantoms: real hands, casts, jewellery, "
                        "two hands on one film or other body parts were never seen. 128-px masks are coarse "
                        "at the finger edges."),
    ])
    write_model_dir(a.out, model, manifest, body, dom_files)
    rep["domain"] = dom.info
    write_report(a.report, "hand_seg", rep)


if __name__ == "__main__":
    main()
