"""The domain check of Osteon's models: a calibrated out-of-distribution score (models/README.md,
section "Domain check"; the node computes it in src/inference/domain_check.cpp).

Every model exports, as its last output `domain_features`, a vector describing how it responded
to the input: for each tapped layer, the per-channel mean and standard deviation of its
activations (channel_stats); the pipelines' entry models (hand_seg, nasal_localiser,
implant_detect) append fixed texture statistics of the working image (texture_stats), their
second input. The vector is split into groups (layers, texture); each group's score is a
Mahalanobis distance to the training images' features in probabilistic-PCA form, relative to a
typical training image:

    z       = (f_g - mean) / scale                    standardised features of group g, dimension D_g
    p       = basis z                                 its K strongest principal directions (K x D_g)
    d2      = sum_k p_k^2 / eigenvalue_k + (|z|^2 - |p|^2) / residual_variance
    score_g = sqrt(d2 / D_g) / typical                typical: the median over the training images
    score   = max over the groups                     about 1 for a typical training image

mean, scale, basis, eigenvalues and typical come from the training images (the fit set); the
threshold is the (1 - target) quantile of the scores of a separate calibration set of held-out
phantoms, so that about `target` of in-domain images are refused. An image scoring above it is
"unlike the data the model was validated on" and is not analysed.

Why this method (measured, tools/train/README.md "Domain check"): the probability outputs give
no warning at all (real skulls were called fractures with probability 0.57-1.00); multi-layer
channel statistics separate other body parts and most real radiographs from held-out phantoms;
a real AP pelvis without an implant still looked like a hip phantom to implant_detect's layers
(score 0.89 of the threshold), and only the fine texture of the 512-px working image, which the
128-px entry inputs no longer show, set every real radiograph apart (lowest 1.9-2.4 x the
threshold per entry model). Taking each group's own maximum keeps the small texture group from
being diluted by the several hundred layer statistics.
"""
import json
import os

from typing import List

import numpy as np
import torch
import torch.nn.functional as F

FEATURES_OUTPUT = "domain_features"
FILE = "domain.json"
COMPONENTS = 64        # principal directions kept (the rest: one isotropic residual variance)
FRR_TARGET = 0.002     # per model: share of in-domain calibration images the threshold refuses


def channel_stats(t: torch.Tensor) -> torch.Tensor:
    """[N, C, H, W] activations -> [N, 2C]: per-sample channel means, then channel standard
    deviations (float32, also when the network runs in fp16)."""
    t = t.float()
    return torch.cat([t.mean(dim=(2, 3)), t.std(dim=(2, 3))], 1)


TEXTURE_SIDE = 512     # the working image, letterboxed (the entry models' second input)


def texture_stats(x: torch.Tensor) -> torch.Tensor:
    """Fixed (not learned) statistics of the working image's fine structure, for the entry models'
    domain check: [N, 1, 512, 512] in [0, 1] -> [N, 36]. At four scales (512, 256, 128, 64 px,
    2x2 average pooling between them), for the absolute responses of a Laplacian and of a
    horizontal and a vertical central difference: log mean, log standard deviation and mean log
    (which sees how much of the image is flat). Radiographs that nobody made for Osteon differ
    from its phantoms most in this fine structure (trabecular bone, film and detector texture,
    compression), which the 128-px inputs of the entry models no longer show. (An intensity
    histogram was tried too: it refused none of the real radiographs the moments did not, and its
    heavy tail on bright-background phantoms would have raised the thresholds; tools/train/README.md.)"""
    x = x.float()
    lap = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]], device=x.device).view(1, 1, 3, 3)
    gx = torch.tensor([-1.0, 0.0, 1.0], device=x.device).view(1, 1, 1, 3)
    gy = gx.view(1, 1, 3, 1)
    out: List[torch.Tensor] = []
    t = x
    for _ in range(4):
        for r in (F.conv2d(t, lap, padding=1).abs(), F.conv2d(t, gx, padding=(0, 1)).abs(),
                  F.conv2d(t, gy, padding=(1, 0)).abs()):
            out.append(torch.log(r.mean(dim=(1, 2, 3)) + 1e-4))
            out.append(torch.log(r.std(dim=(1, 2, 3)) + 1e-4))
            out.append(torch.log(r + 1e-3).mean(dim=(1, 2, 3)))
        t = F.avg_pool2d(t, 2)
    return torch.stack(out, 1)


