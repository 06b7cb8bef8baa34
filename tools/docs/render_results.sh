#!/usr/bin/env bash
# Renders what the radiologist gets, for the README, from the real node's results for synthetic
# phantoms (one of each kind: bone age, nasal fracture, hip implant):
#   docs/sc-*.png    the Secondary Capture, converted with DCMTK's dcmj2pnm;
#   docs/gsps-*.png  the presentation state (GSPS) on the original image: DCMTK's dcmp2pgm renders
#                    the image through the GSPS's grayscale pipeline (it draws no vector graphics),
#                    then osteon-gsps-render draws the GSPS's own graphic and text objects onto it.
#
#   tools/docs/render_results.sh [--build DIR] [--models DIR] [--out DIR]
#
# Defaults: build/, models/ and docs/ of this checkout. Starts osteon on a free loopback port with
# a temporary data directory, sends the phantoms with storescu and waits for the analyses.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build models=$root/models out=$root/docs
while [[ $# -gt 0 ]]; do
  case $1 in
    --build) build=$2; shift ;;
    --models) models=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "render_results.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
py=/usr/bin/python3
for tool in storescu dcmj2pnm dcmp2pgm; do
  command -v $tool >/dev/null || { echo "render_results.sh: $tool not found (Debian package dcmtk)" >&2; exit 1; }
done
[[ -x $build/osteon && -x $build/osteonctl && -x $build/osteon-phantom && -x $build/osteon-gsps-render ]] \
  || { echo "render_results.sh: build osteon, osteonctl, osteon-phantom and osteon-gsps-render in $build first" >&2; exit 1; }
models=$(cd "$models" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

work=$(mktemp -d)
node=
cleanup() { [[ -n $node ]] && kill "$node" 2>/dev/null && wait "$node" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# One phantom of each kind, chosen from a few by their truth: a fractured skull, a hip with a
# catalogue implant.
pick() {  # kind seed python-condition -> path of the first phantom whose truth matches
  "$build/osteon-phantom" --kind "$1" --count 12 --seed "$2" --out "$work/$1" --quiet
  $py - "$work/$1" "$3" <<'EOF'
import json, os, sys
d, cond = sys.argv[1], sys.argv[2]
for line in open(os.path.join(d, "truth.jsonl"), encoding="utf-8"):
    t = json.loads(line)
    if eval(cond, {}, {"t": t}):
        print(os.path.join(d, t["file"]))
        break
else:
    sys.exit(f"render_results.sh: no phantom in {d} matches {cond}")
EOF
}
hand=$(pick hand 31 '6 * 12 <= t["bone_age_months"] <= 14 * 12')
skull=$(pick skull 32 't["fracture"]')
hip=$(pick hip 33 'any(i["design_id"] not in ("none", "UNKNOWN") for i in t.get("implants", []))')

port=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/osteon.toml" <<EOF
[node]
port = $port
data_dir = "$work/data"
[inference]
models_dir = "$models"
EOF
"$build/osteon" --config "$work/osteon.toml" > "$work/node.log" 2>&1 &
node=$!
for _ in $(seq 100); do grep -q node.ready "$work/node.log" && break; sleep 0.2; done
grep -q node.ready "$work/node.log" || { cat "$work/node.log" >&2; exit 1; }

storescu -aet MODALITY -aec OSTEON 127.0.0.1 "$port" "$hand" "$skull" "$hip"
ctl() { "$build/osteonctl" --data-dir "$work/data" --json "$@"; }
for _ in $(seq 300); do
  ctl jobs | $py -c 'import json, sys; j = json.load(sys.stdin); sys.exit(0 if len(j) == 3 and all(x["state"] not in ("queued", "running") for x in j) else 1)' && break
  sleep 0.5
done
ctl jobs | $py -c 'import json, sys; [print(j["pipeline"] + ": " + j["state"]) for j in json.load(sys.stdin)]'

# The SC and the GSPS of each source: those instances in the source's study.
ctl instances > "$work/instances.json"
$py - "$work/instances.json" "$work/data" "$hand" "$skull" "$hip" > "$work/sc.txt" <<'EOF'
import json, os, subprocess, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
data, files = sys.argv[2], sys.argv[3:]
for name, f in zip(("bone-age", "nasal-fracture", "hip-implant"), files):
    study = subprocess.run(["dcmdump", "+P", "StudyInstanceUID", "-s", f], capture_output=True, text=True).stdout
    study = study.split("[", 1)[1].split("]", 1)[0]
    for kind, cls in (("sc", "1.2.840.10008.5.1.4.1.1.7"), ("gsps", "1.2.840.10008.5.1.4.1.1.11.1")):
        found = [r for r in rows if r["study_uid"] == study and r["sop_class_uid"] == cls]
        if not found:
            sys.exit(f"render_results.sh: no {kind} in the study of {f}")
        p = found[0]["path"]
        print(kind, f"{kind}-{name}", p if os.path.isabs(p) else os.path.join(data, p), f)
EOF
while read -r kind name path source; do
  if [[ $kind == sc ]]; then
    dcmj2pnm --write-png --nointerlace --scale-x-size 640 "$path" "$out/$name.png"
  else
    dcmp2pgm -p "$path" "$source" "$work/$name.pgm"
    "$build/osteon-gsps-render" "$work/$name.pgm" "$path" "$out/$name.png"
  fi
  echo "$out/$name.png"
done < "$work/sc.txt"
