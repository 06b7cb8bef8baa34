#!/usr/bin/env python3
"""Trains models/bone_age: CNN regressor, bone age in months from the masked, cropped,
contrast-normalised, letterboxed hand plus the patient's sex (second input).

    /usr/bin/python3 tools/train/bone_age.py --data DATA --out models [--epochs N] [--steps N]

Training uses the truth hand masks; the held-out evaluation runs the whole chain with the
exported models/hand_seg (when present in --out) and also reports the truth-mask result.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (set_names, own_data_card, trained_on, working, working_mask, arg_parser, fit, one_cycle, INTENDED_USE, Timer, cache, card, load_mask, load_png,  # noqa: E402
                    channel_stats, domain, phantom_inputs, phantom_version, read_truth, reuse_weights, setup, write_model_dir,
                    write_report, F, np, torch, nn)
import chain  # noqa: E402
from typing import List  # noqa: E402

S = 256


prepare = chain.bone_age_crop  # contrast over the mask, zero outside, crop to its box, letterbox 256


def build(data_dir, limit, seg=None, fallback=None):
    """Crops with the truth masks (seg None) or hand_seg's; `fallback`: hand_seg for images that
    have no truth mask (your own images, tools/train/import_dataset.py)."""
    recs = read_truth(data_dir)[:limit]
    xs, sex, age = [], [], []
    for r in recs:
        img = working(load_png(data_dir, r["png"]))[0]
        if seg is None and "hand" in r.get("masks", {}):
            m = working_mask(load_mask(data_dir, r["masks"]["hand"]) > 127, img.shape)
        elif seg is not None or fallback is not None:
            m = chain.hand_mask(seg if seg is not None else fallback, img)
        else:
            raise SystemExit(f"bone_age: {data_dir} has no hand masks; train hand_seg first (or keep the shipped one in --out)")
        xs.append((prepare(img, m) * 255 + 0.5).astype(np.uint8))  # cached as 8-bit
        sex.append(1.0 if r["sex"] == "M" else 0.0)
        age.append(r["bone_age_months"])
    return {"x": np.stack(xs), "sex": np.array(sex, np.float32), "age": np.array(age, np.float32)}


def cbr(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class BoneAge(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(cbr(1, 16, 2), cbr(16, 32, 2), cbr(32, 48, 2), cbr(48, 48, 1),
                                      cbr(48, 96, 2), cbr(96, 96, 1), cbr(96, 160, 2))  # 256 -> 8
        self.sex = nn.Linear(1, 16)
        self.head = nn.Sequential(nn.Linear(160 + 16, 96), nn.ReLU(inplace=True), nn.Linear(96, 1))

    def forward(self, image, sex):
        f = image
        feats: List[torch.Tensor] = []
        for layer in self.features:
            f = layer(f)
            feats.append(channel_stats(f))
        g = f.mean(dim=(2, 3))
        h = torch.cat([g, torch.relu(self.sex(sex))], 1)
        months = self.head(h) * 60.0 + 110.0
        a = f.abs().mean(dim=1, keepdim=True)
        a = F.interpolate(a, size=(16, 16), mode="bilinear", align_corners=False)
        mx = a.amax(dim=(2, 3), keepdim=True).clamp_min(1e-6)
        return months, a / mx, torch.cat(feats, 1)  # the last: domain features (image only, not sex)


def run(model, d):
    out = []
    with torch.no_grad():
        for i in range(0, len(d["x"]), 32):
            x = torch.from_numpy(d["x"][i:i + 32].astype(np.float32) / 255.0)[:, None]
            s = torch.from_numpy(d["sex"][i:i + 32])[:, None]
            out.append(model(x, s)[0][:, 0])
    return torch.cat(out).numpy()


def domain_check(model, a, fit_inputs, seg):
    """Fit on the training crops, threshold on hand_cal's crops (hand_seg masks, as in the node),
    measured on hand_test and on the crops the chain makes of other body parts."""
    if seg is None:
        raise SystemExit("bone_age: the domain check needs the exported hand_seg in --out (train it first)")
    fn = lambda x: model(x, torch.zeros(len(x), 1))  # noqa: E731  (the features do not depend on sex)
    whole = lambda img: chain.bone_age_input(seg, working(img)[0])  # noqa: E731
    cal = phantom_inputs(os.path.join(a.data, "hand_cal"), a.limit, whole)
    if cal is None:
        raise SystemExit(f"bone_age: no calibration phantoms in {a.data}/hand_cal (train_all.sh makes them)")
    test = phantom_inputs(os.path.join(a.data, "hand_test"), a.limit, whole)
    others = {}
    for kind, seed in (("skull", 912), ("hip", 923)):
        x = phantom_inputs(os.path.join(a.data, f"{kind}_test"), a.other_limit, whole)
        if x is not None:
            others[f"{kind} phantoms (seed {seed}), another body part"] = x
    return domain.make_check(fn, "bone_age", fit_inputs, cal, test, others,
                             *set_names(a, "training hand crops (seeds 11 and 15, hand_seg masks)",
                                        "held-out hand crops (seed 914, hand_seg masks)", "hand crops (seed 911)"))


def main():
    ap = arg_parser(epochs=24, seed=2)
    a = ap.parse_args()
    setup(a.seed)
    t = Timer()
    seg_path = os.path.join(a.out, "hand_seg", "model.pt")
    seg = torch.jit.load(seg_path).eval() if os.path.exists(seg_path) else None
    # train on the masks the pipeline will have: hand_seg's, when it has been trained
    tr_masks = "hand_seg" if seg is not None else "truth"
    tr = cache(os.path.join(a.data, f"bone_age_train_{tr_masks}_{a.limit}.npz"),
               lambda: build(os.path.join(a.data, "hand_train"), a.limit, seg))
    te_dir = os.path.join(a.data, "hand_test")
    te = cache(os.path.join(a.data, f"bone_age_test_{a.limit}.npz"), lambda: build(te_dir, a.limit, fallback=seg))
    t_data = t.s()
    model = BoneAge()
    n = len(tr["x"])
    bs = 16
    opt = torch.optim.AdamW(model.parameters(), 2e-3, weight_decay=1e-4)
    sched = one_cycle(opt, 2e-3, a.epochs, n, bs)
    rng = np.random.default_rng(a.seed)

    def loss_of(idx):
        x = torch.from_numpy(tr["x"][idx].astype(np.float32) / 255.0)[:, None]
        if rng.random() < 0.5:  # small shifts (crop jitter)
            dx, dy = (int(v) for v in rng.integers(-6, 7, 2))
            x = torch.roll(x, (dy, dx), (2, 3))
        s = torch.from_numpy(tr["sex"][idx])[:, None]
        y = torch.from_numpy(tr["age"][idx])[:, None]
        pred = model(x, s)[0]
        loss = F.smooth_l1_loss(pred / 12.0, y / 12.0)
        return loss

    if a.reuse:
        t_train = reuse_weights(model, a.out, "bone_age")
    else:
        t_train = fit("bone_age", model, opt, sched, n, bs, a.epochs, a.steps, rng, loss_of)
    model.eval()
    err_truth = np.abs(run(model, te) - te["age"])
    rep = {"model": "bone_age", "test_images": int(len(err_truth)), "mae_truth_mask": float(err_truth.mean()),
           "train_images": n, "epochs": a.epochs, "data_s": round(t_data, 1), "train_s": round(t_train, 1)}
    if seg is not None:
        tc = build(te_dir, a.limit, seg)
        err_chain = np.abs(run(model, tc) - tc["age"])
        rep["mae_chain"] = float(err_chain.mean())
        rep["p90_chain"] = float(np.percentile(err_chain, 90))
    print(rep, flush=True)
    dom, dom_files, dom_rows = domain_check(model, a, tr["x"], seg)
    chain_rows = (f"| MAE, whole chain (hand_seg mask -> crop -> bone_age) | {rep['mae_chain']:.2f} months | <= 6 |\n"
             f"| 90th percentile abs. error, whole chain | {rep['p90_chain']:.2f} months | |\n"
             if "mae_chain" in rep else "")
    manifest = {
        "name": "bone_age", "version": "1.1.0", "task": "regression",
        "description": "Bone age in months from the masked, cropped, contrast-normalised left hand (256x256) and sex",
        "input": {"name": "image", "channels": 1, "height": S, "width": S, "dtype": "float32",
                  "value_range": [0.0, 1.0], "normalisation": {"type": "none"}},
        "extra_inputs": [{"name": "sex", "shape": [1], "meaning": "1 = male, 0 = female"}],
        "outputs": [{"name": "bone_age_months", "shape": [1], "meaning": "estimated bone age in months"},
                    {"name": "attention", "shape": [1, 16, 16],
                     "meaning": "mean absolute activation of the last feature map, 0..1, over the 256x256 input"},
                    domain.features_output(dom.dimension)],
        "precision": ["fp32", "fp16"], "preferred_batch_sizes": [1, 4, 8],
        "training_data": trained_on(a, f"{n} synthetic hand phantoms (osteon-phantom --kind hand --png, seeds 11 and 15 merged, 1024x832 area-resized to the 512x416 working image)"),
        "intended_use": INTENDED_USE}
    body = card("bone_age: bone age regressor (Osteon reference model)", [
        ("Model", "Plain CNN (7 conv-BN-ReLU layers, 5 with stride 2, 256 -> 8), global average pooling, "
                  "sex through a 16-unit embedding concatenated before a 2-layer head; output months "
                  f"(head * 60 + 110). {sum(p.numel() for p in model.parameters())} parameters. "
                  "Second output: a 16x16 attention map (normalised mean |activation|) for the overlay."),
        ("Preprocessing (the C++ pipeline must reproduce it)",
         "1. Working image as for hand_seg (acquired range to [0, 1], area resize to longer side 512).\n"
         "2. Hand mask at the working resolution (hand_seg output, letterbox region, bilinear up, > 0.5).\n"
         "3. Contrast normalisation over the mask pixels only: z = (v - mean) / max(std, 1e-3), "
         "clip to [-3, 3], v' = z / 6 + 0.5; pixels outside the mask set to 0.\n"
         "4. Crop to the mask's bounding box (inclusive min..max rows and columns).\n"
         "5. Letterbox to 256x256 (s = 256/max(h, w), floor(.+0.5) sizes, area resize, centred, zero padding).\n"
         "6. Manifest normalisation `none`. Second input `sex`: [N, 1], 1 male, 0 female."),
        ("Training data", f"{n} hand phantoms, osteon-phantom --kind hand --png, seeds 11 and 15 merged, 1024x832 area-resized to the 512x416 working image "
                          f"(tools/phantom at {phantom_version()}), masks from {'the trained hand_seg model (as in the pipeline)' if tr_masks == 'hand_seg' else 'the truth'}. Smooth-L1 on years, AdamW, "
                          f"one-cycle LR, {a.epochs} epochs, batch 16, +-6 px shift augmentation, torch seed {a.seed}."),
        ("Metrics (held-out phantoms, seed 911)",
         f"| metric | value | target |\n|---|---|---|\n"
         f"| MAE with truth masks ({rep['test_images']} images) | {rep['mae_truth_mask']:.2f} months | <= 6 |\n"
         + chain_rows +
         f"\nTraining time: {t_train:.0f} s with {torch.get_num_threads()} intra-op thread(s) on a shared 2-core CPU (data preparation {t_data:.0f} s)."),
        ("Domain check", domain.card_section(dom, dom_rows)),
        ("Intended use", "Demonstration of the Osteon bone-age pipeline. Not for primary diagnosis; "
                         "not a medical device."),
        ("Limitations", "Trained only on schematic synthetic phantoms whose maturity features are "
                        "deterministic functions of bone age and sex (docs/phantoms.md): accuracy on real "
                        "radiographs would be far worse. No uncertainty output. Ages 0-228 months only."),
    ])
    write_model_dir(a.out, model, manifest, own_data_card(a, body), dom_files)
    rep["domain"] = dom.info
    write_report(a.report, "bone_age", rep)


if __name__ == "__main__":
    main()
