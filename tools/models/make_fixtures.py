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
"""
import argparse
import os
import sys

try:
    import torch
    from torch import nn
except ImportError as e:  # pragma: no cover
    sys.exit(f"make_fixtures.py: cannot import torch ({e}); run it with a Python that has torch "
             f"(Debian: /usr/bin/python3 with python3-torch)")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_dir import write_model_dir  # noqa: E402

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


def base(name, task, **kw):
    m = {"name": name, "version": "1.0.0", "task": task,
         "description": f"{name}: Osteon test fixture",
         "training_data": "none: randomly initialised test fixture",
         "intended_use": "tests of the inference runtime only"}
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

    with open(complete, "w", encoding="utf-8") as f:
        f.write(f"torch {torch.__version__}\n")
    print(f"make_fixtures.py: 3 models written to {args.out} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
