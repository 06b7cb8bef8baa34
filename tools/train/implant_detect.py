#!/usr/bin/env python3
"""Trains models/implant_detect: is there a hip implant on each side of an AP pelvis, from the
whole image. It is the implant pipeline's entry model: it sees the whole radiograph before the
metal segmentation and the crop classifier (implant_id), so its domain check refuses images that
are not hip phantoms (other body parts, real radiographs) before anything is reported.

    /usr/bin/python3 tools/train/implant_detect.py --data DATA --out models [--epochs N] [--steps N]

DATA/hip_train (training), DATA/hip_cal (domain calibration), DATA/hip_test (metrics):
`osteon-phantom --kind hip --png` runs with different seeds.
Input: the 512-px working image letterboxed to 128x128 (area) with contrast normalisation over
the resized pixels (as nasal_localiser). Output: implant probability per side, [patient's right
(image left), patient's left (image right)].
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (whole_image_check, working, arg_parser, fit, one_cycle, INTENDED_USE, Timer, cache, card, load_png,  # noqa: E402
                    channel_stats, domain, phantom_version, read_truth, reuse_weights, setup, texture_stats,
                    write_model_dir, write_report, F, np, torch, nn)
import chain  # noqa: E402
from typing import List  # noqa: E402

S = chain.DETECT_SIDE


def build(data_dir, limit):
    recs = read_truth(data_dir)[:limit]
    xs, ys = [], []
    for r in recs:
        xs.append(chain.implant_detect_input(working(load_png(data_dir, r["png"]))[0]))
        present = {i["side"]: i["design_id"] != "none" for i in r.get("implants", [])}
        ys.append([1.0 if present.get("right") else 0.0, 1.0 if present.get("left") else 0.0])
    return {"x": np.stack(xs).astype(np.float32), "y": np.array(ys, np.float32)}


def cbr(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(cbr(1, 16, 2), cbr(16, 32, 2), cbr(32, 48, 2), cbr(48, 64, 2),
                                      cbr(64, 96, 2))  # 128 -> 4
        self.head = nn.Linear(2 * 96, 2)

    def forward(self, x, working):
        """Per-side implant probability and the domain features (channel statistics of every layer,
        then the texture statistics of the working image, the second input)."""
        f = x
        feats: List[torch.Tensor] = []
        for layer in self.features:
            f = layer(f)
            feats.append(channel_stats(f))
        logits = self.head(torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3))], 1))
        feats.append(texture_stats(working))
        return torch.sigmoid(logits), torch.cat(feats, 1)

    def logits(self, x):
        f = self.features(x)
        return self.head(torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3))], 1))


def main():
    ap = arg_parser(epochs=8, seed=7)
    a = ap.parse_args()
    setup(a.seed)
    t = Timer()
    tr = cache(os.path.join(a.data, f"implant_detect_train_{a.limit}.npz"), lambda: build(os.path.join(a.data, "hip_train"), a.limit))
    te = cache(os.path.join(a.data, f"implant_detect_test_{a.limit}.npz"), lambda: build(os.path.join(a.data, "hip_test"), a.limit))
    t_data = t.s()
    model = Detector()
    n = len(tr["x"])
    bs = 16
    opt = torch.optim.AdamW(model.parameters(), 2e-3, weight_decay=1e-4)
    sched = one_cycle(opt, 2e-3, a.epochs, n, bs)
    rng = np.random.default_rng(a.seed)

    def loss_of(idx):
        x = torch.from_numpy(tr["x"][idx])[:, None]
        y = torch.from_numpy(tr["y"][idx])
        flip = torch.from_numpy(rng.random(len(idx)) < 0.5)  # mirrored image: the sides swap
        x = torch.where(flip[:, None, None, None], x.flip(3), x)
        y = torch.where(flip[:, None], y.flip(1), y)
        return F.binary_cross_entropy_with_logits(model.logits(x), y)

    if a.reuse:
        t_train = reuse_weights(model, a.out, "implant_detect")
    else:
        t_train = fit("implant_detect", model, opt, sched, n, bs, a.epochs, a.steps, rng, loss_of)
    model.eval()
    with torch.no_grad():
        p = torch.cat([torch.sigmoid(model.logits(torch.from_numpy(te["x"][i:i + 64])[:, None]))
                       for i in range(0, len(te["x"]), 64)]).numpy()
    y = te["y"]
    side_ok = (p >= 0.5) == (y >= 0.5)
    any_pred, any_true = (p >= 0.5).any(1), (y >= 0.5).any(1)
    rep = {"model": "implant_detect", "test_images": int(len(y)), "side_accuracy": float(side_ok.mean()),
           "sides_with_implant": int((y >= 0.5).sum()), "sides_without": int((y < 0.5).sum()),
           "implant_sensitivity": float((p[y >= 0.5] >= 0.5).mean()) if (y >= 0.5).any() else float("nan"),
           "implant_specificity": float((p[y < 0.5] < 0.5).mean()) if (y < 0.5).any() else float("nan"),
           "images_without_implant": int((~any_true).sum()),
           "false_implant_images": int((any_pred & ~any_true).sum()),
           "train_images": n, "epochs": a.epochs, "data_s": round(t_data, 1), "train_s": round(t_train, 1)}
    print(rep, flush=True)

    def make(img):
        work = working(img)[0]
        return chain.implant_detect_input(work), chain.texture_input(work)

    dom, dom_files, dom_rows = whole_image_check(model, "implant_detect", a, make, "hip",
                                                 ("training hip phantoms (seed 13)", "held-out hip phantoms (seed 916)",
                                                  "hip phantoms (seed 923)"), entry=True)
    rep["domain"] = dom.info
    manifest = {
        "name": "implant_detect", "version": "1.0.0", "task": "classification",
        "description": "Hip implant present on each side of an AP pelvis radiograph (128x128 letterbox of the whole image)",
        "input": {"name": "image", "channels": 1, "height": S, "width": S, "dtype": "float32",
                  "value_range": [0.0, 1.0], "normalisation": {"type": "none"}},
        "extra_inputs": [domain.texture_input()],
        "outputs": [{"name": "implant_probability", "shape": [2], "labels": ["right", "left"],
                     "meaning": "probability of a hip implant on the patient's right (image left) and left (image right)"},
                    domain.features_output(dom.dimension)],
        "precision": ["fp32", "fp16"], "preferred_batch_sizes": [1, 4, 8],
        "training_data": f"{n} synthetic hip phantoms (osteon-phantom --kind hip --seed 13 --png, 1152x1280 area-resized to the 461x512 working image)",
        "intended_use": INTENDED_USE}
    body = card("implant_detect: hip implant presence per side (Osteon reference model)", [
        ("Model", "5 stride-2 conv-BN-ReLU layers (128 -> 4), mean and max pooling, a linear layer to one logit per side, "
                  f"sigmoid. {sum(p.numel() for p in model.parameters())} parameters. The implant pipeline's entry model: "
                  "it sees the whole image, and its domain check decides whether the image is analysed at all; the "
                  "implant outline and design come from the metal segmentation and implant_id."),
        ("Preprocessing (the C++ pipeline must reproduce it)",
         "1. Working image: acquired range to [0, 1] (MONOCHROME1 inverted), area resize to longer side 512 "
         "(1152x1280 -> 461x512).\n"
         "2. Letterbox to 128x128: s = 128/max(H, W), sizes floor(.+0.5), area resize, then contrast normalisation "
         "over the resized pixels (z = (v-mean)/max(std,1e-3), clip +-3, z/6+0.5), paste centred on zeros "
         "(exactly nasal_localiser's input).\n"
         "3. Manifest normalisation `none`; tensor [N, 1, 128, 128].\n"
         "4. Second input `working_image` (for the domain check only): the working image letterboxed to 512x512 "
         "(here only zero padding), no normalisation; tensor [N, 1, 512, 512]."),
        ("Training data", f"{n} hip phantoms, osteon-phantom --kind hip --seed 13 --png, 1152x1280 area-resized to the "
                          f"461x512 working image (tools/phantom at {phantom_version()}); labels from the truth (a side "
                          "has an implant when its design is not 'none'). Binary cross-entropy per side, random "
                          f"left-right mirroring with the sides swapped, AdamW, one-cycle LR, {a.epochs} epochs, batch 16, "
                          f"torch seed {a.seed}."),
        ("Metrics (held-out phantoms, seed 923)",
         f"| metric | value |\n|---|---|\n"
         f"| sides right ({rep['test_images']} images x 2 sides) | {100 * rep['side_accuracy']:.1f} % |\n"
         f"| sides with an implant called present ({rep['sides_with_implant']}) | {100 * rep['implant_sensitivity']:.1f} % |\n"
         f"| sides without one called absent ({rep['sides_without']}) | {100 * rep['implant_specificity']:.1f} % |\n"
         f"| images without an implant called to have one | {rep['false_implant_images']} of {rep['images_without_implant']} |\n\n"
         f"Training time: {t_train:.0f} s with {torch.get_num_threads()} intra-op thread(s) on a shared 2-core CPU (data preparation {t_data:.0f} s)."),
        ("Domain check", domain.card_section(dom, dom_rows)),
        ("Intended use", "Demonstration of the Osteon implant-identification pipeline (its entry and domain check). "
                         "Not for primary diagnosis; not a medical device."),
        ("Limitations", "Synthetic AP pelvis phantoms with the fictional catalogue's implants only."),
    ])
    write_model_dir(a.out, model, manifest, body, dom_files)
    write_report(a.report, "implant_detect", rep)


if __name__ == "__main__":
    main()
