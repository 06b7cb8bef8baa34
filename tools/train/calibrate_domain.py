#!/usr/bin/env python3
"""Recalibrates the domain checks of one pipeline's models on your own images, without retraining.

    /usr/bin/python3 tools/train/calibrate_domain.py --models models --out my-models \\
        --pipeline bone_age --phantoms PHANTOM_RUN --images DIR [DIR|FILE ...] [--target 0.002]

Writes a copy of --models to --out in which the pipeline's models (bone_age: hand_seg,
hand_contrast, bone_age; nasal_fracture: nasal_localiser, nasal_fracture, nasal_anomaly;
implant_id: implant_detect) have new domain statistics and thresholds (domain.json, manifest
domain_check with its sha256); weights, manifests' other fields and cards are unchanged, and
each card gets a note. The statistics are fitted on the phantoms of an osteon-phantom run of the
pipeline's body part (--phantoms, optional) and your images (PNG/JPEG/TIFF/DICOM, read as the node
reads them wrapped as DX), every other image of each set going to the fit and the rest to the
calibration of the threshold (tools/train/domain.py). Images like yours are then accepted by the
check; images unlike both are still refused. implant_id's own check (on implant crops, which need
the C++ metal segmentation) keeps its calibration.

This is what makes the gate the model's, not a blanket "refuse real images": a hospital that has
validated a model on its own radiographs calibrates its check on them. Train real models on real
data before you do (tools/train/README.md, "Bring your own data").
"""
import argparse
import glob
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
from common import load_png, read_truth, working  # noqa: E402
import chain  # noqa: E402
import domain  # noqa: E402
from model_dir import sha256_file  # noqa: E402
import torch  # noqa: E402

IMAGE_EXT = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".dcm")


def image_files(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            out += sorted(f for f in glob.glob(os.path.join(p, "*")) if f.lower().endswith(IMAGE_EXT))
        elif os.path.isfile(p):
            out.append(p)
        else:
            raise SystemExit(f"calibrate_domain: no such file or directory: {p}")
    return out


def makers(pipeline, models):
    """{model name: (image -> its inputs as a tuple of arrays, is an entry model)} for the pipeline's models."""
    load = lambda n: torch.jit.load(os.path.join(models, n, "model.pt")).eval()  # noqa: E731
    if pipeline == "bone_age":
        seg = load("hand_seg")

        def seg_in(img):
            w = working(img)[0]
            return chain.hand_seg_input(w), chain.texture_input(w)
        return {"hand_seg": (seg_in, True), "hand_contrast": (lambda img: (chain.hand_seg_input(working(img)[0]),), False),
                "bone_age": (lambda img: (chain.bone_age_input(seg, working(img)[0]),), False)}
    if pipeline == "nasal_fracture":
        loc = load("nasal_localiser")

        def loc_in(img):
            w = working(img)[0]
            return chain.localiser_input(w)[0], chain.texture_input(w)
        crop = lambda img: (chain.nasal_input(loc, img),)  # noqa: E731
        return {"nasal_localiser": (loc_in, True), "nasal_fracture": (crop, False), "nasal_anomaly": (crop, False)}
    if pipeline == "implant_id":
        def det_in(img):
            w = working(img)[0]
            return chain.implant_detect_input(w), chain.texture_input(w)
        return {"implant_detect": (det_in, True)}
    raise SystemExit(f"calibrate_domain: unknown pipeline {pipeline} (bone_age, nasal_fracture, implant_id)")


def model_fn(model, name):
    if name == "bone_age":
        return lambda x: model(x, torch.zeros(len(x), 1))  # the features do not depend on sex
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", required=True, help="models directory to start from (e.g. models/)")
    ap.add_argument("--out", required=True, help="models directory to write (a copy with the new checks)")
    ap.add_argument("--pipeline", required=True, choices=["bone_age", "nasal_fracture", "implant_id"])
    ap.add_argument("--phantoms", default="", help="an osteon-phantom --png run of the pipeline's body part (optional)")
    ap.add_argument("--phantom-limit", type=int, default=400)
    ap.add_argument("--images", nargs="+", default=[], help="your images: folders or files (PNG, JPEG, TIFF, DICOM)")
    ap.add_argument("--target", type=float, default=domain.FRR_TARGET,
                    help=f"share of the calibration images the threshold may refuse (default {domain.FRR_TARGET})")
    a = ap.parse_args()
    torch.set_num_threads(max(1, min(2, int(os.environ.get("OSTEON_TRAIN_THREADS", "2") or 2))))

    files = image_files(a.images)
    phantoms = read_truth(a.phantoms)[:a.phantom_limit] if a.phantoms else []
    if len(files) + len(phantoms) < 4:
        raise SystemExit("calibrate_domain: give at least 4 images (--images and/or --phantoms)")
    # Every other image of each set to the fit, the rest to the threshold.
    sources = [("phantom", lambda r=r: load_png(a.phantoms, r["png"]), i) for i, r in enumerate(phantoms)]
    sources += [("image", lambda f=f: chain.load_image(f), i) for i, f in enumerate(files)]
    fit_sources = [s for s in sources if s[2] % 2 == 0]
    cal_sources = [s for s in sources if s[2] % 2 == 1] or fit_sources
    if os.path.abspath(a.out) != os.path.abspath(a.models):
        if os.path.exists(a.out):
            shutil.rmtree(a.out)
        shutil.copytree(a.models, a.out)
    what = (f"{len(phantoms)} phantoms of {a.phantoms} and " if phantoms else "") + f"{len(files)} images of {' '.join(a.images)}"
    for name, (make, entry) in makers(a.pipeline, a.models).items():
        model = torch.jit.load(os.path.join(a.models, name, "model.pt")).eval()
        fn = model_fn(model, name)
        feats = lambda srcs: domain.stream_features(fn, (load() for _, load, _ in srcs), make).values  # noqa: E731
        fit_f, cal_f = feats(fit_sources), feats(cal_sources)
        d = domain.fit(fit_f, cal_f, target=a.target, fit_set=f"images ({len(fit_sources)} of {what})",
                       calibration_set=f"images (the other {len(cal_sources)})",
                       groups=domain.entry_groups(fit_f.shape[1]) if entry else None)
        refused = {kind: int((d.score(cal_f[[i for i, s in enumerate(cal_sources) if s[0] == kind]]) > d.threshold).sum())
                   if any(s[0] == kind for s in cal_sources) else 0 for kind in ("phantom", "image")}
        model_dir = os.path.join(a.out, name)
        with open(os.path.join(model_dir, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        entry_doc = domain.manifest_entry(d, "recalibrated by tools/train/calibrate_domain.py")
        with open(os.path.join(model_dir, domain.FILE), "w", encoding="utf-8") as f:
            json.dump(domain.to_json(d, name), f, separators=(",", ":"))
            f.write("\n")
        entry_doc["sha256"] = sha256_file(os.path.join(model_dir, domain.FILE))
        manifest["domain_check"] = entry_doc
        with open(os.path.join(model_dir, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2)
            f.write("\n")
        with open(os.path.join(model_dir, manifest.get("model_card", "MODEL_CARD.md")), "a", encoding="utf-8") as f:
            f.write(f"\n## Domain check recalibrated\n\nBy tools/train/calibrate_domain.py on {what}: threshold "
                    f"{d.threshold:.4g} (was the shipped calibration's). The metrics above are still those of the "
                    "original training; this model was not retrained.\n")
        print(f"{name}: threshold {d.threshold:.4f}; calibration images refused: {refused['phantom']} phantoms, "
              f"{refused['image']} of yours", flush=True)


if __name__ == "__main__":
    main()
