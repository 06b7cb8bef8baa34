#!/usr/bin/env python3
"""Imports your own labelled radiographs into the layout the training scripts read, so that a
hospital can train and calibrate Osteon's models on its own images.

    /usr/bin/python3 tools/train/import_dataset.py --layout rsna --csv boneage.csv --images DIR --out DATA
    /usr/bin/python3 tools/train/import_dataset.py --layout skull-csv --csv landmarks.csv --images DIR --out DATA
    /usr/bin/python3 tools/train/import_dataset.py --layout implant-folders --images DIR --out DATA

Layouts (tools/train/README.md, "Bring your own data"):

  rsna             the RSNA Pediatric Bone Age layout: a CSV with columns id,boneage,male (bone age in
                   months; male true/false or 1/0) and an image folder holding <id>.png (or .jpg,
                   .tif, .dcm). Writes DATA/hand_{train,test,cal}.
  skull-csv        a CSV with columns file,nasion_x,nasion_y,tip_x,tip_y,fracture (pixel coordinates
                   of the nasion and the nasal-bone tip in the image, pixel centres at integers;
                   fracture 1/0), optionally fracture_x,fracture_y; images in the folder. Writes
                   DATA/skull_{train,test,cal}.
  implant-folders  one folder per implant design (its name is the label the model will output;
                   "unknown" holds implants of no listed design, used as outlier exposure), each
                   image a crop around one implant. Writes DATA/implant_crops_{train,test,cal}.

Every image is read as the node reads it wrapped as DX (colour to grey, 8-bit values kept;
DICOM: stored values scaled to 8 bits, MONOCHROME1 inverted) and written as an 8-bit PNG, with a
truth.jsonl record per image like the phantom generator's. Images are split by a stable hash of
their name: 70 % train, 15 % test (metrics), 15 % calibration (thresholds, domain check).
Then run the training scripts with --data DATA (bone_age.py for rsna, nasal_localiser.py and
nasal_fracture.py for skull-csv, implant.py --crops for implant-folders).
"""
import argparse
import csv
import hashlib
import json
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chain  # noqa: E402

IMAGE_EXT = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".dcm")


def split_of(name):
    """70 / 15 / 15 by a stable hash of the image's name."""
    h = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "train" if h < 70 else "test" if h < 85 else "cal"


def find_image(folder, stem_or_file):
    direct = os.path.join(folder, stem_or_file)
    if os.path.isfile(direct):
        return direct
    for ext in IMAGE_EXT:
        for cand in (direct + ext, direct + ext.upper()):
            if os.path.isfile(cand):
                return cand
    raise SystemExit(f"import_dataset: no image for '{stem_or_file}' in {folder}")


class Writer:
    """One phantom-layout directory per split: png/ and truth.jsonl."""

    def __init__(self, out, prefix):
        self.out, self.prefix, self.files, self.counts = out, prefix, {}, {}

    def add(self, src, name, record):
        split = split_of(name)
        d = os.path.join(self.out, f"{self.prefix}_{split}")
        os.makedirs(os.path.join(d, "png"), exist_ok=True)
        img = chain.load_image(src)
        rel = f"png/{self.counts.get(split, 0):06d}.png"
        Image.fromarray(np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8), mode="L").save(os.path.join(d, rel))
        record = dict(record, png=rel, source=name, rows=int(img.shape[0]), cols=int(img.shape[1]))
        if split not in self.files:
            self.files[split] = open(os.path.join(d, "truth.jsonl"), "w", encoding="utf-8")
        self.files[split].write(json.dumps(record) + "\n")
        self.counts[split] = self.counts.get(split, 0) + 1

    def close(self):
        for f in self.files.values():
            f.close()
        for split in ("train", "test", "cal"):
            print(f"{self.prefix}_{split}: {self.counts.get(split, 0)} images")
        if not self.counts.get("train"):
            raise SystemExit("import_dataset: no training images (too few images?)")


def truthy(v):
    return str(v).strip().lower() in ("1", "true", "t", "yes", "y", "m", "male")


def import_rsna(a, w):
    with open(a.csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            try:
                ident, age = row["id"].strip(), float(row["boneage"])
            except (KeyError, ValueError) as e:
                raise SystemExit(f"import_dataset: {a.csv}: needs columns id,boneage,male ({e})")
            w.add(find_image(a.images, ident), ident,
                  {"kind": "hand", "bone_age_months": age, "sex": "M" if truthy(row.get("male", "")) else "F", "masks": {}})


def import_skull(a, w):
    with open(a.csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            try:
                rec = {"kind": "skull", "nasion": [float(row["nasion_x"]), float(row["nasion_y"])],
                       "tip": [float(row["tip_x"]), float(row["tip_y"])], "fracture": truthy(row["fracture"]),
                       "fracture_point": None, "masks": {}}
            except (KeyError, ValueError) as e:
                raise SystemExit(f"import_dataset: {a.csv}: needs columns file,nasion_x,nasion_y,tip_x,tip_y,fracture ({e})")
            if rec["fracture"] and row.get("fracture_x") and row.get("fracture_y"):
                rec["fracture_point"] = [float(row["fracture_x"]), float(row["fracture_y"])]
            w.add(find_image(a.images, row["file"].strip()), row["file"].strip(), rec)


def import_implants(a, w):
    labels = sorted(d for d in os.listdir(a.images) if os.path.isdir(os.path.join(a.images, d)))
    if not labels:
        raise SystemExit(f"import_dataset: {a.images} has no class folders")
    for label in labels:
        folder = os.path.join(a.images, label)
        for f in sorted(os.listdir(folder)):
            if f.lower().endswith(IMAGE_EXT):
                w.add(os.path.join(folder, f), f"{label}/{f}", {"kind": "implant_crop", "label": label})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layout", required=True, choices=["rsna", "skull-csv", "implant-folders"])
    ap.add_argument("--csv", default="", help="the labels (rsna, skull-csv)")
    ap.add_argument("--images", required=True, help="the image folder (implant-folders: the folder of class folders)")
    ap.add_argument("--out", required=True, help="the training data directory (--data of the training scripts)")
    a = ap.parse_args()
    if a.layout != "implant-folders" and not a.csv:
        raise SystemExit(f"import_dataset: --layout {a.layout} needs --csv")
    prefix = {"rsna": "hand", "skull-csv": "skull", "implant-folders": "implant_crops"}[a.layout]
    w = Writer(a.out, prefix)
    {"rsna": import_rsna, "skull-csv": import_skull, "implant-folders": import_implants}[a.layout](a, w)
    w.close()


if __name__ == "__main__":
    main()
