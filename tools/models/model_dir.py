"""Writes one Osteon model directory: model.pt (TorchScript), manifest.json, MODEL_CARD.md and,
for a model with a domain check, its statistics file (domain.json).

Shared by the training scripts (tools/train), make_fixtures.py (tiny test models) and
make_bench_model.py (benchmark CNN). The manifest contract is documented in models/README.md.
Run with a Python that has torch (Debian: /usr/bin/python3 with python3-torch).
"""
import hashlib
import json
import os

import torch


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_model_dir(out_dir, module, manifest, card, domain=None):
    """Scripts `module`, saves it and writes the manifest (with the file's sha256) and card.

    domain: None, or (domain_check manifest entry, domain file JSON): the file is written next to
    the model and its sha256 recorded in the entry. Without it the manifest must say
    "domain_check": "none" itself: a model without a domain check is never made by accident.
    """
    name = manifest["name"]
    model_dir = os.path.join(out_dir, name)
    os.makedirs(model_dir, exist_ok=True)
    module.eval()
    scripted = torch.jit.script(module)
    model_file = os.path.join(model_dir, manifest.get("file", "model.pt"))
    scripted.save(model_file)
    manifest = dict(manifest)
    manifest.setdefault("format", 1)
    manifest.setdefault("file", "model.pt")
    manifest.setdefault("model_card", "MODEL_CARD.md")
    manifest["sha256"] = sha256_file(model_file)
    if domain is not None:
        entry, doc = domain
        entry = dict(entry)
        domain_file = os.path.join(model_dir, entry["file"])
        with open(domain_file, "w", encoding="utf-8") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        entry["sha256"] = sha256_file(domain_file)
        manifest["domain_check"] = entry
    elif manifest.get("domain_check") != "none":
        raise ValueError(f"model {name}: no domain check given and the manifest does not say \"domain_check\": \"none\"")
    ordered = {k: manifest[k] for k in ("format", "name", "version", "task") if k in manifest}
    ordered.update({k: v for k, v in manifest.items() if k not in ordered})
    with open(os.path.join(model_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(ordered, f, indent=2)
        f.write("\n")
    with open(os.path.join(model_dir, manifest["model_card"]), "w", encoding="utf-8") as f:
        f.write(card.strip() + "\n")
    return model_dir