TEXTURE_DIM = 4 * 3 * 3


def texture_input():
    """The manifest entry of the entry models' second input."""
    return {"name": "working_image", "shape": [1, TEXTURE_SIDE, TEXTURE_SIDE],
            "meaning": "the working image (longer side 512) letterboxed to 512x512 on zeros, no contrast "
                       "normalisation: the domain check's texture statistics are taken from it"}


def features_output(dim):
    """The manifest entry of the features output."""
    return {"name": FEATURES_OUTPUT, "shape": [int(dim)],
            "meaning": "domain check features: per tapped layer, channel means and standard deviations "
                       "of the activations (see domain_check)"}


class Group:
    """One group of features (a slice of the vector) and its fitted statistics."""

    def __init__(self, name, start, stop, mean, scale, basis, eigenvalues, residual_variance, typical=1.0):
        self.name, self.start, self.stop = name, int(start), int(stop)
        self.mean = np.asarray(mean, np.float64)
        self.scale = np.asarray(scale, np.float64)
        self.basis = np.asarray(basis, np.float64)
        self.eigenvalues = np.asarray(eigenvalues, np.float64)
        self.residual_variance = float(residual_variance)
        self.typical = float(typical)

    def raw(self, features):
        z = (np.asarray(features, np.float64)[:, self.start:self.stop] - self.mean) / self.scale
        p = z @ self.basis.T
        r = np.maximum((z * z).sum(1) - (p * p).sum(1), 0.0)
        d2 = (p * p / self.eigenvalues).sum(1) + r / self.residual_variance
        return np.sqrt(d2 / (self.stop - self.start))

    def score(self, features):
        return self.raw(features) / self.typical


class Domain:
    """A fitted domain check (see the module comment)."""

    def __init__(self, groups, dimension):
        self.groups = groups
        self.dimension = int(dimension)
        self.threshold = float("nan")
        self.info = {}

    def score(self, features):
        f = np.asarray(features, np.float64)
        if f.ndim != 2 or f.shape[1] != self.dimension:
            raise ValueError(f"domain check: {self.dimension} features per row expected, got shape {f.shape}")
        return np.max([g.score(f) for g in self.groups], axis=0)


def fit_group(x, name, start, stop, components=COMPONENTS):
    """Mean, scale, principal directions and typical score of one group of training features."""
    x = np.asarray(x, np.float64)[:, start:stop]
    if len(x) < 2:
        raise ValueError(f"domain fit needs at least 2 feature vectors, got {len(x)}")
    mean = x.mean(0)
    scale = x.std(0)
    scale = np.where(scale > 1e-6, scale, 1e-6)
    z = (x - mean) / scale
    w, v = np.linalg.eigh(z.T @ z / len(z))
    w, v = w[::-1], v[:, ::-1]
    k = int(min(components, len(w), max(1, len(z) - 1)))
    rest = w[k:]
    residual = float(max(rest.mean(), 1e-6)) if len(rest) else 1.0
    g = Group(name, start, stop, mean, scale, v[:, :k].T, np.maximum(w[:k], 1e-6), residual)
    g.typical = float(np.median(g.raw(np.pad(x, ((0, 0), (start, 0))))))  # raw() slices [start:stop]
    return g


def fit_statistics(train, groups=None, components=COMPONENTS):
    """Fits every group [(name, start, stop)] (default: one group "layers" over all features)."""
    train = np.asarray(train, np.float64)
    if train.ndim != 2:
        raise ValueError(f"domain fit needs a [n, D] array, got shape {train.shape}")
    groups = groups or [("layers", 0, train.shape[1])]
    return Domain([fit_group(train, n, a, b, components) for n, a, b in groups], train.shape[1])


def entry_groups(dimension):
    """An entry model's groups: its layers, then the texture statistics (the last TEXTURE_DIM)."""
    return [("layers", 0, dimension - TEXTURE_DIM), ("texture", dimension - TEXTURE_DIM, dimension)]


def calibrate(domain, calibration, target=FRR_TARGET):
    """Sets the threshold to the (1 - target) quantile of the calibration set's scores."""
    s = domain.score(calibration)
    domain.threshold = float(np.quantile(s, 1.0 - target))
    domain.info["calibration_scores"] = {k: float(v) for k, v in zip(
        ("p50", "p90", "p99", "max"), np.quantile(s, [0.5, 0.9, 0.99, 1.0]))}
    return s


