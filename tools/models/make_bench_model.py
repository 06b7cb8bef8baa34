#!/usr/bin/env python3
"""A randomly initialised CNN for `osteon-bench infer` (never committed: generate it).

    /usr/bin/python3 tools/models/make_bench_model.py --out build/bench-models [--arch resnet18] [--size 256]

writes OUT/<arch>_<size>/{model.pt,manifest.json,MODEL_CARD.md}:
  resnet18  ResNet-18 (torchvision's layout, written out: no torchvision needed) with a 1-channel stem (11.2 M parameters, ~45 MB, ~2.4 GFLOP
            per 256x256 image): the size of the networks Osteon's pipelines run
  small     a 4-stage conv net (~0.4 M parameters) for quick runs on small machines
Input: one grey radiograph channel at SIZE x SIZE, values in [0, 1], mean/std normalisation.
Output: logits[8]. fp16 allowed. Preferred batch sizes 1..32.
"""
import argparse
import os
import sys

try:
    import torch
    from torch import nn
except ImportError as e:  # pragma: no cover
    sys.exit(f"make_bench_model.py: cannot import torch ({e}); use a Python with torch (Debian: /usr/bin/python3)")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_dir import write_model_dir  # noqa: E402

CLASSES = 8


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = nn.Identity()
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.downsample(x))


def resnet18():
    """ResNet-18 (He et al. 2016; the layout of torchvision's resnet18) with a one-channel stem.
    Written out here so that the script needs torch only, not torchvision."""
    layers = [nn.Conv2d(1, 64, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
              nn.MaxPool2d(3, stride=2, padding=1)]
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, CLASSES)]
    net = nn.Sequential(*layers)
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    return net


def small():
    def stage(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                nn.MaxPool2d(2)]
    layers = [nn.Conv2d(1, 16, 5, stride=2, padding=2), nn.ReLU(inplace=True)]
    for cin, cout in ((16, 32), (32, 64), (64, 96), (96, 128)):
        layers += stage(cin, cout)
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, CLASSES)]
    return nn.Sequential(*layers)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--arch", choices=("resnet18", "small"), default="resnet18")
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    torch.manual_seed(0)
    net = resnet18() if args.arch == "resnet18" else small()
    params = sum(p.numel() for p in net.parameters())
    name = f"{args.arch}_{args.size}"
    manifest = {
        "name": name, "version": "0.0.0", "task": "classification",
        "description": f"{args.arch} at {args.size}x{args.size}, random weights: for benchmarking only",
        "input": {"name": "image", "channels": 1, "height": args.size, "width": args.size, "dtype": "float32",
                  "value_range": [0.0, 1.0],
                  "normalisation": {"type": "mean_std", "mean": [0.5], "std": [0.25]}},
        "outputs": [{"name": "logits", "shape": [CLASSES], "meaning": "scores of meaningless classes",
                     "labels": [f"class_{i}" for i in range(CLASSES)]}],
        "precision": ["fp32", "fp16"],
        "preferred_batch_sizes": [1, 2, 4, 8, 16, 32],
        "training_data": "none: randomly initialised",
        "intended_use": "osteon-bench infer: throughput and latency of the inference runtime",
        "domain_check": "none",
    }
    card = f"""# {name}

{args.arch} with a one-channel stem at {args.size}x{args.size}, {params / 1e6:.1f} M parameters,
**randomly initialised** by tools/models/make_bench_model.py (torch {torch.__version__}).
Training data: none. Metrics: none. Intended use: benchmarking the inference runtime.
Its outputs mean nothing; never use it on patients.
"""
    model_dir = write_model_dir(args.out, net, manifest, card)
    size = os.path.getsize(os.path.join(model_dir, "model.pt"))
    print(f"make_bench_model.py: {model_dir} ({params / 1e6:.1f} M parameters, {size / 1e6:.1f} MB, torch {torch.__version__})")


if __name__ == "__main__":
    main()
