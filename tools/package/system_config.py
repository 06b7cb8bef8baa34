#!/usr/bin/python3
"""Writes /etc/osteon/osteon.toml for the Debian package from the annotated osteon.toml of the
source tree: the same keys and comments, with the paths of an installed system (data in
/var/lib/osteon, models and profiles in /usr/share/osteon, local profiles in /etc/osteon)."""
import re
import sys

source, target = sys.argv[1], sys.argv[2]
text = open(source, encoding="utf-8").read()

HEADER = """# Osteon node configuration, as installed by the Debian package: read by osteon.service
# (/usr/bin/osteon --config /etc/osteon/osteon.toml) and by osteonctl. Every key is optional; the
# values shown are the built-in defaults, but for the paths. After a change: `systemctl reload osteon` puts the routing profiles
# and [delivery] destinations in force, `systemctl restart osteon` everything else. Relative paths
# are relative to this file's directory. See osteon.toml(5).
"""

# key in its section -> the installed value
VALUES = {
    ("node", "data_dir"): '"/var/lib/osteon"',
    ("routing", "profiles_dir"): '"/usr/share/osteon/dicom_profiles"',
    ("routing", "override_dir"): '"/etc/osteon/dicom_profiles"',
    ("inference", "models_dir"): '"/usr/share/osteon/models"',
}

lines = text.splitlines(keepends=True)
# The source's own header (the comment block before the first blank line) is replaced.
first_blank = next(i for i, line in enumerate(lines) if not line.strip())
out = [HEADER]
section = ""
done = set()
for line in lines[first_blank:]:
    m = re.match(r"^\[([a-z_.]+)\]", line)
    if m:
        section = m.group(1)
    m = re.match(r"^([a-z_]+)(\s*=\s*)(\S+)(\s*)(#.*)?$", line.rstrip("\n"))
    if m and (section, m.group(1)) in VALUES:
        key = (section, m.group(1))
        value = VALUES[key]
        comment = m.group(5) or ""
        pad = max(1, len(m.group(3)) + len(m.group(4)) - len(value)) if comment else 0
        line = f"{m.group(1)}{m.group(2)}{value}{' ' * pad}{comment}".rstrip() + "\n"
        done.add(key)
    out.append(line)
missing = set(VALUES) - done
if missing:
    sys.exit(f"system_config.py: {source} has no key {sorted(missing)}")
open(target, "w", encoding="utf-8").write("".join(out))
