#!/usr/bin/env python3
"""Tiny TorchScript models for Osteon's inference tests (tests/inference).

    /usr/bin/python3 tools/models/make_fixtures.py --out DIR

writes DIR/<name>/{model.pt,manifest.json,MODEL_CARD.md} for each fixture and DIR/.complete
last. Deterministic weights (fixed seed). Exits non-zero (loudly) when torch is missing: the
tests must not silently skip.

  tiny_classifier  1x32x32, mean/std normalisation, conv-BN-ReLU net -> logits[3], probabilities[3]
  tiny_echo        2x4x4, scale normalisation -> the normalised image and its sum;
                   raises ValueError("NaN in input") for an input holding NaN
  tiny_two_input   1x8x8 image + extra input sex[1] -> value[1] = mean(image) + 10 * sex
  tiny_domain      1x16x16 -> logits[2] and domain_features[16] (channel statistics of two layers),
                   with a domain check fitted by tools/train/domain.py (two groups) and
                   expected.json: inputs and the scores Python gives them, for the C++ check
"""
import argparse
import json
import os
import sys

try:
    import torch
    from torch import nn
except ImportError as e:  # pragma: no cover
    sys.exit(f"make_fixtures.py: cannot import torch ({e}); run it with a Python that has torch "
             f"(Debian: /usr/bin/python3 with python3-torch)")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
from model_dir import write_model_dir  # noqa: E402
import domain  # noqa: E402

CARD = """# {name} (test fixture)

Randomly initialised network made by tools/models/make_fixtures.py for Osteon's inference tests.
Training data: none. Intended use: tests only. Not for any diagnosis.
"""


class TinyClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        logits = self.head(self.features(x))
        return logits, torch.softmax(logits, dim=1)


class TinyEcho(nn.Module):
    def forward(self, x):
        if bool(torch.isnan(x).any()):
            raise ValueError("NaN in input")
        return x, x.sum(dim=(1, 2, 3)).unsqueeze(1)


class TinyTwoInput(nn.Module):
    def forward(self, image, sex):
        return image.mean(dim=(1, 2, 3)).unsqueeze(1) + 10.0 * sex


class TinyDomain(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 4, 3, padding=1)
        self.c2 = nn.Conv2d(4, 4, 3, stride=2, padding=1)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        a = torch.relu(self.c1(x))
        b = torch.relu(self.c2(a))
        return self.fc(b.mean(dim=(2, 3))), torch.cat([domain.channel_stats(a), domain.channel_stats(b)], 1)


def domain_images(gen, n, lo, hi):
    """Smooth random images: a random level plus a little noise (the tiny model's 'domain')."""
    level = torch.rand(n, 1, 1, 1, generator=gen) * (hi - lo) + lo
    return (level + 0.05 * torch.randn(n, 1, 16, 16, generator=gen)).clamp(0, 1)


def write_tiny_domain(out):
    gen = torch.Generator().manual_seed(99)
    model = TinyDomain().eval()
    with torch.no_grad():
        feats = lambda x: model(x)[1].numpy()  # noqa: E731
        train, cal = feats(domain_images(gen, 300, 0.3, 0.7)), feats(domain_images(gen, 200, 0.3, 0.7))
        d = domain.fit(train, cal, target=0.01, fit_set="random smooth images", calibration_set="more of them",
                       groups=[("layers", 0, 8), ("texture", 8, 16)])
        inside = domain_images(gen, 3, 0.35, 0.65)
        outside = torch.cat([torch.ones(1, 1, 16, 16), torch.rand(2, 1, 16, 16, generator=gen)])
        probes = torch.cat([inside, outside])
        scores = d.score(feats(probes))
    manifest = base(
        "tiny_domain", "classification",
        input={"name": "image", "channels": 1, "height": 16, "width": 16},
        outputs=[{"name": "logits", "shape": [2], "meaning": "meaningless"},
                 domain.features_output(16)],
        preferred_batch_sizes=[1, 2])
    manifest.pop("domain_check")
    model_dir = write_model_dir(out, model, manifest, CARD.format(name="tiny_domain"),
                                (domain.manifest_entry(d), domain.to_json(d, "tiny_domain")))
    with open(os.path.join(model_dir, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"threshold": d.threshold,
                   "probes": [{"image": probes[i, 0].flatten().tolist(), "score": float(scores[i]),
                               "in_domain": bool(scores[i] <= d.threshold)} for i in range(len(probes))]}, f)


def base(name, task, **kw):
    m = {"name": name, "version": "1.0.0", "task": task,
         "description": f"{name}: Osteon test fixture",
         "training_data": "none: randomly initialised test fixture",
         "intended_use": "tests of the inference runtime only",
         "domain_check": "none"}
    m.update(kw)
    return m


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="directory to write the model directories into")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    complete = os.path.join(args.out, ".complete")
    if os.path.exists(complete):
        os.remove(complete)
    torch.manual_seed(1234)

    classifier = TinyClassifier()
    with torch.no_grad():  # non-trivial BatchNorm statistics
        bn = classifier.features[1]
        bn.running_mean.uniform_(-0.2, 0.2)
        bn.running_var.uniform_(0.5, 1.5)
    write_model_dir(args.out, classifier, base(
        "tiny_classifier", "classification",
        input={"name": "image", "channels": 1, "height": 32, "width": 32, "dtype": "float32",
               "value_range": [0.0, 1.0], "normalisation": {"type": "mean_std", "mean": [0.5], "std": [0.25]}},
        outputs=[{"name": "logits", "shape": [3], "meaning": "class scores", "labels": ["alpha", "beta", "gamma"]},
                 {"name": "probabilities", "shape": [3], "meaning": "softmax of logits",
                  "labels": ["alpha", "beta", "gamma"]}],
        precision=["fp32", "fp16"], preferred_batch_sizes=[1, 4, 8]), CARD.format(name="tiny_classifier"))

    write_model_dir(args.out, TinyEcho(), base(
        "tiny_echo", "image_to_image",
        input={"name": "image", "channels": 2, "height": 4, "width": 4,
               "normalisation": {"type": "scale", "scale": 2.0, "offset": -1.0}},
        outputs=[{"name": "image", "shape": [2, 4, 4], "meaning": "the normalised input"},
                 {"name": "sum", "shape": [1], "meaning": "sum of the normalised input"}],
        preferred_batch_sizes=[1, 8]), CARD.format(name="tiny_echo"))

    write_model_dir(args.out, TinyTwoInput(), base(
        "tiny_two_input", "regression",
        input={"name": "image", "channels": 1, "height": 8, "width": 8},
        extra_inputs=[{"name": "sex", "shape": [1], "meaning": "1 male, 0 female"}],
        outputs=[{"name": "value", "shape": [1], "meaning": "mean(image) + 10 * sex"}],
        preferred_batch_sizes=[1, 4]), CARD.format(name="tiny_two_input"))

    write_tiny_domain(args.out)

    with open(complete, "w", encoding="utf-8") as f:
        f.write(f"torch {torch.__version__}\n")
    print(f"make_fixtures.py: 4 models written to {args.out} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
