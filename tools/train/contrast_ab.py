#!/usr/bin/env python3
"""Trains models/hand_contrast: a small CNN regressing the brightness/contrast correction
(alpha, beta) for the imaging layer's ContrastEstimator interface (out = clamp(alpha*in + beta, 0, 1)).

    /usr/bin/python3 tools/train/contrast_ab.py --data DATA --out models [--epochs N] [--steps N]

Target: the alpha and beta that map the 1st and 99th percentiles of the *hand* pixels (truth
mask) to 0.05 and 0.95, i.e. a histogram stretch that ignores the (possibly over-bright, uneven)
background and the collimator borders. Input: the same 128x128 letterbox as hand_seg.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (require_masks, arg_parser, fit, one_cycle, INTENDED_USE, Timer, cache, card, phantom_version, reuse_weights, setup,  # noqa: E402
                    channel_stats, domain, write_model_dir, write_report, F, np, torch, nn)
from hand_seg import build, hand_domain_check  # noqa: E402  (same cached 128x128 letterbox and mask)
from typing import List  # noqa: E402

S = 128
LO, HI = 0.05, 0.95


def targets(x, y):
    out = []
    for i in range(len(x)):
        v = x[i][y[i].astype(bool)]
        if v.size < 10:
            v = x[i].ravel()
        p1, p99 = np.percentile(v, 1), np.percentile(v, 99)
        alpha = (HI - LO) / max(p99 - p1, 1e-3)
        out.append([alpha, LO - alpha * p1])
    return np.array(out, np.float32)


def cbr(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class AlphaBeta(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(cbr(1, 16, 2), cbr(16, 32, 2), cbr(32, 48, 2), cbr(48, 64, 2))  # 128 -> 8
        self.head = nn.Sequential(nn.Linear(64 * 2, 64), nn.ReLU(inplace=True), nn.Linear(64, 2))

    def forward(self, x):
        """(alpha, beta) and the domain features (channel statistics of every layer)."""
        f = x
        feats: List[torch.Tensor] = []
        for layer in self.features:
            f = layer(f)
            feats.append(channel_stats(f))
        g = torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3))], 1)
        o = self.head(g)
        alpha = torch.exp(o[:, 0:1] + 1.0)  # alpha > 0
        beta = o[:, 1:2] - 1.0
        return torch.cat([alpha, beta], 1), torch.cat(feats, 1)


def main():
    ap = arg_parser(epochs=8, seed=6)
    a = ap.parse_args()
    setup(a.seed)
    require_masks(os.path.join(a.data, "hand_train"), "hand", "hand_contrast")
    t = Timer()
    tr = cache(os.path.join(a.data, f"hand_seg_train_{a.limit}.npz"), lambda: build(os.path.join(a.data, "hand_train"), a.limit))
    te = cache(os.path.join(a.data, f"hand_seg_test_{a.limit}.npz"), lambda: build(os.path.join(a.data, "hand_test"), a.limit))
    ytr, yte = targets(tr["x"], tr["y"]), targets(te["x"], te["y"])
    t_data = t.s()
    model = AlphaBeta()
    n = len(tr["x"])
    bs = 16
    opt = torch.optim.Adam(model.parameters(), 2e-3)
    sched = one_cycle(opt, 2e-3, a.epochs, n, bs)
    rng = np.random.default_rng(a.seed)

    def loss_of(idx):
        x = torch.from_numpy(tr["x"][idx])[:, None]
        y = torch.from_numpy(ytr[idx])
        p = model(x)[0]
        # error in the mapped values of the hand's p1 and p99 (what matters downstream)
        p1 = (LO - y[:, 1]) / y[:, 0]
        p99 = (HI - y[:, 1]) / y[:, 0]
        loss = (F.smooth_l1_loss(p[:, 0] * p1 + p[:, 1], torch.full_like(p1, LO), beta=0.02)
                + F.smooth_l1_loss(p[:, 0] * p99 + p[:, 1], torch.full_like(p99, HI), beta=0.02))
        return loss

    if a.reuse:
        t_train = reuse_weights(model, a.out, "hand_contrast")
    else:
        t_train = fit("hand_contrast", model, opt, sched, n, bs, a.epochs, a.steps, rng, loss_of)
    model.eval()
    with torch.no_grad():
        p = torch.cat([model(torch.from_numpy(te["x"][i:i + 64])[:, None])[0] for i in range(0, len(te["x"]), 64)]).numpy()
    p1 = (LO - yte[:, 1]) / yte[:, 0]
    p99 = (HI - yte[:, 1]) / yte[:, 0]
    e_lo = np.abs(p[:, 0] * p1 + p[:, 1] - LO)
    e_hi = np.abs(p[:, 0] * p99 + p[:, 1] - HI)
    rep = {"model": "hand_contrast", "test_images": int(len(p)), "mapped_p1_abs_err_mean": float(e_lo.mean()),
           "mapped_p99_abs_err_mean": float(e_hi.mean()),
           "alpha_rel_err_median": float(np.median(np.abs(p[:, 0] - yte[:, 0]) / yte[:, 0])),
           "train_images": n, "epochs": a.epochs, "data_s": round(t_data, 1), "train_s": round(t_train, 1)}
    print(rep, flush=True)
    dom, dom_files, dom_rows = hand_domain_check(model, "hand_contrast", a, tr["x"], entry=False)
    manifest = {
        "name": "hand_contrast", "version": "1.1.0", "task": "regression",
        "description": "Brightness/contrast (alpha, beta) for the hand radiograph: out = clamp(alpha*in + beta, 0, 1)",
        "input": {"name": "image", "channels": 1, "height": S, "width": S, "dtype": "float32",
                  "value_range": [0.0, 1.0], "normalisation": {"type": "none"}},
        "outputs": [{"name": "alpha_beta", "shape": [2], "labels": ["alpha", "beta"],
                     "meaning": "contrast alpha and brightness beta, for values in [0, 1] (the acquired range scaled)"},
                    domain.features_output(dom.dimension)],
        "precision": ["fp32"], "preferred_batch_sizes": [1, 4, 8],
        "training_data": f"{n} synthetic hand phantoms (osteon-phantom --kind hand --png, seeds 11 and 15 merged, 1024x832 area-resized to the 512x416 working image)",
        "intended_use": INTENDED_USE}
    body = card("hand_contrast: brightness/contrast estimator (Osteon reference model)", [
        ("Model", "4 stride-2 conv-BN-ReLU layers (128 -> 8), mean and max pooling, 2-layer head; "
                  "alpha = exp(o0 + 1), beta = o1 - 1. "
                  f"{sum(p.numel() for p in model.parameters())} parameters. Implements the imaging layer's "
                  "ContrastEstimator (include/osteon/imaging/intensity.hpp): out = clamp(alpha * in + beta, 0, 1)."),
        ("Preprocessing (the C++ pipeline must reproduce it)",
         "Exactly hand_seg's input: acquired range to [0, 1], working image (area resize to longer side 512), "
         "letterbox to 128x128 (area, centred, zero padding), no normalisation. Apply the returned alpha and beta "
         "to the [0, 1] image at any resolution."),
        ("Target", f"The alpha, beta mapping the 1st and 99th percentiles of the hand pixels (truth mask, at 128x128) "
                   f"to {LO} and {HI}: a histogram stretch of the hand that ignores the background (15% of the "
                   "phantoms have an over-bright, uneven one) and the collimator borders. Loss: smooth-L1 on where "
                   "those two percentiles land after the predicted mapping."),
        ("Training data", f"{n} hand phantoms, osteon-phantom --kind hand --png, seeds 11 and 15 merged, 1024x832 area-resized to the 512x416 working image "
                          f"(tools/phantom at {phantom_version()}). Adam, one-cycle LR, {a.epochs} epochs, batch 16, "
                          f"torch seed {a.seed}."),
        ("Metrics (held-out phantoms, seed 911)",
         f"| metric | value |\n|---|---|\n"
         f"| mean abs. error of the mapped hand 1st percentile (target {LO}) | {rep['mapped_p1_abs_err_mean']:.4f} |\n"
         f"| mean abs. error of the mapped hand 99th percentile (target {HI}) | {rep['mapped_p99_abs_err_mean']:.4f} |\n"
         f"| median relative error of alpha | {100 * rep['alpha_rel_err_median']:.1f} % |\n\n"
         f"No target was set for this optional model. Training time: {t_train:.0f} s with {torch.get_num_threads()} intra-op thread(s) on a shared 2-core CPU."),
        ("Domain check", domain.card_section(dom, dom_rows) + "\n\nThe node uses this optional model only for the "
                         "displayed brightness: out of its domain, the stored window is shown instead."),
        ("Intended use", "Demonstration of the Osteon bone-age pipeline's brightness/contrast step. Not for "
                         "primary diagnosis; not a medical device."),
        ("Limitations", "Synthetic hands only; the target is a simple percentile stretch of the hand, not a "
                        "radiographer's preference."),
    ])
    write_model_dir(a.out, model, manifest, body, dom_files)
    rep["domain"] = dom.info
    write_report(a.report, "hand_contrast", rep)


if __name__ == "__main__":
    main()
