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
from common import (working, working_mask, arg_parser, fit, one_cycle, INTENDED_USE, Timer, cache, card, contrast, letterbox, load_mask, load_png,  # noqa: E402
                    phantom_version, read_truth, setup, write_model_dir, write_report, F, np, torch, nn)

S = 256


def prepare(img, mask):
    """The documented preprocessing: contrast over the mask, zero outside, crop to the mask's
    bounding box, letterbox to 256 (area)."""
    m = mask.astype(bool)
    if not m.any():
        m = np.ones_like(m)
    v = contrast(img, m)
    v[~m] = 0.0
    ys, xs = np.nonzero(m)
    v = v[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    out, _ = letterbox(v, S)
    return out


def build(data_dir, limit, seg=None):
    recs = read_truth(data_dir)[:limit]
    xs, sex, age = [], [], []
    for r in recs:
        img = working(load_png(data_dir, r["png"]))[0]
        if seg is None:
            m = working_mask(load_mask(data_dir, r["masks"]["hand"]) > 127, img.shape)
        else:
            from hand_seg import predict_full
            m = predict_full(seg, img)
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
        f = self.features(image)
        g = f.mean(dim=(2, 3))
        h = torch.cat([g, torch.relu(self.sex(sex))], 1)
        months = self.head(h) * 60.0 + 110.0
        a = f.abs().mean(dim=1, keepdim=True)
        a = F.interpolate(a, size=(16, 16), mode="bilinear", align_corners=False)
        mx = a.amax(dim=(2, 3), keepdim=True).clamp_min(1e-6)
        return months, a / mx


def run(model, d):
    out = []
    with torch.no_grad():
        for i in range(0, len(d["x"]), 32):
            x = torch.from_numpy(d["x"][i:i + 32].astype(np.float32) / 255.0)[:, None]
            s = torch.from_numpy(d["sex"][i:i + 32])[:, None]
            out.append(model(x, s)[0][:, 0])
    return torch.cat(out).numpy()


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
    te = cache(os.path.join(a.data, f"bone_age_test_{a.limit}.npz"), lambda: build(te_dir, a.limit))
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
        pred, _ = model(x, s)
        loss = F.smooth_l1_loss(pred / 12.0, y / 12.0)
        return loss

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
    chain = (f"| MAE, whole chain (hand_seg mask -> crop -> bone_age) | {rep['mae_chain']:.2f} months | <= 6 |\n"
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
                     "meaning": "mean absolute activation of the last feature map, 0..1, over the 256x256 input"}],
        "precision": ["fp32", "fp16"], "preferred_batch_sizes": [1, 4, 8],
        "training_data": f"{n} synthetic hand phantoms (osteon-phantom --kind hand --png, seeds 11 and 15 merged, 1024x832 area-resized to the 512x416 working image)",
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
         + chain +
         f"\nTraining time: {t_train:.0f} s with {torch.get_num_threads()} intra-op thread(s) on a shared 2-core CPU (data preparation {t_data:.0f} s)."),
        ("Intended use", "Demonstration of the Osteon bone-age pipeline. Not for primary diagnosis; "
                         "not a medical device."),
        ("Limitations", "Trained only on schematic synthetic phantoms whose maturity features are "
                        "deterministic functions of bone age and sex (docs/phantoms.md): accuracy on real "
                        "radiographs would be far worse. No uncertainty output. Ages 0-228 months only."),
    ])
    write_model_dir(a.out, model, manifest, body)
    write_report(a.report, "bone_age", rep)


if __name__ == "__main__":
    main()
