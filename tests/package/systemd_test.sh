#!/usr/bin/env bash
# The Debian package under a real systemd: debootstrap a fresh Debian 12 (minbase, from Debian's
# archive), boot it with systemd as PID 1 in a systemd-nspawn container, `apt install
# ./osteon_*.deb` there (apt brings the dependencies), and check what the package promises: the
# service active after install (Type=notify: started only once READY, its status line the node's),
# running as osteon with the watchdog armed, a phantom stored and analysed on the shipped defaults
# (port 11112), `systemctl reload` without a restart, the log in the journal, the unit's hardening
# as systemd applies it (`systemd-analyze security`), `systemctl stop` clean, then `apt purge`.
# The container shares this machine's network (apt needs it), so ports 11112 and 8080 must be free.
#   systemd_test.sh DEB_DIR OSTEON_PHANTOM WORK
set -euo pipefail
. "$(dirname "$0")/lib.sh"
deb_dir=$1 phantom=$2 work=$3
[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, systemd-nspawn)"
command -v debootstrap >/dev/null || skip "debootstrap is not installed"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn (systemd-container) is not installed"
for port in 11112 8080; do
  ! ss -ltnH "sport = :$port" | grep -q . || skip "port $port is in use on this machine (the container shares its network)"
done
curl -fsI --max-time 20 http://deb.debian.org/debian/dists/bookworm/Release >/dev/null ||
  skip "Debian's archive (deb.debian.org) cannot be reached: no fresh Debian 12 to install into"
deb=$(ls "$deb_dir"/osteon_*_amd64.deb)
root="$work/root"
rm -rf "$work"; mkdir -p "$work"
export DEBIAN_FRONTEND=noninteractive
echo "--- debootstrap bookworm"
start=$(date +%s)
debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,dcmtk,procps,iproute2 bookworm "$root" \
  http://deb.debian.org/debian > "$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; exit 1; }
echo "debootstrap took $(( $(date +%s) - start )) s"
cp "$deb" "$root/root/"
"$phantom" --kind hand --count 1 --seed 11 --out "$root/root/phantom" --quiet

echo "--- boot the container (systemd as PID 1)"
systemd-nspawn --quiet --register=no --keep-unit -D "$root" --boot --console=passive > "$work/console.log" 2>&1 &
nspawn=$!
cleanup() {
  kill $nspawn 2>/dev/null || true
  wait $nspawn 2>/dev/null || true
  [ "${fail:-1}" != 0 ] || rm -rf "$root"
}
trap cleanup EXIT
leader=""
for _ in $(seq 1 100); do leader=$(pgrep -P $nspawn | head -1 || true); [ -n "$leader" ] && break; sleep 0.2; done
[ -n "$leader" ] || { echo "no container"; cat "$work/console.log"; exit 1; }
inside() { nsenter --target "$leader" --mount --uts --ipc --net --pid -- "$@"; }
state=""
for _ in $(seq 1 300); do
  state=$(inside systemctl is-system-running 2>/dev/null || true)
  case "$state" in running|degraded) break ;; esac; sleep 0.2
done
echo "container systemd: $state"

echo "--- apt install ./$(basename "$deb")"
inside apt-get update -qq
start=$(date +%s)
inside apt-get install -y -qq "/root/$(basename "$deb")" > "$work/apt.log" 2>&1 || { tail -30 "$work/apt.log"; exit 1; }
echo "apt install took $(( $(date +%s) - start )) s (dependencies from Debian's archive included)"
check "the service is active after apt install" "inside systemctl is-active --quiet osteon"
check "enabled" "inside systemctl is-enabled --quiet osteon"
inside systemctl status osteon --no-pager | head -12
check "Type=notify: the status line is the node's READY status" "inside systemctl show -p StatusText osteon | grep -q 'serving DICOM as OSTEON'"
pid=$(inside systemctl show -p MainPID --value osteon)
check "it runs as osteon" "[ \"\$(inside ps -o user= -p $pid)\" = osteon ]"
check "the watchdog is armed (WatchdogUSec=1min)" "inside systemctl show -p WatchdogUSec osteon | grep -q '1min'"
check "storescu stores a hand phantom on port 11112" "inside sh -c 'storescu -aec OSTEON 127.0.0.1 11112 \$(find /root/phantom -name \"*.dcm\")'"
for _ in $(seq 1 100); do
  jobs=$(inside setpriv --reuid=osteon --regid=osteon --init-groups osteonctl --json jobs 2>/dev/null || true)
  grep -q '"state": "done"' <<<"$jobs" && break; sleep 0.3
done
check "the phantom analysed (the installed osteonctl, as osteon: job done)" "grep -q '\"state\": \"done\"' <<<'$jobs'"
inside systemctl reload osteon
sleep 1
inside journalctl -u osteon --no-pager > "$work/journal.txt"
check "systemctl reload: same main PID, node.reloaded in the journal" \
  "[ \"\$(inside systemctl show -p MainPID --value osteon)\" = '$pid' ] && grep -q node.reloaded '$work/journal.txt'"
check "the node's lines are in the journal" "grep -q 'node.ready' '$work/journal.txt'"
echo "--- systemd-analyze security osteon"
inside systemd-analyze security osteon --no-pager > "$work/security.txt" || true
grep -E '^✗' "$work/security.txt" || true
tail -1 "$work/security.txt"
check "systemd-analyze security rates the unit OK or better" "tail -1 '$work/security.txt' | grep -Eq ' (OK|SAFE|PERFECT)'"
inside systemctl stop osteon
inside journalctl -u osteon --no-pager > "$work/journal.txt"
check "systemctl stop: inactive, node.stopped clean=true in the journal" \
  "! inside systemctl is-active --quiet osteon && grep -q 'node.stopped clean=true' '$work/journal.txt'"
inside apt-get purge -y -qq osteon >/dev/null 2>&1
check "apt purge: user and data gone" "! inside getent passwd osteon >/dev/null && [ ! -e '$root/var/lib/osteon' ]"
if [ $fail != 0 ]; then echo "--- journal"; tail -40 "$work/journal.txt"; fi
exit $fail
