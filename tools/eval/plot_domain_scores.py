#!/usr/bin/env python3
"""Histograms of the entry models' domain scores: held-out phantoms of the model's own body part,
phantoms of the other body parts, and real radiographs, with the threshold (docs/domain-scores.png).

    /usr/bin/python3 tools/eval/plot_domain_scores.py --out docs/domain-scores.png \\
        --phantoms hand.jsonl skull.jsonl hip.jsonl --real real.jsonl [--cross cross*.jsonl]

The inputs are osteon-eval --dump files: phantom runs (--kind K --dump F; with --pipeline P for
--cross) and the real run (--real --dump F). Needs only Debian's python3-pil.
"""
import argparse
import json
import math

from PIL import Image, ImageDraw

ENTRY = {"bone_age": "hand_seg", "nasal_fracture": "nasal_localiser", "implant_id": "implant_detect"}
COLOURS = {"phantoms": (40, 120, 220), "other body parts": (240, 160, 30), "real radiographs": (210, 40, 40)}


def verdicts(line):
    j = json.loads(line)
    return j.get("domain") or j.get("data", {}).get("domain", []), j


def collect(files, series, scores, thresholds, pipeline_of_dump):
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                vs, j = verdicts(line)
                pipeline = j.get("pipeline") or pipeline_of_dump(j)
                model = ENTRY.get(pipeline)
                for v in vs:
                    if v.get("model") == model and "score" in v and v.get("checked", True):
                        scores.setdefault(model, {}).setdefault(series, []).append(float(v["score"]))
                        thresholds[model] = float(v["threshold"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--phantoms", nargs="*", default=[])
    ap.add_argument("--cross", nargs="*", default=[])
    ap.add_argument("--real", nargs="*", default=[])
    a = ap.parse_args()
    scores, thresholds = {}, {}
    own = lambda j: j.get("data", {}).get("pipeline", "")  # noqa: E731
    collect(a.phantoms, "phantoms", scores, thresholds, own)
    collect(a.cross, "other body parts", scores, thresholds, own)
    collect(a.real, "real radiographs", scores, thresholds, own)

    lo, hi, bins = math.log10(0.5), math.log10(60.0), 70
    W, H, top, left, bottom = 1000, 250, 34, 60, 40
    models = [m for m in ENTRY.values() if m in scores]
    img = Image.new("RGB", (W, len(models) * H + 40), "white")
    d = ImageDraw.Draw(img)
    d.text((left, 10), "Domain scores of the entry models (osteon-eval; score 1 = a typical training image; "
                       "log scale; above the dashed threshold: refused)", fill="black")
    for row, model in enumerate(models):
        y0 = 40 + row * H
        plot_w, plot_h = W - left - 20, H - top - bottom
        d.rectangle([left, y0 + top, left + plot_w, y0 + top + plot_h], outline=(160, 160, 160))
        counts = {}
        for series, values in scores[model].items():
            c = [0] * bins
            for v in values:
                k = int((math.log10(max(v, 1e-6)) - lo) / (hi - lo) * bins)
                c[min(max(k, 0), bins - 1)] += 1
            counts[series] = [x / max(1, len(values)) for x in c]
        peak = max(max(c) for c in counts.values()) or 1.0
        bw = plot_w / bins
        for series in ("phantoms", "other body parts", "real radiographs"):
            if series not in counts:
                continue
            pts = []
            for k, share in enumerate(counts[series]):
                x0, x1 = left + k * bw, left + (k + 1) * bw
                y = y0 + top + plot_h - share / peak * plot_h
                pts += [(x0, y), (x1, y)]
            d.line(pts, fill=COLOURS[series], width=2)
        t = thresholds.get(model)
        if t:
            x = left + (math.log10(t) - lo) / (hi - lo) * plot_w
            for yy in range(int(y0 + top), int(y0 + top + plot_h), 8):
                d.line([(x, yy), (x, yy + 4)], fill="black", width=2)
            d.text((x + 4, y0 + top + 2), f"threshold {t:.2f}", fill="black")
        for v in (0.5, 1, 2, 5, 10, 20, 50):
            x = left + (math.log10(v) - lo) / (hi - lo) * plot_w
            d.line([(x, y0 + top + plot_h), (x, y0 + top + plot_h + 4)], fill="black")
            d.text((x - 6, y0 + top + plot_h + 6), f"{v:g}", fill="black")
        legend = ", ".join(f"{s} ({len(scores[model][s])})" for s in ("phantoms", "other body parts", "real radiographs")
                           if s in scores[model])
        d.text((left, y0 + 14), f"{model}: {legend}", fill="black")
        lx = left + plot_w - 420
        for i, s in enumerate(("phantoms", "other body parts", "real radiographs")):
            d.line([(lx + i * 140, y0 + 20), (lx + i * 140 + 20, y0 + 20)], fill=COLOURS[s], width=3)
            d.text((lx + i * 140 + 24, y0 + 14), s, fill="black")
    img.save(a.out)
    print(f"plot_domain_scores: wrote {a.out} ({', '.join(models)})")


if __name__ == "__main__":
    main()
