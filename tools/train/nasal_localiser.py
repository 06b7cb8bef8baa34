#!/usr/bin/env python3
"""Trains models/nasal_localiser: nasion and nasal tip on the lateral skull (heatmaps + soft-argmax).

    /usr/bin/python3 tools/train/nasal_localiser.py --data DATA --out models [--epochs N] [--steps N]

DATA/skull_train, DATA/skull_test: `osteon-phantom --kind skull --png` runs (1024x1024; area-resized to the 512-px working image here).
Input: working image (512x512) letterboxed to 128x128 (area) with contrast normalisation over the
resized image. Outputs: landmarks [2, 2] = [[x, y] nasion, [x, y] tip] in input (128 px)
coordinates, and the two 64x64 heatmaps (softmax probabilities).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (whole_image_check, set_names, own_data_card, trained_on, to_scaled, working, arg_parser, fit, one_cycle, INTENDED_USE, UNet, Timer, cache, card, from_letterbox, letterbox, load_png,  # noqa: E402
                    channel_stats, domain, phantom_version, texture_stats, read_truth, reuse_weights, setup, to_letterbox,
                    write_model_dir, write_report, F, np, torch, nn)
import chain  # noqa: E402

S = 128
G = 64  # heatmap grid


def build(data_dir, limit):
    recs = read_truth(data_dir)[:limit]
    xs, pts, geo = [], [], []
    for r in recs:
        img, fx, fy = working(load_png(data_dir, r["png"]))
        x, g = letterbox(img, S, contrast_norm=True)
        xs.append(x)
        pts.append([to_letterbox(to_scaled(r["nasion"], fx, fy), g), to_letterbox(to_scaled(r["tip"], fx, fy), g)])
        geo.append(list(g) + [img.shape[1], img.shape[0]])
    return {"x": np.stack(xs).astype(np.float32), "pts": np.array(pts, np.float32), "geo": np.array(geo, np.float64)}


class Localiser(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 12, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(12),
                                  nn.ReLU(inplace=True))
        self.unet = UNet(12, 2, 12)  # at 64x64, bottleneck 8x8
        c = (torch.arange(G, dtype=torch.float32) + 0.5) * (S / G) - 0.5
        self.register_buffer("coords", c)

    def forward(self, x, working):
        """Landmarks, heatmaps and the domain features (layer statistics, then the texture
        statistics of the working image, the second input)."""
        lm, p, feats = self.locate(x)
        return lm, p, torch.cat([feats, texture_stats(working)], 1)

    def locate(self, x):
        s = self.stem(x)
        logits, taps = self.unet.taps(s)  # [N, 2, 64, 64]
        feats = [channel_stats(s)]
        for t in taps:
            feats.append(channel_stats(t))
        n, h, w = logits.shape[0], logits.shape[2], logits.shape[3]
        p = torch.softmax(logits.reshape(n, 2, h * w), dim=2).reshape(n, 2, h, w)
        px = (p.sum(dim=2) * self.coords).sum(dim=2)
        py = (p.sum(dim=3) * self.coords).sum(dim=2)
        return torch.stack([px, py], dim=2), p, torch.cat(feats, 1)


def predict(model, x):
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 32):
            out.append(model.locate(torch.from_numpy(x[i:i + 32])[:, None])[0])
    return torch.cat(out).numpy()


def main():
    ap = arg_parser(epochs=10, seed=3)
    a = ap.parse_args()
    setup(a.seed)
    t = Timer()
    tr = cache(os.path.join(a.data, f"nasal_loc_train_{a.limit}.npz"), lambda: build(os.path.join(a.data, "skull_train"), a.limit))
    te = cache(os.path.join(a.data, f"nasal_loc_test_{a.limit}.npz"), lambda: build(os.path.join(a.data, "skull_test"), a.limit))
    t_data = t.s()
    model = Localiser()
    n = len(tr["x"])
    bs = 16
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    sched = one_cycle(opt, 3e-3, a.epochs, n, bs)
    rng = np.random.default_rng(a.seed)
    yy, xx = torch.meshgrid(model.coords, model.coords, indexing="ij")

    def loss_of(idx):
        x = torch.from_numpy(tr["x"][idx])[:, None]
        y = torch.from_numpy(tr["pts"][idx])
        pred, p, _ = model.locate(x)
        # Gaussian target heatmaps (sigma 2 input px) + L1 on the soft-argmax coordinates
        d2 = (xx[None, None] - y[:, :, 0, None, None]) ** 2 + (yy[None, None] - y[:, :, 1, None, None]) ** 2
        tgt = torch.exp(-d2 / (2 * 2.0 ** 2))
        tgt = tgt / tgt.sum(dim=(2, 3), keepdim=True)
        ce = -(tgt * torch.log(p + 1e-8)).sum(dim=(2, 3)).mean()
        loss = F.l1_loss(pred, y) + 0.2 * ce
        return loss

    if a.reuse:
        t_train = reuse_weights(model, a.out, "nasal_localiser")
    else:
        t_train = fit("nasal_localiser", model, opt, sched, n, bs, a.epochs, a.steps, rng, loss_of)
    model.eval()
    pred = predict(model, te["x"])
    errs = []
    for i in range(len(pred)):
        g = te["geo"][i]
        for k in range(2):
            p = from_letterbox(pred[i, k], g[:3])
            q = from_letterbox(te["pts"][i, k], g[:3])
            errs.append([float(np.hypot(p[0] - q[0], p[1] - q[1]) / g[3]), k])
    e = np.array(errs)
    rep = {"model": "nasal_localiser", "test_images": int(len(pred)),
           "err_frac_width_mean": float(e[:, 0].mean()), "err_frac_width_p95": float(np.percentile(e[:, 0], 95)),
           "err_frac_width_max": float(e[:, 0].max()),
           "nasion_mean": float(e[e[:, 1] == 0, 0].mean()), "tip_mean": float(e[e[:, 1] == 1, 0].mean()),
           "within_3pct": float((e[:, 0] <= 0.03).mean()),
           "train_images": n, "epochs": a.epochs, "data_s": round(t_data, 1), "train_s": round(t_train, 1)}
    print(rep, flush=True)
    def make(img):
        work = working(img)[0]
        return chain.localiser_input(work)[0], chain.texture_input(work)

    dom, dom_files, dom_rows = whole_image_check(model, "nasal_localiser", a, make, "skull",
                                                 set_names(a, "training skull phantoms (seeds 12 and 14)",
                                                           "held-out skull phantoms (seed 915)", "skull phantoms (seed 912)"),
                                                 entry=True)
    manifest = {
        "name": "nasal_localiser", "version": "1.1.0", "task": "landmarks",
        "description": "Nasion and nasal-bone tip on a lateral skull radiograph (128x128 letterbox)",
        "input": {"name": "image", "channels": 1, "height": S, "width": S, "dtype": "float32",
                  "value_range": [0.0, 1.0], "normalisation": {"type": "none"}},
        "extra_inputs": [domain.texture_input()],
        "outputs": [{"name": "landmarks", "shape": [2, 2],
                     "meaning": "[[x, y] nasion, [x, y] nasal tip] in input pixels (pixel centres at integers)",
                     "labels": ["nasion_x", "nasion_y", "tip_x", "tip_y"]},
                    {"name": "heatmaps", "shape": [2, G, G],
                     "meaning": "softmax heatmaps (nasion, tip) on a 64x64 grid over the input, each sums to 1"},
                    domain.features_output(dom.dimension)],
        "precision": ["fp32"], "preferred_batch_sizes": [1, 4, 8],
        "training_data": trained_on(a, f"{n} synthetic lateral skull phantoms (osteon-phantom --kind skull --png, seeds 12 and 14 merged, 1024x1024 area-resized to the 512-px working image)"),
        "intended_use": INTENDED_USE}
    body = card("nasal_localiser: nasion and nasal tip (Osteon reference model)", [
        ("Model", "Stride-2 stem and a small U-Net at 64x64 (widths 12-24-48-96) giving two heatmap logits; "
                  "spatial softmax and soft-argmax (expected coordinates) give the landmarks. "
                  f"{sum(p.numel() for p in model.parameters())} parameters."),
        ("Preprocessing (the C++ pipeline must reproduce it)",
         "1. Working image: acquired range to [0, 1] (MONOCHROME1 inverted), area resize to 512x512.\n"
         "2. Letterbox to 128x128: s = 128/max(H, W), sizes floor(.+0.5), area resize, then contrast "
         "normalisation over the resized pixels (z = (v-mean)/max(std,1e-3), clip +-3, z/6+0.5), paste "
         "centred on zeros.\n"
         "3. Output landmarks are in the 128-px input frame; back to the working image: "
         "x = (x' - ox + 0.5)/s - 0.5 (same for y with oy); to the acquired image multiply by its scale.\n"
         "The nasal crop for nasal_fracture / nasal_anomaly is then made from these points (see their cards).\n"
         "4. Second input `working_image` (for the domain check only): the 512x512 working image itself, no "
         "normalisation; tensor [N,1,512,512]."),
        ("Training data", f"{n} skull phantoms, osteon-phantom --kind skull --png, seeds 12 and 14 merged, 1024x1024 area-resized to the 512-px working image "
                          f"(tools/phantom at {phantom_version()}). Loss: L1 on the soft-argmax coordinates + "
                          f"0.2 x cross-entropy to Gaussian (sigma 2 px) heatmaps; Adam, one-cycle LR, "
                          f"{a.epochs} epochs, batch 16, torch seed {a.seed}."),
        ("Metrics (held-out phantoms, seed 912)",
         f"Errors are Euclidean distances divided by the image width.\n\n"
         f"| metric | value | target |\n|---|---|---|\n"
         f"| mean landmark error ({rep['test_images']} images x 2 points) | {100 * rep['err_frac_width_mean']:.2f} % | <= 3 % |\n"
         f"| nasion / tip mean | {100 * rep['nasion_mean']:.2f} % / {100 * rep['tip_mean']:.2f} % | |\n"
         f"| 95th percentile | {100 * rep['err_frac_width_p95']:.2f} % | |\n"
         f"| worst | {100 * rep['err_frac_width_max']:.2f} % | |\n"
         f"| points within 3 % | {100 * rep['within_3pct']:.1f} % | |\n\n"
         f"Training time: {t_train:.0f} s with {torch.get_num_threads()} intra-op thread(s) on a shared 2-core CPU (data preparation {t_data:.0f} s)."),
        ("Domain check", domain.card_section(dom, dom_rows)),
        ("Intended use", "Demonstration of the Osteon nasal-fracture pipeline (cropping). Not for primary "
                         "diagnosis; not a medical device."),
        ("Limitations", "Synthetic lateral skulls only, face to the left; 128 px input limits precision "
                        "to about one input pixel (0.8 % of the width)."),
    ])
    write_model_dir(a.out, model, manifest, own_data_card(a, body), dom_files)
    rep["domain"] = dom.info
    write_report(a.report, "nasal_localiser", rep)


if __name__ == "__main__":
    main()