def fit(train, calibration, target=FRR_TARGET, components=COMPONENTS, fit_set="", calibration_set="", groups=None):
    """Fits on `train` (features of the training images), calibrates on `calibration` (held-out
    images of the same domain)."""
    d = fit_statistics(train, groups, components)
    calibrate(d, calibration, target)
    d.info.update({"fit_set": fit_set, "fit_samples": int(len(train)), "calibration_set": calibration_set,
                   "calibration_samples": int(len(calibration)), "target_false_refusal_rate": float(target)})
    return d


def refusal(domain, features):
    """Share of these feature vectors the threshold refuses (nan for none)."""
    if features is None or len(features) == 0:
        return float("nan")
    return float((domain.score(features) > domain.threshold).mean())


def to_json(domain, model):
    """The domain file: statistics and how they were made (the threshold itself lives in the manifest)."""
    r = lambda a: [float(f"{v:.7g}") for v in np.asarray(a).ravel()]  # noqa: E731
    return {
        "format": 1, "method": "mahalanobis", "model": model, "features": FEATURES_OUTPUT,
        "dimension": domain.dimension,
        "score": "max over groups of sqrt((sum_k (basis_k . z)^2 / eigenvalues_k + (|z|^2 - sum_k (basis_k . z)^2) "
                 "/ residual_variance) / size) / typical, z = (features[offset:offset+size] - mean) / scale",
        "fit": {"set": domain.info.get("fit_set", ""), "samples": domain.info.get("fit_samples", 0)},
        "calibration": {"set": domain.info.get("calibration_set", ""),
                        "samples": domain.info.get("calibration_samples", 0),
                        "target_false_refusal_rate": domain.info.get("target_false_refusal_rate", FRR_TARGET),
                        "threshold": float(f"{domain.threshold:.6g}"),
                        "scores": {k: float(f"{v:.6g}") for k, v in domain.info.get("calibration_scores", {}).items()}},
        "groups": [{"name": g.name, "offset": g.start, "size": g.stop - g.start, "typical": float(f"{g.typical:.7g}"),
                    "mean": r(g.mean), "scale": r(g.scale), "eigenvalues": r(g.eigenvalues),
                    "residual_variance": float(f"{g.residual_variance:.7g}"), "basis": [r(row) for row in g.basis]}
                   for g in domain.groups],
    }


def from_json(doc):
    groups = [Group(g["name"], g["offset"], g["offset"] + g["size"], g["mean"], g["scale"], g["basis"], g["eigenvalues"],
                    g["residual_variance"], g["typical"]) for g in doc["groups"]]
    d = Domain(groups, doc["dimension"])
    d.threshold = float(doc.get("calibration", {}).get("threshold", float("nan")))
    return d


