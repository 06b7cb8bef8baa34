#!/usr/bin/env python3
"""Merges osteon-phantom output directories into one (symlinks, prefixed names, one truth.jsonl).

    /usr/bin/python3 tools/train/merge_sets.py OUT IN1 IN2 ...

The generator numbers every run from 0, so two runs with different seeds have the same file
names; this gives each run's files the prefix r<k>_ and rewrites png/masks paths in the truth.
Incomplete last lines of a truth.jsonl (a run that was stopped) are dropped.
"""
import json
import os
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, ins = sys.argv[1], sys.argv[2:]
    os.makedirs(os.path.join(out, "png"), exist_ok=True)
    os.makedirs(os.path.join(out, "masks"), exist_ok=True)
    records = []
    for k, src in enumerate(ins):
        src = os.path.abspath(src)
        with open(os.path.join(src, "truth.jsonl"), encoding="utf-8") as f:
            for line in f:
                try:
                    r = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if not os.path.exists(os.path.join(src, r["png"])) or not all(
                        os.path.exists(os.path.join(src, m)) for m in r["masks"].values()):
                    continue

                def link(rel):
                    d, b = os.path.split(rel)
                    new = os.path.join(d, f"r{k}_{b}")
                    dst = os.path.join(out, new)
                    if not os.path.lexists(dst):
                        os.symlink(os.path.join(src, rel), dst)
                    return new
                r["png"] = link(r["png"])
                r["masks"] = {name: link(m) for name, m in r["masks"].items()}
                records.append(r)
    with open(os.path.join(out, "truth.jsonl"), "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    print(f"merge_sets: {len(records)} records into {out}")


if __name__ == "__main__":
    main()
