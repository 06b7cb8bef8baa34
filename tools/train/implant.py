#!/usr/bin/env python3
"""Trains models/implant_id: hip implant design over models/implant_catalogue.json from the
metal-region crop, with an "unknown design" decision (max-softmax threshold calibrated on a
held-out calibration set and built into the model and the manifest).

    /usr/bin/python3 tools/train/implant.py --data DATA --out models [--epochs N] [--steps N]

DATA/hip_train (training), DATA/hip_val (threshold calibration), DATA/hip_test (metrics):
`osteon-phantom --kind hip --png` runs with different seeds.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (own_data_card, trained_on, area_resize, contrast, working, working_mask, arg_parser, fit, one_cycle, HERE, INTENDED_USE, Timer, cache, card, load_mask,  # noqa: E402
                    channel_stats, domain, load_png, phantom_version, read_truth, reuse_weights, setup, write_model_dir,
                    write_report, F, np, torch, nn)
import chain  # noqa: E402
from typing import List  # noqa: E402

C = 128
MARGIN = 1.15
FALSE_UNKNOWN_TARGET = 0.03  # calibration quantile on the catalogue designs of the calibration set
UNKNOWN_COPIES = 3  # off-catalogue sides are rare (12 %): three jittered crops each for outlier exposure
OE_WEIGHT = 1.0     # weight of the outlier-exposure term (unknown designs -> uniform prediction)


def catalogue_ids():
    with open(os.path.join(HERE, "..", "..", "models", "implant_catalogue.json"), encoding="utf-8") as f:
        return [d["id"] for d in json.load(f)["designs"]]


crop_box = chain.implant_crop_box  # centre of the metal region's box, side 1.15 x its longer side
make_crop = chain.implant_crop     # bilinear 128x128 crop, contrast over the crop


def build(data_dir, limit, ids, jitter_seed=None, copies=1, unknown_copies=1):
    recs = read_truth(data_dir)[:limit]
    rng = np.random.default_rng(jitter_seed) if jitter_seed is not None else None
    xs, ys = [], []
    for r in recs:
        imps = [i for i in r.get("implants", []) if i["design_id"] != "none"]
        if not imps:
            continue
        img = working(load_png(data_dir, r["png"]))[0]
        mask = load_mask(data_dir, r["masks"]["implant"])
        for imp in imps:
            lab = 1 if imp["side"] == "right" else 2
            m = working_mask(mask == lab, img.shape)
            if not m.any():
                continue
            cx, cy, side = crop_box(m)
            known = imp["design_id"] in ids
            for _ in range(copies if known else unknown_copies):
                jx, jy, js = cx, cy, side
                if rng is not None:
                    jx += rng.normal(0, 0.03) * side
                    jy += rng.normal(0, 0.03) * side
                    js *= float(np.exp(rng.normal(0, 0.05)))
                xs.append((make_crop(img, jx, jy, js) * 255 + 0.5).astype(np.uint8))
                ys.append(ids.index(imp["design_id"]) if imp["design_id"] in ids else -1)
    return {"x": np.stack(xs), "y": np.array(ys, np.int64)}


def cbr(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class ImplantNet(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.features = nn.Sequential(cbr(1, 16, 2), cbr(16, 32, 1), cbr(32, 48, 2), cbr(48, 48, 1),
                                      cbr(48, 96, 2), cbr(96, 96, 1), cbr(96, 128, 2))  # 128 -> 8
        self.fc = nn.Linear(128, k)

    def forward(self, x):
        return self.with_features(x)[0]

    def with_features(self, x):
        """Logits and the domain features (channel statistics of every layer)."""
        f = x
        feats: List[torch.Tensor] = []
        for layer in self.features:
            f = layer(f)
            feats.append(channel_stats(f))
        return self.fc(f.mean(dim=(2, 3))), torch.cat(feats, 1)


class ImplantId(nn.Module):
    def __init__(self, net, threshold: float):
        super().__init__()
        self.net = net
        self.register_buffer("threshold", torch.tensor([threshold], dtype=torch.float32))

    def forward(self, x):
        logits, feats = self.net.with_features(x)
        p = torch.softmax(logits.float(), dim=1)
        conf = p.amax(dim=1, keepdim=True)
        unknown = (conf < self.threshold).to(p.dtype)
        return p, conf, unknown, feats  # the last: domain features


def probs(net, d):
    with torch.no_grad():
        return torch.cat([torch.softmax(net(torch.from_numpy(d["x"][i:i + 64].astype(np.float32) / 255.0)[:, None]), 1)
                          for i in range(0, len(d["x"]), 64)]).numpy()


def crop_labels(data_dir):
    """The designs of an imported crop set (import_dataset.py --layout implant-folders): every
    label but "unknown", sorted."""
    return sorted({r["label"] for r in read_truth(data_dir)} - {"unknown"})


def build_crops(data_dir, limit, ids):
    """Your own implant crops: each image padded to a square (zeros, centred), area-resized to
    128 and contrast-normalised, as the pipeline's crop around a metal region; label "unknown"
    (or any label not in ids) -> -1 (outlier exposure)."""
    xs, ys = [], []
    for r in read_truth(data_dir)[:limit]:
        img = load_png(data_dir, r["png"])
        h, w = img.shape
        side = max(h, w)
        sq = np.zeros((side, side), np.float32)
        sq[(side - h) // 2:(side - h) // 2 + h, (side - w) // 2:(side - w) // 2 + w] = img
        x = contrast(area_resize(sq, C, C))
        xs.append((x * 255 + 0.5).astype(np.uint8))
        ys.append(ids.index(r["label"]) if r["label"] in ids else -1)
    return {"x": np.stack(xs), "y": np.array(ys, np.int64)}


def main():
    ap = arg_parser(epochs=14, seed=5)
    ap.add_argument("--crops", action="store_true",
                    help="train on your own implant crops (DATA/implant_crops_{train,test,cal} from import_dataset.py "
                         "--layout implant-folders) instead of hip phantoms; the labels are the folder names")
    a = ap.parse_args()
    setup(a.seed)
    t = Timer()
    if a.crops:
        ids = crop_labels(os.path.join(a.data, "implant_crops_train"))
        if not ids:
            raise SystemExit("implant: no design folders in the imported crops")
        tr = build_crops(os.path.join(a.data, "implant_crops_train"), a.limit, ids)
        va = build_crops(os.path.join(a.data, "implant_crops_cal"), a.limit, ids)
        te = build_crops(os.path.join(a.data, "implant_crops_test"), a.limit, ids)
        n_train_images = len(tr["x"])
    else:
        ids = catalogue_ids()
        tr = cache(os.path.join(a.data, f"implant_train_{a.limit}_u{UNKNOWN_COPIES}.npz"),
                   lambda: build(os.path.join(a.data, "hip_train"), a.limit, ids, jitter_seed=a.seed,
                                 unknown_copies=UNKNOWN_COPIES))
        va = cache(os.path.join(a.data, f"implant_val_{a.limit}.npz"), lambda: build(os.path.join(a.data, "hip_val"), a.limit, ids))
        te = cache(os.path.join(a.data, f"implant_test_{a.limit}.npz"), lambda: build(os.path.join(a.data, "hip_test"), a.limit, ids))
        n_train_images = len(read_truth(os.path.join(a.data, "hip_train"))[:a.limit])
    t_data = t.s()
    net = ImplantNet(len(ids))
    n = len(tr["x"])
    bs = 16
    opt = torch.optim.AdamW(net.parameters(), 2e-3, weight_decay=1e-4)
    sched = one_cycle(opt, 2e-3, a.epochs, n, bs)
    rng = np.random.default_rng(a.seed)

    def loss_of(idx):
        x = torch.from_numpy(tr["x"][idx].astype(np.float32) / 255.0)[:, None]
        flip = torch.from_numpy(rng.random(len(idx)) < 0.5)
        x = torch.where(flip[:, None, None, None], x.flip(3), x)
        y = torch.from_numpy(tr["y"][idx])
        logits = net(x)
        known = y >= 0
        logp = F.log_softmax(logits, 1)
        loss = torch.zeros(())
        if bool(known.any()):
            loss = loss + F.nll_loss(logp[known], y[known])
        if bool((~known).any()):  # outlier exposure: unknown designs -> uniform prediction
            loss = loss + OE_WEIGHT * (-logp[~known].mean(dim=1)).mean()
        return loss

    if a.reuse:
        holder = ImplantId(net, 0.5)
        t_train = reuse_weights(holder, a.out, "implant_id")
    else:
        t_train = fit("implant_id", net, opt, sched, n, bs, a.epochs, a.steps, rng, loss_of)
    net.eval()
    pv = probs(net, va)
    kv = va["y"] >= 0
    conf_v = pv.max(1)
    thr = float(np.quantile(conf_v[kv], FALSE_UNKNOWN_TARGET)) if kv.any() else 0.5
    pt = probs(net, te)
    kt = te["y"] >= 0
    conf_t = pt.max(1)
    pred_t = pt.argmax(1)

    def rate(m):
        return float(m.mean()) if m.size else float("nan")

    rep = {"model": "implant_id", "threshold": thr,
           "test_crops_catalogue": int(kt.sum()), "test_crops_unknown": int((~kt).sum()),
           "top1_catalogue": rate(pred_t[kt] == te["y"][kt]),
           "top1_catalogue_accepted_correct": rate((pred_t[kt] == te["y"][kt]) & (conf_t[kt] >= thr)),
           "unknown_recall": rate(conf_t[~kt] < thr), "false_unknown": rate(conf_t[kt] < thr),
           "val_unknown_recall": rate(conf_v[~kv] < thr), "val_false_unknown": rate(conf_v[kv] < thr),
           "val_crops": int(len(conf_v)), "train_crops": n, "train_unknown_crops": int((tr["y"] < 0).sum()),
           "epochs": a.epochs, "data_s": round(t_data, 1), "train_s": round(t_train, 1)}
    print(rep, flush=True)
    model = ImplantId(net, thr).eval()
    if a.crops:
        dom, dom_files, dom_rows = domain.make_check(model, "implant_id", tr["x"], va["x"], te["x"], {},
                                                     "training implant crops (yours)", "calibration implant crops (yours)",
                                                     "test implant crops (yours)")
    else:
        cal = cache(os.path.join(a.data, f"implant_cal_{a.limit}.npz"),
                    lambda: build(os.path.join(a.data, "hip_cal"), a.limit, ids, jitter_seed=a.seed + 1))
        dom, dom_files, dom_rows = domain.make_check(
            model, "implant_id", tr["x"], cal["x"], te["x"], {},
            "training implant crops (seed 13, jittered truth boxes)",
            "held-out implant crops (seed 916, jittered truth boxes)", "implant crops (seed 923, truth boxes)")
    rep["domain"] = dom.info
    manifest = {
        "name": "implant_id", "version": "1.1.0", "task": "classification",
        "description": f"Hip implant design (catalogue models/implant_catalogue.json) from the 128x128 metal-region crop; "
                       f"unknown design when the top probability is below {thr:.4f}",
        "input": {"name": "image", "channels": 1, "height": C, "width": C, "dtype": "float32",
                  "value_range": [0.0, 1.0], "normalisation": {"type": "none"}},
        "outputs": [{"name": "probabilities", "shape": [len(ids)], "labels": ids,
                     "meaning": "softmax over the catalogue designs, in catalogue order"},
                    {"name": "confidence", "shape": [1], "meaning": "the top probability"},
                    {"name": "unknown", "shape": [1],
                     "meaning": f"1 when confidence < {thr:.6f} (unknown design; threshold calibrated on held-out "
                                f"phantoms, seed 913, for {100 * FALSE_UNKNOWN_TARGET:.0f}% false unknowns), else 0"},
                    domain.features_output(dom.dimension)],
        "precision": ["fp32", "fp16"], "preferred_batch_sizes": [1, 4, 8],
        "training_data": trained_on(a, f"{n} implant crops from synthetic hip phantoms (osteon-phantom --kind hip --seed 13 --png, 1152x1280 area-resized to the 461x512 working image)"),
        "intended_use": INTENDED_USE}
    body = card("implant_id: hip implant design classifier (Osteon reference model)", [
        ("Model", "CNN (7 conv-BN-ReLU layers, 4 with stride 2, 128 -> 8), global average pooling, linear layer over "
                  f"the {len(ids)} catalogue designs ({', '.join(ids)}). "
                  f"{sum(p.numel() for p in net.parameters())} parameters. The unknown decision is inside the model: "
                  f"`unknown` = 1 when the top softmax probability is below **{thr:.6f}** (also in the manifest)."),
        ("Preprocessing (the C++ pipeline must reproduce it)",
         "1. Working image: acquired range to [0, 1] (MONOCHROME1 inverted), area resize to longer side 512 "
         "(1152x1280 -> 461x512).\n"
         "2. One crop per implant (metal region of one side; training used the truth implant mask, label 1 = "
         "patient's right, 2 = left): bounding box [x0..x1] x [y0..y1] (inclusive) of its pixels; centre "
         f"c = ((x0+x1)/2, (y0+y1)/2); side = {MARGIN} x max(x1-x0+1, y1-y0+1).\n"
         "3. Output pixel (u, v), u, v in 0..127, samples x = c.x + ((u + 0.5)/128 - 0.5) x side, "
         "y = c.y + ((v + 0.5)/128 - 0.5) x side, bilinear, 0 outside (cv::warpAffine, INTER_LINEAR, BORDER_CONSTANT 0). "
         "No mirroring: both sides as they appear (training used random horizontal flips).\n"
         "4. Contrast normalisation over the crop: z = (v - mean)/max(std, 1e-3), clip +-3, z/6 + 0.5. "
         "Manifest normalisation `none`."),
        ("Training data", f"{n} crops ({rep['train_unknown_crops']} of UNKNOWN designs) from {n_train_images} hip phantoms, "
                          f"osteon-phantom --kind hip --seed 13 --png, 1152x1280 area-resized to the 461x512 working image (tools/phantom at {phantom_version()}); "
                          "crop centre jitter sigma 3% of the side and side x exp(N(0, 0.05)). Cross-entropy on "
                          f"catalogue designs plus outlier exposure ({OE_WEIGHT:g} x cross-entropy to the uniform distribution "
                          f"on UNKNOWN designs, {UNKNOWN_COPIES} jittered crops of each), AdamW, one-cycle LR, {a.epochs} epochs, batch 16, torch seed {a.seed}. "
                          f"Threshold: the {100 * FALSE_UNKNOWN_TARGET:.0f}% quantile of the top probability of the "
                          f"catalogue crops of the calibration set (seed 913, {rep['val_crops']} crops)."),
        ("Metrics (held-out phantoms, seed 923)",
         f"| metric | value | target |\n|---|---|---|\n"
         f"| top-1 on catalogue designs ({rep['test_crops_catalogue']} crops) | {100 * rep['top1_catalogue']:.1f} % | >= 95 % |\n"
         f"| unknown recall ({rep['test_crops_unknown']} UNKNOWN crops) | {100 * rep['unknown_recall']:.1f} % | >= 80 % |\n"
         f"| false unknowns (catalogue crops called unknown) | {100 * rep['false_unknown']:.1f} % | <= 5 % |\n"
         f"| catalogue crops accepted and correct | {100 * rep['top1_catalogue_accepted_correct']:.1f} % | |\n"
         f"| calibration set: unknown recall / false unknowns | {100 * rep['val_unknown_recall']:.1f} % / "
         f"{100 * rep['val_false_unknown']:.1f} % | |\n\n"
         f"Crops come from the truth implant masks (the pipeline's metal segmentation is not part of this model). "
         f"Training time: {t_train:.0f} s with {torch.get_num_threads()} intra-op thread(s) on a shared 2-core CPU (data preparation {t_data:.0f} s)."),
        ("Domain check", domain.card_section(dom, dom_rows) + "\n\nOther body parts are refused before this "
                         "model runs, by implant_detect's check on the whole image."),
        ("Intended use", "Demonstration of the Osteon implant-identification pipeline. Not for primary diagnosis; "
                         "not a medical device. The catalogue designs and manufacturers are fictional."),
        ("Limitations", "Only the 8 fictional catalogue designs are known; the UNKNOWN designs seen in training come "
                        "from the same generator as those in the test, so unknown recall on genuinely different real "
                        "implants is not measured. AP projection only, no cement, wires or overlapping hardware."),
    ])
    write_model_dir(a.out, model, manifest, own_data_card(a, body), dom_files)
    write_report(a.report, "implant_id", rep)


if __name__ == "__main__":
    main()
