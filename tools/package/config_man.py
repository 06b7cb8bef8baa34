#!/usr/bin/python3
"""Writes the man page osteon.toml(5) from the annotated configuration file (the installed
/etc/osteon/osteon.toml that system_config.py makes): each [section] with its comments, each key
with its value and the comment beside it, commented-out examples as examples."""
import re
import sys

config, target, version, date = sys.argv[1:5]


def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text[:1] in (".", "'") else text


KEY = re.compile(r"^([a-z_]+)\s*=\s*(.*?)\s*(?:#\s?(.*))?$")
EXAMPLE = re.compile(r"^(?:[a-z_]+\s*=|\s+[{\[])")

out = [
    f'.TH OSTEON.TOML 5 "{date}" "osteon {version}" "File Formats"',
    ".SH NAME",
    "osteon.toml \\- configuration of the Osteon DICOM node",
    ".SH SYNOPSIS",
    ".I /etc/osteon/osteon.toml",
    ".SH DESCRIPTION",
    "The configuration of",
    ".BR osteon (8)",
    "and",
    ".BR osteonctl (1),",
    "in TOML. Every key is optional; an unknown key, a value of the wrong type or one out of range",
    "stops start-up with the file and line. Relative paths are relative to the file's directory.",
    "The values below are those of the installed file: the built-in defaults, but for the paths.",
    "After a change,",
    ".B systemctl reload osteon",
    "puts the routing profiles and the [delivery] destinations and known peers in force without",
    "dropping open associations;",
    ".B systemctl restart osteon",
    "everything else.",
]
lines = open(config, encoding="utf-8").read().splitlines()
# The file's own header comment is the description above.
i = next(n for n, line in enumerate(lines) if not line.strip())
paragraph, example = [], []


def flush():
    global paragraph, example
    if paragraph:
        out.append(".PP")
        out.extend(roff(p) for p in paragraph)
    if example:
        out.append(".PP\nExample:\n.RS\n.nf")
        out.extend(roff(e) for e in example)
        out.append(".fi\n.RE")
    paragraph, example = [], []


for line in lines[i:]:
    if not line.strip():
        flush()
        continue
    m = re.match(r"^\[([a-z_.]+)\]", line)
    if m:
        flush()
        out.append(f".SH [{m.group(1)}]")
        continue
    if line.startswith("#"):
        text = line[1:][1:] if line[1:2] == " " else line[1:]
        if EXAMPLE.match(text):
            if paragraph and not example:
                flush()
            example.append(text)
        else:
            if example:
                flush()
            paragraph.append(text)
        continue
    m = KEY.match(line)
    if m:
        # A key without a comment of its own is described by the comment lines just above it.
        described_by = paragraph if not m.group(3) and paragraph and not example else []
        if described_by:
            paragraph = []
        flush()
        out.append(".TP")
        out.append(f"\\fB{roff(m.group(1))}\\fR = {roff(m.group(2))}")
        out.extend(roff(d) for d in described_by)
        if m.group(3):
            out.append(roff(m.group(3)))
        continue
    sys.exit(f"config_man.py: {config}: cannot read line: {line}")
flush()
out += [".SH FILES", ".TP", ".I /etc/osteon/osteon.toml", "this file", ".TP", ".I /etc/osteon/dicom_profiles/",
        "local routing profiles (routing.override_dir)", ".SH SEE ALSO", ".BR osteon (8),", ".BR osteonctl (1)"]
open(target, "w", encoding="utf-8").write("\n".join(out) + "\n")