def load(model_dir):
    """The domain check of an exported model directory, with the manifest's threshold."""
    with open(os.path.join(model_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    dc = manifest.get("domain_check")
    if not isinstance(dc, dict):
        return None
    with open(os.path.join(model_dir, dc["file"]), encoding="utf-8") as f:
        d = from_json(json.load(f))
    d.threshold = float(dc["threshold"])
    return d


def manifest_entry(domain, measured=""):
    """The manifest's domain_check (file and sha256 are added by write_model_dir)."""
    i = domain.info
    text = (f"threshold = the {100 * (1 - i['target_false_refusal_rate']):.1f}th percentile of the scores of "
            f"{i['calibration_samples']} {i['calibration_set']}; statistics from {i['fit_samples']} {i['fit_set']}")
    if measured:
        text += "; " + measured
    return {"method": "mahalanobis", "features": FEATURES_OUTPUT, "file": FILE,
            "threshold": float(f"{domain.threshold:.6g}"),
            "false_refusal_rate": i["target_false_refusal_rate"], "calibration": text}


def run_features(fn, inputs, batch=32):
    """Features (the last output) of `fn(x)` or `fn(x, w)` over arrays of inputs [n, H, W]
    (float32, or uint8 meaning /255): `inputs` is one array or a tuple of arrays (then fn gets one
    batch of each); returns [n, D]."""
    arrays = inputs if isinstance(inputs, tuple) else (inputs,)
    out = []
    with torch.no_grad():
        for i in range(0, len(arrays[0]), batch):
            xs = []
            for a in arrays:
                x = a[i:i + batch]
                xs.append(torch.from_numpy(x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32))[:, None])
            out.append(fn(*xs)[-1].float().numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


class Features:
    """Already computed feature vectors [n, D] (for make_check), e.g. from stream_features."""

    def __init__(self, values):
        self.values = np.asarray(values)


def stream_features(fn, images, make, batch=16):
    """Features of `fn` over images that are too large to hold at once: `images` yields [0, 1]
    images, `make(image)` returns the model's inputs as a tuple of arrays; returns Features."""
    out, pending = [], []

    def flush():
        if pending:
            out.append(run_features(fn, tuple(np.stack(col) for col in zip(*pending)), batch=len(pending)))
            pending.clear()
    for img in images:
        pending.append(make(img))
        if len(pending) == batch:
            flush()
    flush()
    return Features(np.concatenate(out) if out else np.zeros((0, 0), np.float32))


def make_check(fn, model, fit_inputs, cal_inputs, test_inputs, others, fit_set, calibration_set, test_set,
               target=FRR_TARGET, entry=False):
    """The domain check of one model, made by its training script: `fn(x[, w])` runs the model on
    a batch [N, 1, H, W] (entry models: and the working image) and returns its outputs (features
    last); fit on the training inputs, threshold on the calibration inputs, refusal measured on
    the held-out test inputs and on `others` ({description: inputs}, e.g. other body parts).
    Inputs are arrays (or tuples of arrays) for run_features, or a Features object of already
    computed features. entry: the features end with texture_stats (groups layers + texture).
    Returns the Domain, the (manifest entry, file JSON) pair for write_model_dir, and the rows
    for card_section."""
    feats = lambda inputs: inputs.values if isinstance(inputs, Features) else run_features(fn, inputs)  # noqa: E731
    count = lambda inputs: len(inputs.values) if isinstance(inputs, Features) else len(  # noqa: E731
        inputs[0] if isinstance(inputs, tuple) else inputs)
    train = feats(fit_inputs)
    d = fit(train, feats(cal_inputs), target=target, fit_set=fit_set, calibration_set=calibration_set,
            groups=entry_groups(train.shape[1]) if entry else None)
    rows = [(f"held-out {test_set}", refusal(d, feats(test_inputs)), count(test_inputs))]
    for what, inputs in others.items():
        rows.append((what, refusal(d, feats(inputs)), count(inputs)))
    d.info["refusals"] = {what: share for what, share, _ in rows}
    measured = f"measured: {100 * rows[0][1]:.1f} % of {rows[0][2]} held-out {test_set} refused"
    for what, share, n in rows[1:]:
        measured += f", {100 * share:.0f} % of {n} {what}"
    print(f"{model} domain check: threshold {d.threshold:.4f}; {measured}", flush=True)
    return d, (manifest_entry(d, measured), to_json(d, model)), rows


def card_section(domain, rows):
    """Markdown for the model card: how the check was made and what it refuses.
    rows: [(what, share refused or nan, count)]"""
    i = domain.info
    cs = i.get("calibration_scores", {})
    groups = ", ".join(f"{g.name} ({g.stop - g.start} values, {len(g.eigenvalues)} principal directions)" for g in domain.groups)
    lines = [
        f"Mahalanobis distance of the model's own response (`{FEATURES_OUTPUT}`, {domain.dimension} values: per tapped "
        "layer the channel means and standard deviations"
        + (", then texture statistics of the working image" if len(domain.groups) > 1 else "")
        + f") to that of its {i['fit_samples']} {i['fit_set']}, in probabilistic-PCA form per group ({groups}), each "
        "relative to a typical training image; the score is the largest group's, about 1 for a typical training image "
        f"(tools/train/domain.py, `{FILE}`). Threshold **{domain.threshold:.4g}**: the {100 * (1 - i['target_false_refusal_rate']):.1f}th "
        f"percentile of the scores of {i['calibration_samples']} {i['calibration_set']} (their median "
        f"{cs.get('p50', float('nan')):.3g}, maximum {cs.get('max', float('nan')):.3g}). Above it the node refuses the "
        "image as not analysable (\"image unlike the data the model was validated on\"), with the score and the "
        "threshold, instead of a finding.",
        "", "| images | refused by this check |", "|---|---|"]
    for what, share, n in rows:
        lines.append(f"| {what} ({n}) | {'n/a' if share != share else f'{100 * share:.1f} %'} |")
    lines += ["", "Real radiographs are measured through the C++ pipelines by `osteon-eval --real` (README)."]
    return "\n".join(lines)
